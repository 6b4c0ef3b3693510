#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory ordering between two QEMU processes sharing an ivshmem region
# ("Across VMs" in Documentation/architecture.rst): two VMs map the same
# 1 MiB file in /dev/shm as BAR2 of an ivshmem-plain device and run
# selftests/tools/ivshmem_litmus against each other (store buffering and message passing, with and without barriers),
# once per accelerator mode. The cross-VM mode of selftests/vm/qemu.sh
# (VM_XACCEL, VM_XSMP) must show no forbidden outcome (and enough
# reordering in its unfenced controls, else the test skips); the other
# modes are measured and reported as TAP comments, not judged. Run by
# selftests/vm/run.sh, which sets LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS.
#
# By hand, e.g. every mode and test for 20 s each (about 10 minutes):
#   LITMUS_MODES="single-smp2 single-smp1 multi-smp1max2 multi-smp2" \
#   LITMUS_SECS=20 LITMUS_ROUNDS=100000000 \
#   LITMUS_TESTS=sb-none,sb-mfence,sb-lock,sb-xchg,mp-plain,mp-fence \
#   make check-vm T=ivshmem_litmus
# (only the mode "cross" is judged, so a run without it passes on any
# figures).
set -u
# shellcheck source=selftests/vm/qemu.sh
. "$(dirname "$0")/../vm/qemu.sh"

# MODE -> "ACCEL SMP"; "cross" is whatever qemu.sh gives cross-VM tests.
declare -A mode_args=(
	[cross]="$VM_XACCEL $VM_XSMP"
	[single-smp2]="tcg,thread=single 2"
	[single-smp1]="tcg,thread=single 1"
	[multi-smp1max2]="tcg,thread=multi 1,maxcpus=2"
	[multi-smp2]="tcg,thread=multi 2"
)
# The cross-VM mode is asserted; single-smp2, the single-VM tests' mode,
# is shown beside it (its forbidden counts are why it is not the cross-VM
# mode).
modes=${LITMUS_MODES:-cross single-smp2}
# Per test: SECS seconds or ROUNDS rounds, whichever comes first (a round
# takes about 1 us when both VMs run at once), but on past SECS, up to
# 2 * SECS, until MIN_ROUNDS rounds and MIN_CONTROL reorderings of the
# unfenced rounds a fenced sb test interleaves: with the host's cores
# busy, a round waits for a VM to be scheduled and the VMs seldom run at
# the same time. A zero of a fenced test means something only if its
# unfenced rounds reordered: if one of the cross-VM mode's did so fewer
# than MIN_CONTROL times (P(0 | the barrier does nothing) ~ e^-20), the
# test skips rather than pass on nothing.
secs=${LITMUS_SECS:-4}
rounds=${LITMUS_ROUNDS:-4000000}
min_rounds=${LITMUS_MIN_ROUNDS:-100000}
min_control=${LITMUS_MIN_CONTROL:-20}
# Message passing keeps its order in every mode (x86 on x86): mp-fence
# adds nothing to mp-plain here; by hand only.
tests=${LITMUS_TESTS:-sb-none,sb-mfence,sb-lock,sb-xchg,mp-plain}
ntests=$(echo "$tests" | tr , '\n' | wc -l)

shm=/dev/shm/pvio-litmus-$$
trap 'rm -f "$shm"' EXIT

rc=0
weak=		# fenced tests of the cross-VM mode without enough control
controls=0	# unfenced sb results seen
reordered=0	# those with a forbidden outcome
# run_mode MODE: boot the two VMs in MODE, both on a fresh region; leaves
# each side's output in $LOGDIR/litmus-MODE-{a,b}.results.
run_mode() {
	local mode=$1 accel smp nonce side pids=() args
	read -r accel smp <<<"${mode_args[$mode]}"
	rm -f "$shm"
	truncate -s 1M "$shm" || return 1
	nonce=$((RANDOM * 32768 + RANDOM))
	for side in a b; do
		# shellcheck disable=SC2054
		args=("$LOGDIR" "litmus-$mode-$side" $((150 + ntests * ${secs%.*} * 3))
		      "pviorun=parts/ivshmem_litmus.sh pviolitmus=$side,$nonce,$(echo "$tests" | tr , +),$secs,$rounds,$min_rounds,$min_control"
		      -object "memory-backend-file,id=hm,size=1M,share=on,mem-path=$shm"
		      -device ivshmem-plain,memdev=hm)
		# The cross-VM tests' own way to boot, to test what they run.
		if [ "$mode" = cross ]; then
			vm_qemu_x "${args[@]}" &
		else
			VM_ACCEL=$accel VM_SMP=$smp vm_qemu "${args[@]}" &
		fi
		pids+=($!)
	done
	wait "${pids[@]}"
}

