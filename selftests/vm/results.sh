# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash
#
# Host-side helper, sourced by the host tests whose domains report on
# their consoles as the demo's parts do (ivshmem_three_vms,
# ivshmem_hotplug, recover_*): one line per result,
#   DEMO name=NAME what=WHAT key=value...
# Uses $run, the test's run directory (NAME.console), $pvio (the
# toolstack) for pid_of, and $slow if the test sets it: every wait is
# SECONDS times $slow (the debug kernel's guests are many times slower;
# the waits are bounds against hangs).
#
# result NAME WHAT [CONSOLE]   the domain's last line of that kind
# count NAME WHAT              how many lines of that kind it printed
# wait_for NAME WHAT SECONDS   until it prints one; fails at once on a
#                              what=error line
# more NAME WHAT N SECONDS     until it printed more than N of them
# field LINE KEY               KEY's value in a line
# good LINE                    a line with err=0 (and rc=0 if it has one)
# positive LINE KEY            KEY's value is a number above 0
# all_good NAME WHAT           every line of that kind has err=0
# until_ SECONDS COMMAND...    until COMMAND succeeds
# domain_of NAME KEY           a key of the domain in pvio status -j
#                              (pid, state, starts, ...)
# pid_of NAME                  the domain's QEMU pid

result() {
	grep -aE "^DEMO name=$1 what=$2([[:space:]]|$)" "${3:-$run/$1.console}" 2>/dev/null |
		tr -d '\r' | tail -n 1
}

count() {
	grep -acE "^DEMO name=$1 what=$2([[:space:]]|$)" "$run/$1.console" 2>/dev/null
}

wait_for() {
	local t0=$SECONDS
	until [ -n "$(result "$1" "$2")" ]; do
		if grep -aq "^DEMO name=$1 what=error" "$run/$1.console" 2>/dev/null; then
			result "$1" error | sed 's/^/# /'
			return 1
		fi
		[ $((SECONDS - t0)) -ge $(($3 * ${slow:-1})) ] && return 1
		sleep 1
	done
}

more() {
	local t0=$SECONDS
	until [ "$(count "$1" "$2")" -gt "$3" ]; do
		[ $((SECONDS - t0)) -ge $(($4 * ${slow:-1})) ] && return 1
		sleep 1
	done
}

field() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

good() {
	[ -n "$1" ] && [ "$(field "$1" err)" = 0 ] &&
		{ [ -z "$(field "$1" rc)" ] || [ "$(field "$1" rc)" = 0 ]; }
}

positive() {
	awk -v v="$(field "$1" "$2")" 'BEGIN { exit !(v + 0 > 0) }'
}

all_good() {
	! grep -aE "^DEMO name=$1 what=$2([[:space:]]|$)" "$run/$1.console" |
		tr -d '\r' | grep -qv ' err=0\( \|$\)'
}

until_() {
	local t0=$SECONDS limit=$(($1 * ${slow:-1}))
	shift
	until "$@"; do
		[ $((SECONDS - t0)) -ge "$limit" ] && return 1
		sleep 1
	done
}

# shellcheck disable=SC2154 # $pvio is the sourcing test's
domain_of() {
	"$pvio" status -j | python3 -c "
import json, sys
print([d[sys.argv[2]] for d in json.load(sys.stdin)['domains'] if d['name'] == sys.argv[1]][0])" "$1" "$2"
}

pid_of() {
	domain_of "$1" pid
}
