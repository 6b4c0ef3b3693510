#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Driver-domain half of ivshmem_two_vms.host.sh: load the modules and
# nothing else. pvio_ivshmem finds the control region and its links'
# records there, makes the backend ends and their vbd and vif devices;
# the backends open what the records name, never what the guest wrote
# into its region (it names /tmp/secret.img). Once the guest connects,
# the block backend is reloaded: it reads the records again. Then serve
# until the guest has been and gone.
. /pvio/lib.sh

say() {
	echo "$*" >/dev/ttyS1
}

nullb_load || die "cannot load null_blk"
# What the vbd holds, and what the guest's forged path names.
printf 'HONEST-%0506d' 0 | dd of=/dev/nullb0 bs=512 count=1 oflag=direct \
	2>/dev/null || die "cannot write nullb0"
printf 'SECRET-%0506d' 0 >/tmp/secret.img
dd if=/dev/zero bs=4096 count=255 >>/tmp/secret.img 2>/dev/null
# What the host gives the guest later, on the spare link.
printf 'SPARE-%0507d' 0 >/tmp/spare.img
dd if=/dev/zero bs=4096 count=255 >>/tmp/spare.img 2>/dev/null
pvio_insmod pvio_hv && insmod $PVIO_MODULES/pvio_ivshmem.ko role=driver &&
	pvio_insmod pvio_blkback pvio_netback || die "cannot load the modules"

# one_dev GLOB: the one pvio device matching GLOB, once it has a driver.
one_dev() {
	_w=0
	while [ $_w -lt 300 ]; do
		for _d in /sys/bus/pvio/devices/$1; do
			[ -e "$_d/driver" ] && { echo "$_d"; return 0; }
		done
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}
info() {
	cat /sys/kernel/debug/pvio_ivshmem/*/info 2>/dev/null | tr '\n' ' '
}
check "the control region is found" sh -c \
	"grep -q 'kind control' /sys/kernel/debug/pvio_ivshmem/*/info"
vbd=$(one_dev '*-vbd0-backend')
check "pvio_blkback serves the vbd the record names" test -n "$vbd"
vif=$(one_dev '*-vif0-backend')
check "pvio_netback serves the vif the record names" test -n "$vif"
echo "# $(info)"
check "no vbd or vif can be added by hand on these links" sh -c \
	"! pvioctl vbd add $(cat $vbd/link_id 2>/dev/null) /dev/nullb0 2>/dev/null"
check "nor can the links be deleted by netlink" sh -c \
	"! pvioctl link del $(cat $vbd/link_id 2>/dev/null) 2>/dev/null"
be=pvif$(cat $vif/link_id 2>/dev/null).0
check "the vif's interface is up" sh -c \
	"$IP addr add 10.99.0.1/24 dev $be && $IP link set $be up"
say "# backends ready"

# file_is FILE VALUE SECONDS: wait until FILE reads VALUE.
file_is() {
	_w=0
	until [ "$(cat $1 2>/dev/null)" = "$2" ]; do
		[ $_w -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}
# The host sets vbd0/coalesce 500 once it reads "backends ready".
check "a key set on the host reaches the running backend" \
	file_is $vbd/coalesce_usecs 500 60
spare=$(one_dev 'link2-vbd0-backend')
check "a vbd set on the spare link gets its backend" test -n "$spare"

# connected DEV: DEV's state is Connected (60 s).
state_is() {
	_w=0
	until [ "$(cat $1/state 2>/dev/null)" = "$2" ]; do
		[ $_w -ge $((${3:-60} * 10)) ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}
check "the guest's vbd connects" state_is "$vbd" Connected 120
check "the guest's vif connects" state_is "$vif" Connected 60
check "reload pvio_blkback" sh -c \
	"rmmod pvio_blkback && insmod $PVIO_MODULES/pvio_blkback.ko"
check "the vbd is served again" state_is "$vbd" Connected 120
check "the forged path was never opened" sh -c \
	"! dmesg | grep -q secret.img && head -c 7 /tmp/secret.img | grep -qx SECRET-"
check "the link's generation is still pvio-hvd's" test \
	"$(cat $vbd/generation)" = 1
# The guest goes: its frontends close, or its heartbeat stops.
_w=0
while [ "$(cat $vbd/state)" = Connected ] && [ $_w -lt 1500 ]; do
	sleep 0.2
	_w=$((_w + 1))
done
check "the vbd let the guest go" sh -c "[ \$(cat $vbd/state) != Connected ]"
check "unload the provider under bound backends, then the rest" \
	pvio_rmmod pvio_ivshmem pvio_blkback pvio_netback pvio_hv
check "the kernel log is clean" sh -c \
	"! dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task'"
finish
