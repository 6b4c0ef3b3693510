#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages install and work. make deb's pvio-dkms and
# pvio-utils are installed with dpkg -i, maintainer scripts and all, in
# a chroot that is the host seen through an overlay (the test kernel's
# modules as one more lower layer), so that the host changes nothing:
# pvio-dkms's postinst has DKMS build and install the modules from
# /usr/src/pvio-<VERSION> for the installed kernels' headers, the test
# kernel's among them. Then a VM boots with that /usr and /lib/modules
# (parts/pkg_install.sh): modprobe by name, a parameter from
# /etc/modprobe.d, pvioctl from PATH, a vbd with I/O. Last, dpkg --purge
# must take the modules and sources away again. As root. Run by
# selftests/vm/run.sh, which sets LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/vm/qemu.sh"

fail=0
ok() { echo "# ok - $*"; }
not_ok() {
	echo "not ok - $*"
	fail=1
}
# die_log MESSAGE LOG: a failed step that ends the test.
die_log() {
	echo "not ok - $1 (log: $2)"
	tail -n 30 "$2" | sed 's/^/# /'
	exit 1
}

[ "$(id -u)" -eq 0 ] || { echo "not root"; exit 4; }
"$top/scripts/deps.sh" build deb || exit 1
version=$(cat "$top/VERSION")
rel=$(basename "$(ls -d "$VM_KMODS"/*/ | head -n 1)")

tmp=$(mktemp -d /tmp/pvio-pkg.XXXXXX)
root=$tmp/root
# Unmount before removing anything; never remove through a mount.
# shellcheck disable=SC2317 # the trap calls it
cleanup() {
	local d
	for d in "$root/proc" "$root/dev" "$root"; do
		mountpoint -q "$d" && umount "$d"
	done
	if mountpoint -q "$root" || mountpoint -q "$root/proc" ||
	   mountpoint -q "$root/dev"; then
		echo "# cleanup: $root still mounted; left $tmp"
		return
	fi
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
"$top/scripts/deb.sh" "$tmp/deb" >"$LOGDIR/pkg_install.deb.log" 2>&1 ||
	die_log "make deb" "$LOGDIR/pkg_install.deb.log"
ok "make deb ($(($(date +%s) - start))s)"

# The chroot: the host's / below, writes in $tmp/upper, which starts
# with the test kernel's modules (a fresh machine has only its headers;
# overlayfs takes no lower layer inside another): hard links to the
# cache's, but the files depmod rewrites (by rename) copied. /proc and a
# /dev of its own; no host directory bound in.
# Where /lib/modules is (/usr/lib/modules on a merged /usr: an upper
# directory lib/ would hide the lower's symlink).
mods=$tmp/upper$(realpath /lib/modules)
mkdir -p "$mods" "$tmp/work" "$root"
cp -al "$VM_KMODS/$rel" "$mods/" 2>/dev/null || cp -a "$VM_KMODS/$rel" "$mods/"
for f in "$VM_KMODS/$rel"/modules.*; do
	rm -f "$mods/$rel/${f##*/}"
	cp -a "$f" "$mods/$rel/"
done
mount -t overlay overlay \
	-o "lowerdir=/,upperdir=$tmp/upper,workdir=$tmp/work" "$root" ||
	{ echo "not ok - overlay mount"; exit 1; }
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=0755 dev "$root/dev"
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/urandom" c 1 9
mknod -m 666 "$root/dev/random" c 1 8
ln -s /proc/self/fd "$root/dev/fd"	# bash's <(...), which dkms uses
# A machine with the test kernel alone (check-dkms builds for 6.1): the
# other kernels' directories hidden in the chroot, not removed.
for d in "$root"/lib/modules/*; do
	[ "${d##*/}" = "$rel" ] || rm -rf --one-file-system "$d"
done
mkdir -p "$root/tmp/debs"
cp "$tmp"/deb/pvio-dkms_"${version}"_all.deb "$tmp"/deb/pvio-utils_"${version}"_*.deb \
	"$root/tmp/debs/"
