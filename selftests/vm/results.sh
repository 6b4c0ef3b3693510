# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash
#
# Host-side helper, sourced by the host tests whose domains report on
# their consoles as the demo's parts do (ivshmem_three_vms,
# ivshmem_hotplug): one line per result,
#   DEMO name=NAME what=WHAT key=value...
# Uses $run, the test's run directory (NAME.console).
#
# result NAME WHAT [CONSOLE]   the domain's last line of that kind
# wait_for NAME WHAT SECONDS   until the domain prints one (SECONDS times
#                              $slow, if the test sets it: the debug
#                              kernel's guests are slower); fails at once
#                              if it reports what=error
# field LINE KEY               KEY's value in a line
# good LINE                    a line with err=0 (and rc=0 if it has one)
# positive LINE KEY            KEY's value is a number above 0

result() {
	grep -aE "^DEMO name=$1 what=$2([[:space:]]|$)" "${3:-$run/$1.console}" 2>/dev/null |
		tr -d '\r' | tail -n 1
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
