# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by scripts/demo.sh and scripts/bench-xvm.sh, which run the same
# kind of work twice: in guests of `pvio up` (scripts/demo.cfg: a driver
# domain and two guests) and in two VMs with QEMU's own virtio-blk and
# virtio-net. Sourced, not run. The guests' scripts print their results
# on their consoles as "DEMO name=NAME what=WHAT key=value..." lines.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pvio=$top/userspace/pvio
begin=$(date +%s)
# The consoles progress() and wait_done() watch.
consoles=()

say() {
	printf '[%3ds] %s\n' $(($(date +%s) - begin)) "$*"
}
die() {
	say "${xvm_what:-run} failed: $*"
	exit 1
}

# xvm_build DIR: the harness's kernel, pvio's modules and programs, and
# an initramfs with selftests/tests (and its parts/) in DIR; exports
# VM_KERNEL, VM_INITRD and VM_KMODS for pvio up and vm_qemu.
xvm_build() {
	local build=$1 kdir
	mkdir -p "$build"
	say "building: kernel, modules, pvio, pvio-hvd, initramfs (log: $build/build.log)"
	kdir=$("$top/selftests/vm/stock-kernel.sh" 2>>"$build/build.log") ||
		die "no kernel (see $build/build.log)"
	export VM_KERNEL=$kdir/vmlinuz VM_KMODS=$kdir/modroot/lib/modules
	export VM_INITRD=$build/initramfs.cpio.gz
	"$top/scripts/build-modules.sh" 6.12 >"$build/build.log" 2>&1 ||
		die "building the modules (see $build/build.log)"
	for d in userspace selftests/tools; do
		[ -e "$top/$d/Makefile" ] || continue
		make -C "$top/$d" >>"$build/build.log" 2>&1 ||
			die "building $d (see $build/build.log)"
	done
	"$top/selftests/vm/mkinitramfs.sh" "$VM_INITRD" \
		"$(ls -d "$VM_KMODS"/*/ | head -n 1)" "$top/.build/6.12" \
		"$top/selftests/tests" >>"$build/build.log" 2>&1 ||
		die "building the initramfs (see $build/build.log)"
}

# xvm_disk IMG: the driver domain's disk, two 256 MiB partitions (vda1,
# vda2).
xvm_disk() {
	truncate -s 520M "$1"
	printf 'label: dos\n,256M,L\n,256M,L\n' |
		sfdisk -q "$1" >/dev/null || die "sfdisk"
}

# xvm_part IMG N: QEMU's raw-driver options that make partition N of IMG
# a disk of its own ("offset=BYTES,size=BYTES"), so that virtio-blk works
# on the very bytes the driver domain gave a guest.
xvm_part() {
	sfdisk -d "$1" | sed -n "s/^.*[^0-9]$2 : start= *\([0-9]*\), size= *\([0-9]*\),.*/\1 \2/p" |
		while read -r start n; do
			echo "offset=$((start * 512)),size=$((n * 512))"
		done
}

# xvm_cfg DIR APPEND [GUEST_RUN]: DIR/pvio.cfg from scripts/demo.cfg with
# the kernel, initramfs and modules of xvm_build, APPEND on every
# domain's command line and, if given, another run = script for the
# guests.
xvm_cfg() {
	local run=${3:-parts/demo_guest.sh}
	sed -e "s|@KERNEL@|$VM_KERNEL|" -e "s|@INITRD@|$VM_INITRD|" \
		-e "s|@MODULES@|$VM_KMODS|" -e "s|@DIR@|$1|" \
		-e "s|@APPEND@|$2|" \
		-e "s|^run = parts/demo_guest.sh$|run = $run|" \
		"$top/scripts/demo.cfg" >"$1/pvio.cfg"
}

# xvm_up DIR: pvio up of DIR/pvio.cfg (xvm_cfg), run directory DIR/run.
xvm_up() {
	local t0
	export PVIO_DIR=$1/run
	say "pvio up: pvio-hvd, driver domain dd, guests g1 and g2"
	t0=$(date +%s)
	timeout 180 "$pvio" up -w 150 "$1/pvio.cfg" >"$1/up.out" 2>&1 || {
		cat "$1/up.out"
		keep=1
		die "pvio up"
	}
	say "all three domains ready in $(($(date +%s) - t0))s"
	"$pvio" status | sed 's/^/        /'
	consoles=("$PVIO_DIR/dd.console" "$PVIO_DIR/g1.console" "$PVIO_DIR/g2.console")
}