rm -f "$root"/tmp/debs/*dbgsym*

start=$(date +%s)
log=$LOGDIR/pkg_install.dpkg.log
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive sh -c 'dpkg -i /tmp/debs/*.deb' \
	>"$log" 2>&1 || die_log "dpkg -i pvio-dkms pvio-utils" "$log"
ok "dpkg -i pvio-dkms pvio-utils ($(($(date +%s) - start))s): $(grep -m 1 '^Building for' "$log")"

# What DKMS made of the package's sources for the test kernel: every
# module, built in its tree (its make.log), for that kernel, and indexed.
mods=$(bash -c '. "$1" && echo "${BUILT_MODULE_NAME[*]}"' - "$top/dkms.conf")
status=$(chroot "$root" dkms status pvio/"$version" -k "$rel")
echo "# dkms status: $status"
[[ $status == *": installed"* ]] || not_ok "dkms status for $rel: '$status'"
mlog=$root/var/lib/dkms/pvio/$version/$rel/x86_64/log/make.log
grep -q "/var/lib/dkms/pvio/$version/build" "$mlog" 2>/dev/null ||
	not_ok "no DKMS make.log for $rel in the package's tree"
for m in $mods; do
	f=$(compgen -G "$root/lib/modules/$rel/updates/dkms/$m.ko*" | head -n 1)
	if [ -z "$f" ]; then
		not_ok "$m: not in /lib/modules/$rel/updates/dkms"
	elif [ "$(modinfo -F vermagic "$f" | cut -d' ' -f1)" != "$rel" ]; then
		not_ok "$m: vermagic $(modinfo -F vermagic "$f")"
	elif ! grep -q "^updates/dkms/$m\.ko[^:]*:" "$root/lib/modules/$rel/modules.dep"; then
		not_ok "$m: not in modules.dep"
	fi
done
# The package leaves pvio-hvd.service disabled; udev rules in place.
if compgen -G "$root/etc/systemd/system/*/pvio-hvd.service" >/dev/null; then
	not_ok "pvio-hvd.service enabled: $(ls "$root"/etc/systemd/system/*/pvio-hvd.service)"
fi
[ -f "$root/lib/udev/rules.d/60-pvio.rules" ] || not_ok "no udev rules"
[ $fail -eq 0 ] && ok "DKMS built and installed $(wc -w <<<"$mods") modules for $rel; pvio-hvd.service disabled"

# The guest, on the packages' /usr and /lib/modules.
VM_USR=$root/usr VM_KMODS=$root/lib/modules \
	vm_qemu "$LOGDIR" pkg-install 300 "pviorun=parts/pkg_install.sh"
grep -E '^(ok|not ok|#)' "$LOGDIR/pkg-install.console" | tr -d '\r' |
	sed 's/^\([^#]\)/# guest: \1/'
if ! grep -q '^PVIO-EXIT 0' "$LOGDIR/pkg-install.results"; then
	not_ok "the guest did not pass (log: $LOGDIR/pkg-install.console)"
	grep -v '^PVIO-' "$LOGDIR/pkg-install.results" | head -n 20
fi

# Removed, the packages take their files and the modules with them.
log=$LOGDIR/pkg_install.purge.log
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive dpkg --purge pvio-dkms pvio-utils \
	>"$log" 2>&1 || die_log "dpkg --purge" "$log"
left=$(ls -d "$root/usr/src/pvio-$version" "$root/var/lib/dkms/pvio" \
	"$root"/lib/modules/*/updates/dkms/pvio_* "$root/usr/sbin/pvioctl" \
	"$root/usr/bin/pvio-hvd" 2>/dev/null)
grep -q 'pvio_' "$root/lib/modules/$rel/modules.dep" &&
	left+=" modules.dep"
if [ -z "$left" ]; then
	ok "dpkg --purge: no module, source or program left"
else
	not_ok "dpkg --purge left: $left"
fi
exit $fail
