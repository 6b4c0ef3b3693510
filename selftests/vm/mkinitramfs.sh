#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs: static busybox, the guest /init, the test
# scripts, pvio's modules, the programs built in userspace/ and
# selftests/tools/ (pvioctl, the tests' helpers; into /pvio/bin) and the
# few kernel modules needed to mount the host's /usr over 9p. Everything
# else (fio, ip, kmod, the kernel's other modules, the programs' shared
# libraries) the guest reaches through 9p shares.
#
# usage: mkinitramfs.sh OUT.cpio.gz KERNEL_MODULES_DIR PVIO_MODULES_DIR TESTS
#   KERNEL_MODULES_DIR  lib/modules/<release> of the kernel the VM boots
#   PVIO_MODULES_DIR    a tree holding pvio's .ko files for that kernel
#   TESTS               the directory of test scripts (selftests/tests)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$1 kmods=$2 pvio_kos=$3 tests=$4
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# It becomes the guest's /: mktemp's 0700 would lock out non-root tests.
chmod 0755 "$stage"

mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,run,root,mnt,etc,usr} \
	 "$stage"/lib/modules "$stage"/pvio/{tests,parts,modules,kmod,bin}
cp /bin/busybox "$stage/bin/busybox"
# The host's dynamically linked programs find their loader and libraries
# through these, once /usr is mounted.
ln -s usr/lib64 "$stage/lib64"
ln -s /usr/lib/x86_64-linux-gnu "$stage/lib/x86_64-linux-gnu"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"
echo "127.0.0.1 localhost" >"$stage/etc/hosts"

install -m 0755 "$here/init" "$stage/init"
install -m 0644 "$here/lib.sh" "$stage/pvio/lib.sh"
# What a domain booted by the toolstack (`pvio up`) runs: pviorun=domain.sh.
install -m 0644 "$here/domain.sh" "$stage/pvio/domain.sh"
cp "$tests"/*.sh "$stage/pvio/tests/"
[ -d "$tests/parts" ] && cp "$tests"/parts/* "$stage/pvio/parts/"
find "$pvio_kos" -name '*.ko' -exec cp {} "$stage/pvio/modules/" \;
for d in userspace selftests/tools; do
	if [ -d "$top/$d" ]; then
		find "$top/$d" -maxdepth 1 -type f -perm -u+x \
			-exec cp {} "$stage/pvio/bin/" \;
	fi
done

# The kernel's YNL client and the specs of its own netlink families
# (netdev, ethtool, rt-link), for tests that ask them as a user would
# (lib.sh's ynl), and the kernel's NIC driver selftests that use them
# (drivers/net's ping.py, stats.py, queues.py and their python libraries,
# for net_kselftest.sh): from Debian's linux-source-6.12, extracted once
# into the cache beside what scripts/ynl-gen.sh takes, keyed by the
# package's version and the list of files. They go into the initramfs
# laid out as in the source tree (/pvio/ksrc, about 370 KiB), which is
# where the selftests' lib/py looks for the YNL library and the specs;
# /pvio/ynl points into it. The guest's python3 and its yaml module are
# the host's, over 9p.
src=/usr/src/linux-source-6.12.tar.xz
ksft=tools/testing/selftests
ksrc_files=(tools/net/ynl/cli.py tools/net/ynl/lib
	    Documentation/netlink/specs/netdev.yaml
	    Documentation/netlink/specs/ethtool.yaml
	    Documentation/netlink/specs/rt_link.yaml
	    $ksft/drivers/net/ping.py $ksft/drivers/net/stats.py
	    $ksft/drivers/net/queues.py $ksft/drivers/net/lib/py
	    $ksft/net/lib/py)
if [ -e "$src" ]; then
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	key=$(echo "${ksrc_files[*]}" | md5sum | cut -c1-8)
	ksrc=${PVIO_CACHE:-/var/cache/pvio}/ksrc/$ver-$key
	if [ ! -e "$ksrc/done" ]; then
		rm -rf "$ksrc.tmp"
		mkdir -p "$ksrc.tmp"
		tar -xf "$src" -C "$ksrc.tmp" --strip-components=1 \
			"${ksrc_files[@]/#/linux-source-6.12/}"
		touch "$ksrc.tmp/done"
		rm -rf "$ksrc"
		mv "$ksrc.tmp" "$ksrc"
	fi
	cp -r "$ksrc" "$stage/pvio/ksrc"
	rm "$stage/pvio/ksrc/done"
	mkdir -p "$stage/pvio/ynl"
	ln -s ../ksrc/tools/net/ynl/cli.py "$stage/pvio/ynl/cli.py"
	ln -s ../ksrc/tools/net/ynl/lib "$stage/pvio/ynl/lib"
	ln -s ../ksrc/Documentation/netlink/specs "$stage/pvio/ynl/specs"
fi

# 9p and what it needs, in load order; built in on the debug kernel.
for m in netfs 9pnet 9pnet_virtio 9p; do
	f=$(find "$kmods/kernel" -name "$m.ko*" | head -n 1)
	case "$f" in
	"") ;;
	*.xz) xz -dc "$f" >"$stage/pvio/kmod/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$stage/pvio/kmod/$m.ko" ;;
	*) cp "$f" "$stage/pvio/kmod/$m.ko" ;;
	esac
done

(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