# progress: print the DEMO lines of the consoles not yet shown.
declare -A shown
progress() {
	local f lines n
	for f in "${consoles[@]}"; do
		[ -e "$f" ] || continue
		# Not the round trips of bench_xvm.sh's what=pingrtt: a long
		# line of numbers.
		lines=$(grep -a '^DEMO ' "$f" | grep -av ' what=pingrtt ' | tr -d '\r')
		n=$(printf '%s' "$lines" | grep -c .)
		if [ "$n" -gt "${shown[$f]:-0}" ]; then
			printf '%s\n' "$lines" | tail -n +$((${shown[$f]:-0} + 1)) |
				while read -r l; do say "  ${l#DEMO }"; done
			shown[$f]=$n
		fi
	done
}

# wait_done LIMIT NAME...: wait until each console (of consoles, named
# NAME.console) says what=done; fail on what=error. Calls the optional
# function xvm_tick every second.
wait_done() {
	local limit=$1 t0=$SECONDS v all c
	shift
	while :; do
		progress
		[ "$(type -t xvm_tick)" = function ] && xvm_tick
		all=1
		for v in "$@"; do
			c=$(dirname "${consoles[0]}")/$v.console
			grep -aq "^DEMO name=$v what=done" "$c" 2>/dev/null || all=
			grep -aq "^DEMO name=$v what=error" "$c" 2>/dev/null && return 1
		done
		[ -n "$all" ] && return 0
		[ $((SECONDS - t0)) -ge "$limit" ] && return 1
		sleep 1
	done
}

# xvm_virtio DIR IMG RUN APPEND: VMs v1 and v2 in the background (pids
# in vpids) doing RUN's work through QEMU's own devices: virtio-blk on
# partitions 1 and 2 of IMG, virtio-net joined by a socket netdev on
# 127.0.0.1, the addresses and iperf3 roles g1 and g2 have in demo.cfg.
xvm_virtio() {
	local dir=$1 img=$2 runs=$3 append=$4 port=$((20000 + $$ % 20000))
	mkdir -p "$dir"
	consoles=("$dir/v1.console" "$dir/v2.console")
	VM_MEM=512M
	# shellcheck source=selftests/vm/qemu.sh
	. "$top/selftests/vm/qemu.sh"
	xvm_vm "$dir" "$img" "$runs" "$append" 1 server "listen=127.0.0.1:$port"
	vpids=$!
	sleep 1	# the listener must be up before the other connects
	xvm_vm "$dir" "$img" "$runs" "$append" 2 client "connect=127.0.0.1:$port"
	vpids="$vpids $!"
}

# xvm_vm DIR IMG RUN APPEND N ROLE NETDEV: one of xvm_virtio's VMs. Both
# open IMG, each its own partition: QEMU's image lock (whole file) is off.
# Named threads (debug-threads), for bench-xvm.sh's CPU accounting.
xvm_vm() {
	local part
	part=$(xvm_part "$2" "$5")
	[ -n "$part" ] || die "no partition $5 in $2"
	vm_qemu_x "$1" "v$5" 300 \
		"pviorun=$3 demoname=v$5 demoip=10.99.0.1$5 demopeer=10.99.0.1$((3 - $5)) demoiperf=$6 demodisk=/dev/vda demonet=eth0 $4" \
		-name "v$5,debug-threads=on" \
		-drive "file=$2,file.locking=off,format=raw,if=none,id=d0,cache=writeback,$part" \
		-device virtio-blk-pci,drive=d0 \
		-netdev "socket,id=n0,$7" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:00:99:0$5" &
}

# xvm_stop_virtio: the VMs of xvm_virtio, ended.
xvm_stop_virtio() {
	local p
	# Each pid is a subshell waiting on timeout(1), which passes the
	# signal on to its QEMU.
	for p in ${vpids:-}; do
		pkill -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	wait
	vpids=
}

# xvm_results FILE: the DEMO lines of the consoles, into FILE.
xvm_results() {
	grep -ah '^DEMO ' "${consoles[@]}" | tr -d '\r' >"$1"
}

# xvm_cleanup TMP: pvio down, the virtio VMs ended, and TMP removed unless
# keep=1.
xvm_cleanup() {
	timeout 60 "$pvio" down >/dev/null 2>&1
	xvm_stop_virtio
	if [ "${keep:-}" = 1 ]; then
		echo "consoles and logs kept in $1"
	else
		rm -rf "$1"
	fi
}
