#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest's `run =` script in ivshmem_hotplug.host.sh. It keeps fio
# verify running on its boot-time pvio disk while the host hot-plugs a
# vbd and then a vif (`pvio attach`), and reports on the console, one
# line each, as the demo's parts do (selftests/vm/results.sh reads them):
#   DEMO name=NAME what=io-start disk=DEV pcihp=yes|no   a fio loop on
#                       the first disk; pcihp: the kernel has acpiphp
#   DEMO name=NAME what=disk2 disk=DEV fio1=running|stopped   the new one
#   DEMO name=NAME what=fio2 err=N rc=N     fio verify on the new disk
#   DEMO name=NAME what=fio1 runs=N err=N   the first disk's loop, ended
#   DEMO name=NAME what=ping sent=N received=N err=N   to the driver
#                                           domain over the new vif
#   DEMO name=NAME what=error msg=...       something never came
# A restarted guest (the attached devices plugged at boot) only says
# what it has:
#   DEMO name=NAME what=restarted ivshmem=N disks=N
# Parameters: hotip= its address on the vif, hotdd= the driver domain's.
arg() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"
}
IP=/usr/bin/ip
name=$(arg pvioname)
dd_ip=$(arg hotdd)
my_ip=$(arg hotip)

out() {
	echo "DEMO name=$name $*"
}

# disks: this guest's pvio disks, one /dev path a line.
disks() {
	for b in /sys/bus/pvio/devices/*-vbd0-frontend/block/*; do
		[ -e "$b" ] && echo "/dev/${b##*/}"
	done
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	_t=$(($1 * 10))
	shift
	until "$@"; do
		_t=$((_t - 1))
		[ $_t -le 0 ] && return 1
		sleep 0.1
	done
}

have_disks() {
	[ "$(disks | grep -c .)" -ge "$1" ]
}

# Restarted after the attaches: their devices are plugged at boot.
ivshmem=$(grep -lx 0x1110 /sys/bus/pci/devices/*/device | grep -c .)
if [ "$ivshmem" -gt 1 ]; then
	wait_for 120 have_disks 2
	out "what=restarted ivshmem=$ivshmem disks=$(disks | grep -c .)"
	exit 0
fi

# fio_verify TAG DISK: 4 KiB random writes at QD8, crc32c verify; 0 if
# fio passed. Its terse output in /tmp/fio.TAG.
fio_verify() {
	fio --name="$1" --filename="$2" --direct=1 --ioengine=libaio \
		--rw=randwrite --bs=4k --iodepth=8 --size=8m \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--output-format=terse --terse-version=3 >/tmp/fio."$1" 2>&1
}

wait_for 60 have_disks 1 || { out "what=error msg=no-first-disk"; exit 1; }
disk1=$(disks | head -n 1)

# The first disk's I/O, until the new disk's fio is done.
(
	runs=0 err=0
	until [ -e /tmp/fio1.stop ]; do
		fio_verify fio1 "$disk1" || err=$((err + 1))
		runs=$((runs + 1))
	done
	out "what=fio1 runs=$runs err=$err"
) &
loop=$!
# ACPI PCI hotplug (CONFIG_HOTPLUG_PCI_ACPI, built in: its parameter).
[ -d /sys/module/acpiphp ] && pcihp=yes || pcihp=no
out "what=io-start disk=$disk1 pcihp=$pcihp"

if ! wait_for 600 have_disks 2; then
	out "what=error msg=no-hotplugged-disk"
	touch /tmp/fio1.stop
	exit 1
fi
disk2=$(disks | grep -vx "$disk1" | head -n 1)
kill -0 $loop 2>/dev/null && state=running || state=stopped
out "what=disk2 disk=$disk2 fio1=$state"
fio_verify fio2 "$disk2"
rc=$?
err=$(awk -F';' '$1 == 3 { print $5 }' /tmp/fio.fio2)
out "what=fio2 err=${err:-1} rc=$rc"
[ $rc = 0 ] || sed 's/^/fio: /' /tmp/fio.fio2 | tail -n 15
touch /tmp/fio1.stop
wait $loop

# The hot-plugged vif: an address on the driver domain's bridge, ping.
have_vif() {
	for n in /sys/bus/pvio/devices/*-vif0-frontend/net/*; do
		[ -e "$n" ] && net=${n##*/} && return 0
	done
	return 1
}
if ! wait_for 600 have_vif; then
	out "what=error msg=no-hotplugged-vif"
	exit 1
fi
$IP link set "$net" up
$IP addr add "$my_ip/24" dev "$net"
_i=0
until ping -c 1 -W 1 "$dd_ip" >/dev/null 2>&1 || [ $_i -ge 60 ]; do
	_i=$((_i + 1))
done
ping -c 10 -i 0.2 -W 2 "$dd_ip" >/tmp/ping 2>&1
awk -v name="$name" '/packet loss/ { printf "DEMO name=%s what=ping sent=%d received=%d err=%d\n", name, $1, $4, ($1 == $4 && $1 > 0) ? 0 : 1 }' /tmp/ping
