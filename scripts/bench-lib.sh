# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Shared by scripts/bench.sh, scripts/bench-net.sh, scripts/bench-xvm.sh,
# scripts/bench-recover.sh and scripts/bench-check.sh: run one benchmark
# VM test in both clock modes, compute ratios, and keep every figure in
# a results folder. Sourced, not run.
#
# The modes: plain TCG (wall clock) and -icount shift=0,sleep=off (the
# guest clock counts instructions, so figures repeat and measure
# instruction cost; "Tests and benchmarks" in
# Documentation/architecture.rst). Multi-threaded TCG unless VM_ACCEL
# says otherwise, so that figures compare with the earlier ones.
#
# The results folder, BENCH_OUT (default bench-results/<date-time>; make
# sets one per run, so that make bench's parts share it):
#   meta.txt      the conditions: machine, kernels, QEMU, accelerator
#                 ("key<TAB>value" lines)
#   raw.txt       "BENCH MODE SYSTEM METRIC VALUE", one line per figure,
#                 appended as each is measured
#   samples.txt   "BENCH MODE SYSTEM METRIC VALUE...": per-ping round trips
#   logs/         each run's TAP output
# and what scripts/bench-report.py makes of them: figures.csv,
# figures.json, report.md and plots/*.png.
#
# BENCH_QUICK=1: make check's smoke run (scripts/bench-check.sh): plain
# TCG only (single-threaded, as the tests), 1 s per fio and iperf3 run.
# BENCH_MODES="tcg icount": the modes to run, e.g. BENCH_MODES=icount
# BENCH_OUT=<an earlier folder> to measure one mode again into it (a
# figure measured again replaces the earlier one).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PVIO_TESTS_DIR=$top/selftests/bench/vm
if [ -n "${BENCH_MODES:-}" ]; then
	read -ra modes <<<"$BENCH_MODES"
elif [ -n "${BENCH_QUICK:-}" ]; then
	modes=(tcg)
else
	modes=(tcg icount)
fi
if [ -n "${BENCH_QUICK:-}" ]; then
	bench_accel=${VM_ACCEL:-tcg,thread=single}
	bench_append="benchsecs=${BENCH_SECS:-1} benchquick=1"
else
	bench_accel=${VM_ACCEL:-tcg}
	bench_append=${BENCH_SECS:+benchsecs=$BENCH_SECS}
