#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pvio's VM test runner (make check-vm). Builds pvio's modules for the
# chosen kernel, packs them with the tests into an initramfs, and boots one
# QEMU VM per test area (core_, link_, blk_, ...) that runs the area's
# tests in order. A failed or tainting test ends that VM; the rest of the
# area continues in a fresh one. Host-side tests (*.host.sh) drive several
# VMs themselves. Output is TAP, ending with "N passed, N failed, N skipped".
#
# usage: selftests/vm/run.sh [-k stock|debug] [-t GLOB[,GLOB...]] [-v]
#   -k  stock: Debian's 6.12 kernel matching the installed headers (default)
#       debug: the KASAN/lockdep/kmemleak kernel of scripts/debug-kernel.sh
#   -t  test names to run, shell globs (default: all), e.g. -t 'blk_*'
#   -v  print each test's whole output as TAP comments, not only a
#       failure's (the demo and the benchmarks print their tables so)
# Host tests see VM_KIND (stock or debug) beside VM_KERNEL, VM_INITRD and
# VM_KMODS. VM_EXTRA in the environment adds QEMU arguments (e.g. -icount ...),
# VM_APPEND words to the guest's kernel command line (benchsecs=1);
# VM_LOGDIR puts the logs and the initramfs elsewhere than
# .build/vm-logs/KERNEL (for two runs side by side; it is emptied first).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# PVIO_TESTS_DIR: another test directory (the harness's own self-test).
tests_dir=${PVIO_TESTS_DIR:-$top/selftests/tests}
kernel=stock
globs='*'
verbose=
while getopts "k:t:vh" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	t) globs=$OPTARG ;;
	v) verbose=pvioverbose=1 ;;
	*) sed -n '3,/^set /p' "$0" | sed 's/^# \{0,1\}//;/^set /d'
	   exit 2 ;;
	esac
done

# --- what to run -----------------------------------------------------------
# selected NAME: does NAME match one of the comma-separated globs?
selected() {
	local g
	for g in "${glob_list[@]}"; do
		# shellcheck disable=SC2254
		case $1 in $g) return 0 ;; esac
	done
	return 1
}

IFS=, read -ra glob_list <<<"$globs"
declare -A area_guest area_host
areas=()
for f in "$tests_dir"/*.sh; do
	name=$(basename "$f" .sh)
	selected "${name%.host}" || continue
	area=${name%%_*}
	[ -n "${area_guest[$area]+x}${area_host[$area]+x}" ] || areas+=("$area")
	case $name in
	*.host) area_host[$area]+="${name%.host} " ;;
	*) area_guest[$area]+="$name " ;;
	esac
done
if [ ${#areas[@]} -eq 0 ]; then
	echo "run.sh: no test matches '$globs'" >&2
	exit 1
fi

# --- kernel, modules, initramfs ---------------------------------------------
case $kernel in
stock)
	kdir=$("$top/selftests/vm/stock-kernel.sh") || exit 1
	export VM_KERNEL=$kdir/vmlinuz
	build=6.12
	;;
debug)
	kdir=$("$top/scripts/debug-kernel.sh" | tail -n 1) || exit 1
	export VM_KERNEL=$kdir/bzImage
	build=debug
	;;
*)
	echo "run.sh: unknown kernel '$kernel' (stock, debug)" >&2
	exit 2
	;;
esac
export VM_KMODS=$kdir/modroot/lib/modules
# For host tests that give the debug kernel's VMs more time.
export VM_KIND=$kernel
logdir=${VM_LOGDIR:-$top/.build/vm-logs/$kernel}
rm -rf "$logdir"
mkdir -p "$logdir"
# Two runs side by side (make check's lanes) share the build trees: one
# builds and packs at a time.
mkdir -p "$top/.build"
exec 8>"$top/.build/.vm-build.lock"
flock 8
if ! "$top/scripts/build-modules.sh" $build >"$logdir/build.log" 2>&1; then
	echo "Bail out! building the modules for $kernel failed:"
	tail -n 20 "$logdir/build.log" | sed 's/^/# /'
	exit 1
fi
# pvio's userspace programs and the tests' helpers (mkinitramfs.sh copies
# them into the guest's /pvio/bin).
for d in userspace selftests/tools; do
	[ -e "$top/$d/Makefile" ] || continue
	if ! make -C "$top/$d" >>"$logdir/build.log" 2>&1; then
		echo "Bail out! building $d failed:"
		tail -n 20 "$logdir/build.log" | sed 's/^/# /'
		exit 1
	fi
done
export VM_INITRD=$logdir/initramfs.cpio.gz
"$top/selftests/vm/mkinitramfs.sh" "$VM_INITRD" \
	"$(ls -d "$VM_KMODS"/*/ | head -n 1)" "$top/.build/$build" \
	"$tests_dir" || exit 1
exec 8>&-
# shellcheck source=selftests/vm/qemu.sh
. "$top/selftests/vm/qemu.sh"

