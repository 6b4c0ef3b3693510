# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest-side test scripts (sourced: . /pvio/lib.sh).
# A test exits 0 to pass, 4 to skip (kselftest's code; its last output line
# is the reason) and anything else to fail. The harness also fails it on
# any kernel splat or new taint.

PVIO_MODULES=/pvio/modules
# Busybox's ip has no netns support; the host's iproute2 does.
IP=/usr/bin/ip

_pvio_failed=0
_pvio_n=0

# check DESCRIPTION COMMAND...: run COMMAND, print a TAP line for it.
check() {
	desc=$1
	shift
	_pvio_n=$((_pvio_n + 1))
	if "$@"; then
		echo "ok $_pvio_n - $desc"
	else
		echo "not ok $_pvio_n - $desc"
		_pvio_failed=$((_pvio_failed + 1))
	fi
}

# finish: end a test that used check(), failing if any check failed.
finish() {
	echo "1..$_pvio_n"
	[ $_pvio_failed -eq 0 ]
	exit $?
}

skip() {
	echo "$*"
	exit 4
}

die() {
	echo "FAIL: $*"
	exit 1
}

# pvio_insmod MODULE...: load pvio modules (dependencies first).
pvio_insmod() {
	for m in "$@"; do
		insmod $PVIO_MODULES/$m.ko || return 1
	done
}

# pvio_rmmod MODULE...: unload pvio modules (dependents first).
pvio_rmmod() {
	for m in "$@"; do
		rmmod $m || return 1
	done
}

# pvio_modules: every pvio module in this VM, dependencies first.
pvio_modules() {
	for m in pvio_hv pvio_loop pvio_ivshmem pvio_blkback pvio_netback \
		 pvio_blkfront pvio_netfront pvio_uend; do
		[ -e $PVIO_MODULES/$m.ko ] && echo $m
	done
}

# Reverse a word list (unload order).
reverse() {
	r=
	for w in "$@"; do
		r="$w $r"
	done
	echo $r
}

# module_loaded NAME
module_loaded() {
	[ -d /sys/module/$1 ]
}

# load_configfs: null_blk needs configfs loaded and mounted first.
load_configfs() {
	modprobe configfs 2>/dev/null
	grep -q ' /sys/kernel/config ' /proc/mounts ||
		mount -t configfs configfs /sys/kernel/config
}

# wait_until SECONDS COMMAND...: until COMMAND succeeds, checked every
# 0.1 s; 1 if SECONDS pass first (a bound, not a measure: TCG, the debug
# kernel).
wait_until() {
	_n=$(($1 * 10))
	shift
	until "$@"; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.1
	done
}

