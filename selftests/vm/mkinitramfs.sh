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