# --- running and reporting ----------------------------------------------------
n=0 passed=0 failed=0 skipped=0
echo "TAP version 13"
echo "# kernel: $VM_KERNEL"

# tap STATUS NAME SECS REASON: print one result and count it.
tap() {
	local status=$1 name=$2 secs=$3 reason=$4
	n=$((n + 1))
	case $status in
	pass) passed=$((passed + 1)); echo "ok $n - $name # ${secs}s" ;;
	skip) skipped=$((skipped + 1)); echo "ok $n - $name # SKIP $reason" ;;
	*) failed=$((failed + 1)); echo "not ok $n - $name # $reason" ;;
	esac
}

# test_limit NAME: the timeout a test declares ("# timeout: N"), or 120.
test_limit() {
	local t
	t=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-120}"
}

# boot_vm VM LIMIT TESTS...: run the VM; boot it again (twice at most)
# if it died before its init started the tests. Under TCG a boot now and
# then dies in the kernel's own code patching ("Oops: int3" in an
# initcall), before any of ours is loaded: not a test's failure.
boot_vm() {
	local vm=$1 limit=$2 try
	shift 2
	for try in 1 2 3; do
		# shellcheck disable=SC2086
		vm_qemu "$logdir" "$vm" "$limit" \
			"pviotests=$(echo "$@" | tr ' ' ,) $verbose ${VM_APPEND:-}" \
			${VM_EXTRA:-}
		grep -q '^PVIO-START' "$logdir/$vm.results" && return
		[ $try -lt 3 ] || return
		echo "# $vm died while booting, before the tests; booting again:"
		grep -m 1 -E 'Oops|panic|BUG' "$logdir/$vm.console" |
			sed 's/^/#   /'
		cp "$logdir/$vm.console" "$logdir/$vm.boot$try.console"
	done
}

# console_report CONSOLE: what a dead VM's console says, as TAP comments:
# the first report of trouble (the log may be all that is left of a run
# elsewhere, and its tail is often a later CPU's echo of it), then the end.
console_report() {
	local first
	first=$(grep -n -m 1 -E 'BUG:|Oops|general protection|WARNING:|Kernel panic|watchdog:|rcu: INFO|hung_task|Call Trace:' "$1" |
		cut -d: -f1)
	if [ -n "$first" ]; then
		sed -n "$((first > 5 ? first - 5 : 1)),$((first + 60))p" "$1" |
			sed 's/^/# console: /'
		echo "# console: [...]"
	fi
	tail -n 25 "$1" | sed 's/^/# console: /'
}

# run_area_vm AREA BOOT TESTS...: boot one VM for these tests and report
# what it reports. Leaves in $left the tests it did not reach. The guest
# ends with PVIO-DONE, or PVIO-REBOOT after a failure; without either, the
# first test without a result killed or hung the VM, and fails.
run_area_vm() {
	local area=$1 boot=$2 limit=90 t line name status secs reason
	local done_list=" " vm=$area-$boot ended=
	shift 2
	for t in "$@"; do
		limit=$((limit + $(test_limit "$tests_dir/$t.sh")))
	done
	boot_vm "$vm" "$limit" "$@"
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"PVIO-RESULT "*)
			read -r _ name status secs reason <<<"$line"
			[ "$name" = kmemleak ] && name=${area}_kmemleak
			tap "$status" "$name" "$secs" "$reason"
			done_list+="$name "
			;;
		"#"*) echo "$line" ;;
		PVIO-REBOOT | PVIO-DONE) ended=yes ;;
		esac
	done <"$logdir/$vm.results"
	left=()
	for t in "$@"; do
		case $done_list in *" $t "*) continue ;; esac
		if [ -z "$ended" ]; then
			ended=crash
			tap fail "$t" 0 "VM died or hung (log: $logdir/$vm.console)"
			console_report "$logdir/$vm.console"
		else
			left+=("$t")
		fi
	done
}

for area in "${areas[@]}"; do
	# shellcheck disable=SC2206
	left=(${area_guest[$area]:-})
	boot=0
	while [ ${#left[@]} -gt 0 ]; do
		boot=$((boot + 1))
		run_area_vm "$area" $boot "${left[@]}"
	done
	for t in ${area_host[$area]:-}; do
		start=$(date +%s)
		LOGDIR=$logdir bash "$tests_dir/$t.host.sh" >"$logdir/$t.log" 2>&1
		rc=$?
		secs=$(($(date +%s) - start))
		case $rc in
		# What a passing (or skipped) host test measured: its TAP
		# comments.
		0) tap pass "$t" $secs ""
		   grep '^#' "$logdir/$t.log" ;;
		4) tap skip "$t" $secs "$(tail -n 1 "$logdir/$t.log")"
		   grep '^#' "$logdir/$t.log" ;;
		*) tap fail "$t" $secs "exit status $rc (log: $logdir/$t.log)"
		   tail -n 30 "$logdir/$t.log" | sed 's/^/# /' ;;
		esac
	done
done
echo "1..$n"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