# wait_for PATH [SECONDS]: wait until PATH exists (default 30 s).
wait_for() {
	_w=0
	while [ ! -e "$1" ]; do
		[ $_w -ge $((${2:-30} * 10)) ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}

# --- block devices ------------------------------------------------------------

# blk_load: the block stack, loop provider included.
blk_load() {
	pvio_insmod pvio_hv pvio_loop pvio_blkback pvio_blkfront
}

# nullb_load [GB [MEMORY_BACKED]]: one null_blk disk, /dev/nullb0, that
# keeps its data (default) or, with MEMORY_BACKED 0, discards it and
# costs no memory (benchmarks).
nullb_load() {
	load_configfs
	modprobe null_blk nr_devices=1 memory_backed=${2:-1} gb=${1:-1} &&
		wait_for /dev/nullb0
}

# link_add [OPTIONS]: a loop link big enough for a vbd's rings and pools;
# prints its id.
link_add() {
	pvioctl link add loop pages 4096 grants 4096 "$@" |
		sed -n 's/^link \([0-9][0-9]*\) .*/\1/p'
}

# vbd_add LINK PATH [OPTIONS]: export PATH as a vbd on LINK.
vbd_add() {
	_l=$1 _p=$2
	shift 2
	pvioctl vbd add "$_l" "$_p" "$@" >/dev/null
}

# blk_disk_for LINK: the frontend disk of LINK's first vbd (pvda, ...),
# once it exists (waits up to 30 s).
blk_disk_for() {
	_d=/sys/bus/pvio/devices/link$1-vbd0-frontend
	_w=0
	while [ $_w -lt 300 ]; do
		for _b in "$_d"/block/*; do
			[ -e "$_b" ] && { basename "$_b"; return 0; }
		done
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}

# fio_verify DEV NAME [fio options]: write DEV and read every block back,
# checked with crc32c; fails on any error.
fio_verify() {
	_dev=$1 _name=$2
	shift 2
	fio --name="$_name" --filename="$_dev" --direct=1 --ioengine=libaio \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--group_reporting "$@" >/tmp/fio.$_name 2>&1 ||
		{ tail -n 20 /tmp/fio.$_name; return 1; }
	grep -q "err= 0" /tmp/fio.$_name ||
		{ tail -n 20 /tmp/fio.$_name; return 1; }
}

# debug_kernel: true on the debug kernel (KASAN, lockdep, kmemleak: about
# 35 times slower), where tests move less data.
debug_kernel() {
	[ -e /sys/kernel/debug/kmemleak ]
}

# --- network devices ----------------------------------------------------------

# net_load: the network stack, loop provider included.
net_load() {
	pvio_insmod pvio_hv pvio_loop pvio_netback pvio_netfront
}

# vif_add LINK [OPTIONS]: add a vif to LINK.
vif_add() {
	_l=$1
	shift
	pvioctl vif add "$_l" "$@" >/dev/null
}

# net_fe_for LINK: the frontend interface of LINK's first vif (pveth0,
# ...), once it exists (waits up to 30 s); in the initial namespace.
net_fe_for() {
	_d=/sys/bus/pvio/devices/link$1-vif0-frontend
	_w=0
	while [ $_w -lt 300 ]; do
		for _n in "$_d"/net/*; do
			[ -e "$_n" ] && { basename "$_n"; return 0; }
		done
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}

# net_ns NS: a network namespace without IPv6 (no stray router
# solicitations in the counters), loopback up.
net_ns() {
	mkdir -p /run
	$IP netns add "$1" || return 1
	$IP netns exec "$1" sh -c \
		'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6;
		 echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null
	$IP -n "$1" link set lo up
}

# net_into NS DEV ADDR: move DEV into NS, give it ADDR/24, bring it up.
net_into() {
	$IP link set "$2" netns "$1" &&
		$IP -n "$1" addr add "$3/24" dev "$2" &&
		$IP -n "$1" link set "$2" up
}

# net_carrier NS DEV 0|1 [SECONDS]: wait until DEV's carrier is as given
# (default 30 s).
net_carrier() {
	_w=0
	while [ "$($IP netns exec "$1" cat /sys/class/net/"$2"/carrier \
		2>/dev/null)" != "$3" ]; do
		[ $_w -ge $((${4:-30} * 10)) ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}

# net_pair_up LINK: LINK's first vif wired up for a test: the backend's
# pvif<LINK>.0 in namespace "be" as 10.99.0.1/24, the frontend's pvethN in
# "fe" as 10.99.0.2/24, its carrier on; sets $be and $fe. Dies if not.
net_pair_up() {
	be=pvif$1.0
	fe=$(net_fe_for "$1") || die "no frontend interface"
	net_ns be && net_ns fe || die "cannot create the namespaces"
	net_into be "$be" 10.99.0.1 && net_into fe "$fe" 10.99.0.2 ||
		die "cannot set up the interfaces"
	net_carrier fe "$fe" 1 || die "no carrier on $fe"
}

# net_pair_down LINK: undo net_pair_up and net_load: the vif and LINK
# deleted, the namespaces too, and the modules unloaded, which is checked.
net_pair_down() {
	pvioctl vif del "$1" 0
	pvioctl link del "$1"
	$IP netns del be
	$IP netns del fe
	check "unload the modules" \
		pvio_rmmod pvio_netfront pvio_netback pvio_loop pvio_hv
}

# ynl FAMILY ARGS...: the kernel's YNL client (tools/net/ynl/cli.py) on
# one of the kernel's netlink families (netdev, ethtool, rt_link), e.g.
# `ynl netdev --dump qstats-get`; prints the answer as JSON. Run it in a
# namespace with `$IP netns exec NS sh -c ". /pvio/lib.sh; ynl ..."`.
# have_ynl: the initramfs has it (mkinitramfs.sh found linux-source).
have_ynl() {
	[ -e /pvio/ynl/cli.py ]
}
ynl() {
	_f=$1
	shift
	/usr/bin/python3 /pvio/ynl/cli.py --no-schema --output-json \
		--spec /pvio/ynl/specs/"$_f".yaml "$@"
}

# net_stat NS DEV COUNTER: one of DEV's statistics (rx_packets, ...).
net_stat() {
	$IP netns exec "$1" cat /sys/class/net/"$2"/statistics/"$3"
}

# net_listening NS PORT: wait until a TCP server listens on PORT in NS
# (up to 20 s): a client started before it would be refused.
net_listening() {
	_w=0
	until $IP netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null |
		grep -q LISTEN; do
		[ $_w -ge 200 ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}

# net_tcp_intact FROM_NS TO_NS TO_ADDR: /tmp/data, sent over TCP from
# FROM_NS to TO_ADDR in TO_NS, arrives unchanged (MD5 compared).
net_tcp_intact() {
	_want=$(md5sum </tmp/data | cut -d' ' -f1)
	$IP netns exec "$2" timeout 60 /usr/bin/python3 -c '
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5999))
s.listen(1)
c, _ = s.accept()
h = hashlib.md5()
while True:
    d = c.recv(1 << 16)
    if not d:
        break
    h.update(d)
print(h.hexdigest())' "$3" >/tmp/md5.out &
	_srv=$!
	net_listening "$2" 5999 || { kill $_srv; return 1; }
	$IP netns exec "$1" timeout 60 /usr/bin/python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 5999))
s.sendall(open("/tmp/data", "rb").read())
s.close()' "$3"
	wait $_srv
	_got=$(cat /tmp/md5.out)
	echo "# $1 -> $2: md5 $_got"
	[ "$_got" = "$_want" ]
}

# cmdline_arg NAME: the value of NAME= on the kernel command line (the
# host's VM_APPEND), empty if none.
cmdline_arg() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"
}

# evil_blk_setup NR [NULL_BLK-ARGS...]: NR memory-backed null_blk disks
# of 1 GiB (ARGS added), pvio_hv with its region exposed to the tests
# (expose_region=1: they write into it as a hostile peer), the loop
# provider and the block modules; then the victim's link ($victim, disk
# $vdisk) on /dev/nullb0 and an honest one ($honest, disk $hdisk) on
# /dev/nullb1, whose fio verify runs beside the attacks (evil_blk_*).
evil_blk_setup() {
	_n=$1
	shift
	load_configfs
	modprobe null_blk nr_devices="$_n" memory_backed=1 gb=1 "$@" &&
		wait_for /dev/nullb$((_n - 1)) || die "cannot load null_blk"
	insmod "$PVIO_MODULES"/pvio_hv.ko expose_region=1 &&
		pvio_insmod pvio_loop pvio_blkback pvio_blkfront ||
		die "cannot load the modules"
	victim=$(link_add) || die "cannot add the victim's link"
	vbd_add "$victim" /dev/nullb0 || die "cannot add the victim's vbd"
	vdisk=/dev/$(blk_disk_for "$victim") || die "no victim disk"
	honest=$(link_add) || die "cannot add the honest link"
	vbd_add "$honest" /dev/nullb1 || die "cannot add the honest vbd"
	hdisk=/dev/$(blk_disk_for "$honest") || die "no honest disk"
}

# link_notifies LINK: the doorbells each local end of LINK rang so far,
# as "FRONTEND BACKEND" (its debugfs events: an end's notifies ring its
# peer).
link_notifies() {
	awk '$1 == "frontend" { f += $5 } $1 == "backend" { b += $5 }
		END { print f + 0, b + 0 }' /sys/kernel/debug/pvio/link"$1"/events
}

# bench_report_doorbells BENCH SYSTEM JOB PER BEFORE AFTER: pvio's
# doorbells per unit of work each way (PER: perio, perpkt) between two
# snapshots "FRONTEND-NOTIFIES BACKEND-NOTIFIES UNITS [BACKEND-PASSES]"
# (the units done: I/Os, packets), and the units per backend pass if
# counted, to the host as "BENCH BENCH SYSTEM JOB_tobackend_dbPER VALUE"
# and so on.
bench_report_doorbells() {
	echo "$5 $6" | awk -v b="$1" -v s="$2" -v j="$3" -v per="$4" '
	{ h = NF / 2; for (i = 1; i <= h; i++) d[i] = $(i + h) - $i }
	d[3] > 0 {
		printf "BENCH %s %s %s_tobackend_db%s %.3f\n", b, s, j, per, d[1] / d[3]
		printf "BENCH %s %s %s_tofrontend_db%s %.3f\n", b, s, j, per, d[2] / d[3]
		if (h > 3 && d[4] > 0)
			printf "BENCH %s %s %s_reqs_perpass %.2f\n", b, s, j, d[3] / d[4]
	}' | bench_report
}

# bench_report: each line of stdin ("BENCH BENCH SYSTEM METRIC VALUE",
# "BENCH-SAMPLES BENCH SYSTEM METRIC VALUE...", "BENCH-META KEY VALUE":
# the conditions, e.g. the guest's kernel) straight to the host's
# results file as a TAP comment, as soon as it is measured: a benchmark
# cut short keeps the figures it had (scripts/bench-lib.sh collects them
# while the VM runs).
bench_report() {
	while IFS= read -r _l; do
		echo "# $_l" >/dev/ttyS1
	done
}