fi
declare -A val
BENCH_OUT=${BENCH_OUT:-$top/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$BENCH_OUT/logs" || exit 1

# bench_meta KEY VALUE: one line of the conditions (the last one of a
# key wins).
bench_meta() {
	printf '%s\t%s\n' "$1" "$2" >>"$BENCH_OUT/meta.txt"
}

# bench_host start|end: the machine's conditions and the load average
# into meta.txt at the folder's first start; the load average at each
# end.
bench_host() {
	local cpu mem
	if ! grep -q '^cpu	' "$BENCH_OUT/meta.txt" 2>/dev/null; then
		cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
		mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
		bench_meta date "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
		bench_meta cpu "$cpu"
		bench_meta cores "$(nproc)"
		bench_meta memory "$mem"
		bench_meta host_kernel "$(uname -r) ($(uname -v))"
		bench_meta qemu "$(qemu-system-x86_64 --version | head -n 1)"
		bench_meta tree "$(git -C "$top" describe --always --dirty 2>/dev/null || echo -)"
		bench_meta load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
	fi
	[ "$1" = end ] && bench_meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_record BENCH MODE SYSTEM METRIC VALUE: one figure, into raw.txt
# at once and into val[MODE,SYSTEM,METRIC] for the text tables.
bench_record() {
	echo "$*" >>"$BENCH_OUT/raw.txt"
	val[$2,$3,$4]=$5
}

# bench_follow DIR MODE: the figures the VM has written to DIR's results
# files since the last call (bench_report in the guest), recorded.
declare -A bench_seen
bench_follow() {
	local f n total line b
	for f in "$1"/*.results; do
		[ -e "$f" ] || continue
		total=$(wc -l <"$f")
		n=${bench_seen[$f]:-0}
		# A file that shrank is a new one.
		[ "$total" -ge "$n" ] || n=0
		[ "$total" -gt "$n" ] || continue
		while IFS= read -r line; do
			line=${line%$'\r'}
			case $line in
			"# BENCH "*)
				read -r _ _ b rest <<<"$line"
				# shellcheck disable=SC2086
				bench_record "$b" "$2" $rest
				;;
			"# BENCH-META "*)
				read -r _ _ b rest <<<"$line"
				bench_meta "$b" "$rest"
				;;
			"# BENCH-SAMPLES "*)
				read -r _ _ b rest <<<"$line"
				echo "$b $2 $rest" >>"$BENCH_OUT/samples.txt"
				;;
			esac
		done < <(sed -n "$((n + 1)),${total}p" "$f")
		bench_seen[$f]=$total
	done
}

# bench_collect TESTS WHAT: run TESTS (run.sh's -t, one VM) in each mode,
# recording their figures while the VM runs. A failed run is shown on
# stderr and leaves its figures empty.
bench_collect() {
	local tests=$1 what=$2 mode extra logdir tap pid
	for mode in "${modes[@]}"; do
		case $mode in
		tcg) extra= ;;
		icount) extra="-icount shift=0,sleep=off" ;;
		esac
		echo "bench: $what, $mode ..." >&2
		logdir=$top/.build/vm-logs/bench-${tests//[*,]/_}-$mode
		tap=$BENCH_OUT/logs/${tests//[*,]/_}-$mode.tap
		# run.sh empties it too, but not before this follows it.
		rm -rf "$logdir"
		# shellcheck source=selftests/vm/qemu.sh
		VM_ACCEL=$bench_accel . "$top/selftests/vm/qemu.sh"
		bench_meta "accel_$mode" "qemu-system-x86_64 -accel $bench_accel -cpu $VM_CPU -smp $VM_SMP -m $VM_MEM${extra:+ $extra}"
		VM_ACCEL=$bench_accel VM_EXTRA=$extra VM_APPEND=$bench_append \
			VM_LOGDIR=$logdir "$top/selftests/vm/run.sh" -k stock \
			-t "$tests" >"$tap" &
		pid=$!
		bench_running="$pid $logdir $mode"
		while kill -0 $pid 2>/dev/null; do
			bench_follow "$logdir" "$mode"
			sleep 2
		done
		wait $pid
		bench_running=
		bench_follow "$logdir" "$mode"
		bench_seen=()
		if grep -E '^not ok' "$tap"; then
			tail -n 30 "$tap" >&2
			# The consoles of a failed run, beside its TAP log.
			for f in "$logdir"/*.console; do
				[ -e "$f" ] && cp "$f" "${tap%.tap}-$(basename "$f")"
			done
		fi
	done
}

# bench_report: figures.csv, figures.json, report.md and the plots from
# what the folder holds so far.
bench_report() {
	bench_host end
	python3 "$top/scripts/bench-report.py" report "$BENCH_OUT" ||
		echo "bench: no report for $BENCH_OUT" >&2
}

# bench_ratio A B: A / B to two decimals, "-" if either is not a number
# or B is 0.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "-";
		else printf "%.2f", a / b }'
}

# bench_blk_table: the block benchmark's text table, ratios to direct.
bench_blk_table() {
	local mode metric d l p
	printf '\n%-7s %-17s %10s %10s %7s %10s %7s\n' mode metric direct loop ratio pvio ratio
	for mode in "${modes[@]}"; do
		for metric in qd1_p50_us qd1_p99_us qd1_p999_us qd1_kiops qd4_kiops \
			qd16_kiops qd32x2_kiops qd32x2_coal_kiops seqread_gbs \
			seqwrite_gbs; do
			# Coalescing is pvio's alone: its ratio is to direct's QD32.
			d=${val[$mode,direct,${metric/_coal/}]:-}
			l=${val[$mode,loop,$metric]:-}
			if [ "$metric" = qd32x2_coal_kiops ]; then
				p=${val[$mode,pvio-coal,qd32x2_kiops]:-}
			else
				p=${val[$mode,pvio,$metric]:-}
			fi
			printf '%-7s %-17s %10s %10s %7s %10s %7s\n' "$mode" "$metric" \
				"${d:--}" "${l:--}" "$(bench_ratio "$l" "$d")" \
				"${p:--}" "$(bench_ratio "$p" "$d")"
		done
	done
}

# bench_doorbells PER JOB...: pvio's doorbells per I/O (PER perio) or
# per packet (perpkt) each way, per job, and the requests per pass of
# the block backend's ring work (what batching saves).
bench_doorbells() {
	local per=$1 mode job
	shift
	printf '\n%-7s %-9s %16s %16s %14s\n' mode "pvio job" "db->backend/${per#per}" \
		"db->frontend/${per#per}" "requests/pass"
	for mode in "${modes[@]}"; do
		for job in "$@"; do
			printf '%-7s %-9s %16s %16s %14s\n' "$mode" "$job" \
				"${val[$mode,pvio,${job}_tobackend_db$per]:--}" \
				"${val[$mode,pvio,${job}_tofrontend_db$per]:--}" \
				"${val[$mode,pvio,${job}_reqs_perpass]:--}"
		done
	done
}

# bench_net_table: the network benchmark's text table, ratios to veth.
bench_net_table() {
	local mode metric v p
	printf '\n%-7s %-15s %10s %10s %7s\n' mode metric veth pvio ratio
	for mode in "${modes[@]}"; do
		for metric in tcp1_gbits tcp4_gbits tcp1_rev_gbits udp64_kpps \
			ping_p50_us ping_p99_us; do
			v=${val[$mode,veth,$metric]:-}
			p=${val[$mode,pvio,$metric]:-}
			printf '%-7s %-15s %10s %10s %7s\n' "$mode" "$metric" \
				"${v:--}" "${p:--}" "$(bench_ratio "$p" "$v")"
		done
	done
}

# bench_interrupted: the report of what was measured, then exit (a run
# cut short keeps its figures).
bench_running=
bench_interrupted() {
	local pid logdir mode
	trap - INT TERM
	if [ -n "$bench_running" ]; then
		read -r pid logdir mode <<<"$bench_running"
		# run.sh's timeout(1) passes it on to QEMU.
		pkill -P "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
		bench_follow "$logdir" "$mode"
	fi
	echo "bench: interrupted; the figures measured so far:" >&2
	bench_report
	exit 130
}

bench_host start
trap bench_interrupted INT TERM