# field LINE NAME: NAME=value out of a "litmus ..." line.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# no_secs LINE: the line without its secs= (the sides' clocks differ).
no_secs() {
	echo "$1" | sed 's/ secs=[^ ]*//'
}

for mode in $modes; do
	[ -n "${mode_args[$mode]+x}" ] || { echo "unknown mode $mode"; exit 2; }
	start=$(date +%s)
	run_mode "$mode"
	echo "# $mode (-accel ${mode_args[$mode]% *} -smp ${mode_args[$mode]#* }), $(($(date +%s) - start))s:"
	ok=yes
	for side in a b; do
		res=$LOGDIR/litmus-$mode-$side.results
		if ! grep -q '^PVIO-EXIT 0' "$res"; then
			echo "#   side $side did not finish (log: $LOGDIR/litmus-$mode-$side.console):"
			grep -E 'ivshmem_litmus|FAIL' "$LOGDIR/litmus-$mode-$side.console" |
				head -n 5 | sed 's/^/#     /'
			ok=
		fi
	done
	for t in $(echo "$tests" | tr , ' '); do
		la=$(grep -m 1 "^litmus $t " "$LOGDIR/litmus-$mode-a.results" | tr -d '\r')
		lb=$(grep -m 1 "^litmus $t " "$LOGDIR/litmus-$mode-b.results" | tr -d '\r')
		if [ -z "$(field "$la" forbidden)" ]; then
			echo "#   $t: no result"
			ok=
			continue
		fi
		# Both sides count every round's pair of results: the same.
		if [ "$(no_secs "$la")" != "$(no_secs "$lb")" ]; then
			echo "#   $t: the sides disagree: a: $la; b: $lb"
			ok=
		fi
		n=$(field "$la" rounds) f=$(field "$la" forbidden)
		cf=$(field "$la" control_forbidden)
		echo "#   $t: ${la#"litmus $t "}"
		# The unfenced rounds (sb-none's, a fenced test's every
		# other) show whether the VMs ran at the same time at all.
		[ "$t" = sb-none ] && cf=$f
		if [ -n "$cf" ]; then
			controls=$((controls + 1))
			if [ "$cf" -gt 0 ]; then
				reordered=$((reordered + 1))
			else
				echo "#     (its unfenced rounds never reordered: its zeros show nothing)"
			fi
		fi
		case $t in
		sb-none) ;;
		*)
			[ "$mode" = cross ] || continue
			if [ "$f" -ne 0 ]; then
				echo "#   FORBIDDEN outcome in the cross-VM mode: $t $f times in $n rounds"
				ok=
			elif [ -n "$cf" ] && [ "$cf" -lt "$min_control" ]; then
				weak+=" $t"
			fi ;;
		esac
	done
	# Only the cross-VM mode is judged.
	if [ -z "$ok" ]; then
		if [ "$mode" = cross ]; then
			echo "# not ok: the cross-VM mode"
			rc=1
		else
			echo "# (mode $mode is measured, not judged)"
		fi
	fi
done
[ $controls -eq 0 ] || [ $reordered -gt 0 ] ||
	echo "# no unfenced round reordered in any mode: the test had no power this run"
if [ $rc -eq 0 ] && [ -n "$weak" ]; then
	echo "too few unfenced reorderings (< $min_control) beside the cross-VM mode's$weak: the host's cores too busy to tell"
	exit 4
fi
exit $rc
