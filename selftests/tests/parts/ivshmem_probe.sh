#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM half of ivshmem_probe.host.sh: one ivshmem-doorbell device, the
# frontend end of a pvio-hvd link whose backend end the host test plays
# (selftests/hvd/probe_peer.c, whose comment has the turns both take), and
# an ivshmem-plain device that must be refused. probe_peer=N on the
# command line: the host peer's id.
. /pvio/lib.sh

peer=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^probe_peer=//p')
dbg=/sys/kernel/debug
drv=/sys/bus/pci/drivers/pvio_ivshmem

# field FILE KEY: the value after KEY in a "key value" file.
field() {
	sed -n "s/^$2 //p" "$1" 2>/dev/null
}
has_role() {
	[ "$(field $info role)" = frontend ]
}
# ints_are COUNTS: the device's interrupts per vector are COUNTS.
ints_are() {
	[ "$(field $info interrupts)" = "$1" ]
}
# ints_at_least VECTOR [MIN]: VECTOR counted MIN interrupts (1) or more.
ints_at_least() {
	_c=$(field $info interrupts | cut -d' ' -f$(($1 + 1)))
	[ "${_c:-0}" -ge "${2:-1}" ]
}
ring() {
	echo "$1" >$dbg/pvio_ivshmem/$bdf/doorbell
}
# hdr FIELD: a header field, read through the link's debugfs region
# (pvio_hv expose_region=1: a bound BAR cannot be mapped from user space).
hdr() {
	pvio_region $dbg/pvio/link$link/region get "$1"
}
link_header() {
	cat $dbg/pvio/link$link/header 2>/dev/null
}

insmod $PVIO_MODULES/pvio_hv.ko expose_region=1 && insmod $PVIO_MODULES/pvio_ivshmem.ko role=guest ||
	die "cannot load the modules"
ivshmem_devs() {
	for _d in /sys/bus/pci/devices/*; do
		[ "$(cat $_d/vendor):$(cat $_d/device)" = 0x1af4:0x1110 ] &&
			echo ${_d##*/}
	done
}
bdf=$(cd $drv && echo 0000:*)
[ -e "$drv/$bdf" ] || bdf=
check "of 2 ivshmem devices, 1 is bound" test \
	"$(ivshmem_devs | wc -l) $(echo $bdf | wc -w)" = "2 1"
plain=$(ivshmem_devs | grep -vx "$bdf")
dmesg | grep "pvio_ivshmem $plain" | sed 's/^/# /'
check "the ivshmem-plain device is refused, with one line" test \
	"$(dmesg | grep -c "pvio_ivshmem $plain: no MSI-X: an ivshmem-plain device cannot ring") $(dmesg | grep -c "pvio_ivshmem $plain")" = "1 1"
info=$dbg/pvio_ivshmem/$bdf/info

# Role, region, vectors.
check "the device is a link's frontend end" wait_until 60 has_role
cat $info | sed 's/^/# info: /'
link=$(field $info link)
check "a link of 1 MiB, 4 vectors" sh -c \
	"[ '$(field $info kind)' = link ] && [ '$(field $info size)' = 1048576 ] && [ '$(field $info vectors)' = 4 ]"
check "4 MSI-X vectors requested" sh -c \
	"[ \$(grep -c pvio_ivshmem /proc/interrupts) = 4 ]"
check "its link is provider ivshmem, 256 pages, generation 1" sh -c \
	"cat $dbg/pvio/link$link/header | grep -qx 'provider ivshmem' &&
	 cat $dbg/pvio/link$link/header | grep -qx 'region_pages 256' &&
	 cat $dbg/pvio/link$link/header | grep -qx 'generation 1'"
check "the header: pvio magic, ABI 1, 256 pages" test \
	"$(hdr magic) $(hdr abi_version) $(hdr region_pages)" = \
	"$((0x4f495650)) 1 256"
check "the header: backend 1, frontend 2" test \
	"$(hdr backend_id) $(hdr frontend_id)" = "1 2"
check "our IVPosition in the frontend's slot" test \
	"$(hdr frontend_peer)" = "$(field $info ivposition)"
check "the host peer's id ($peer) in the backend's slot" test \
	"$(hdr backend_peer)" = "$peer"
check "no interrupt yet" ints_are "0 0 0 0"
check "port 4 is no port of this link" sh -c "! echo 4 >$dbg/pvio_ivshmem/$bdf/doorbell"

# Turn 1-3: ring port 3; the host rings vector 2; we ring port 1.
check "ring the host's port 3" ring 3
check "the host's interrupt on vector 2 is counted" wait_until 300 \
	ints_at_least 2
check "... and on no other vector" ints_are "0 0 1 0"
check "ring the host's port 1" ring 1

# Turn 4: the host hangs up, and comes back.
gen_is() {
	link_header | grep -qx "generation $1"
}
check "the peer's going is a new generation" wait_until 60 gen_is 2
# Our end takes the new generation from its interrupt handler's work,
# after the header shows it: a bound again, not an instant.
check "our end took it" wait_until 60 sh -c \
	"cat $dbg/pvio/link$link/header | grep -q '^frontend state .* generation 2 '"
check "pvio-hvd rang our vector 0 for it" ints_at_least 0
new_peer() {
	_p=$(hdr backend_peer)
	[ -n "$_p" ] && [ "$_p" != 0 ] && [ "$_p" != "$peer" ]
}
check "the host peer came back with a new id" wait_until 300 new_peer
echo "# host peer $peer, then $(hdr backend_peer); info: $(field $info interrupts)"
check "ring its port 3" ring 3

# Turn 6-7: unbind, bind, ring port 2; the host rings vector 1.
check "unbind the device" sh -c "echo $bdf >$drv/unbind"
check "its link and debugfs are gone" sh -c \
	"[ ! -e $dbg/pvio/link$link ] && [ ! -e $dbg/pvio_ivshmem/$bdf ] &&
	 ! grep -q pvio_ivshmem /proc/interrupts"
check "bind it again" sh -c "echo $bdf >$drv/bind"
check "a frontend end again" wait_until 60 has_role
link=$(field $info link)
check "its new link has generation 2" gen_is 2
check "ring the host's port 2" ring 2
check "the host's interrupt on vector 1 is counted, alone" wait_until 300 \
	ints_are "0 1 0 0"

# rmmod while bound frees everything (kmemleak on the debug kernel, after).
check "rmmod pvio_ivshmem while bound" rmmod pvio_ivshmem
check "no device, link, interrupt or debugfs of it left" sh -c \
	"[ ! -e $drv ] && [ ! -e $dbg/pvio_ivshmem ] &&
	 [ -z \"\$(ls -d $dbg/pvio/link* 2>/dev/null)\" ] && ! grep -q pvio_ivshmem /proc/interrupts &&
	 [ \$(cat /sys/module/pvio_hv/refcnt) = 0 ]"
check "load it again: a frontend end again" sh -c \
	"insmod $PVIO_MODULES/pvio_ivshmem.ko role=guest"
check "... with a link" wait_until 60 has_role
check "and unload both" pvio_rmmod pvio_ivshmem pvio_hv
check "the kernel log is clean" sh -c \
	"! dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task'"
finish
