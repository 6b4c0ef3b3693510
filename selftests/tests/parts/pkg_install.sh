# SPDX-License-Identifier: GPL-2.0
#
# pkg_install's guest (pviorun=parts/pkg_install.sh): /usr and
# /lib/modules are the host's with pvio-utils and pvio-dkms installed by
# dpkg (DKMS built the modules). Nothing of the tree's own builds may
# count: /pvio/bin and /pvio/modules are removed first, so pvioctl comes
# from PATH and the modules from modprobe by name.
. /pvio/lib.sh

rm -rf /pvio/bin /pvio/modules
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
rel=$(uname -r)

check "pvioctl on PATH is the package's" \
	[ "$(command -v pvioctl)" = /usr/sbin/pvioctl ]
v=$(pvioctl --version)
echo "# pvioctl --version: $v"
check "pvioctl --version runs" [ -n "$v" ]

# A parameter set the way an administrator does, applied by modprobe.
mkdir -p /etc/modprobe.d
echo "options pvio_blkfront ring_order=5" >/etc/modprobe.d/pvio-test.conf

echo "# modprobe pvio_blkfront: $(modinfo -n pvio_blkfront)"
check "pvio_blkfront is DKMS's (updates/dkms)" \
	sh -c 'modinfo -n pvio_blkfront | grep -q "^/lib/modules/$1/updates/dkms/pvio_blkfront\.ko"' - "$rel"
check "modprobe pvio_blkfront" modprobe pvio_blkfront
check "pvio_hv came with it (modules.dep)" module_loaded pvio_hv
check "ring_order from /etc/modprobe.d" \
	[ "$(cat /sys/module/pvio_blkfront/parameters/ring_order)" = 5 ]
for m in pvio_loop pvio_blkback pvio_netback pvio_netfront pvio_ivshmem; do
	check "modprobe $m" modprobe $m
done

# The block stack through pvioctl: a vbd on null_blk, its disk with the
# queue depth ring_order gives (32 slots), data written and read back.
nullb_load 1 || die "no null_blk"
l=$(link_add)
check "pvioctl link add" [ -n "$l" ]
check "pvioctl vbd add" vbd_add "$l" /dev/nullb0
disk=$(blk_disk_for "$l")
check "disk appears ($disk)" [ -n "$disk" ]
tags=$(cat /sys/block/"$disk"/mq/0/nr_tags 2>/dev/null)
echo "# $disk: nr_tags $tags"
check "its queue depth is ring_order's (32)" [ "$tags" = 32 ]
check "fio verify on /dev/$disk" fio_verify /dev/"$disk" pkg \
	--rw=randwrite --bs=4k --size=8M --iodepth=16
pvioctl link show | sed 's/^/# /'
check "pvioctl vbd del" pvioctl vbd del "$l" 0
check "pvioctl link del" pvioctl link del "$l"
# Dependents first, by name; modprobe -r of the last one takes pvio_hv
# (modprobe -r of the others fails, silently, at pvio_hv still in use).
for m in pvio_blkfront pvio_blkback pvio_netfront pvio_netback pvio_ivshmem; do
	check "rmmod $m" rmmod $m
done
check "modprobe -r pvio_loop" modprobe -r pvio_loop
check "pvio_hv went with it" sh -c '! grep -q "^pvio_hv " /proc/modules'
check "none left" sh -c '! grep -q "^pvio_" /proc/modules'
finish
