#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The bash completions of pvio and pvioctl (userspace/completion/):
# each is sourced and asked, as bash would, what completes a command
# line: commands, options, keywords, and for pvio the domains that are
# up (from a stand-in pvio on PATH that prints a status). TAP.
set -u

here=$(cd "$(dirname "$0")" && pwd)
comp=$here/../../userspace/completion
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=SCRIPTDIR/../vm/tap.sh
. "$here/../vm/tap.sh"

# A pvio whose status says two domains are up.
cat >"$tmp/pvio" <<'EOS'
#!/bin/sh
echo '{"up":true,"domains":[{"name":"dd"},{"name":"g1"}],"links":[]}'
EOS
chmod +x "$tmp/pvio"
PATH=$tmp:$PATH
# shellcheck source=/dev/null
. "$comp/pvio"
# shellcheck source=/dev/null
. "$comp/pvioctl"

# completes "WORDS..." EXPECTED: the last word is being completed; the
# completions, sorted and space-separated, are EXPECTED.
completes() {
	local line=$1 want=$2 got fn
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	fn=_${COMP_WORDS[0]}
	"$fn"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' ')
	[ "$got" = "$want" ] || echo "# '$line': got '$got', wanted '$want'"
	[ "$got" = "$want" ]
}

echo "TAP version 13"
check "pvio: the commands" completes "pvio " \
	"attach check down kill restart status trigger up watch"
check "pvio: a prefix" completes "pvio re" "restart"
check "pvio: the global options" completes "pvio -" "--help --version -V -d -h"
check "pvio restart: the domains that are up" completes "pvio restart " "dd g1"
check "pvio restart -w 10: still the domains" completes "pvio restart -w 10 g" "g1"
check "pvio -d DIR kill: the domains" completes "pvio -d /tmp kill d" "dd"
check "pvio trigger DOMAIN: nmi" completes "pvio trigger dd " "nmi"
check "pvio attach GUEST: vbd or vif" completes "pvio attach g1 v" "vbd vif"
check "pvio status: its options" completes "pvio status -" "--help -h -j"
touch "$tmp/demo.cfg"
check "pvio up: a config file" completes "pvio up $tmp/de" "$tmp/demo.cfg"
check "pvioctl: the objects" completes "pvioctl " "help link monitor vbd vif"
check "pvioctl vbd: its commands" completes "pvioctl vbd " \
	"add del delete list set show"
check "pvioctl vbd add LINK PATH: its keywords" \
	completes "pvioctl vbd add 0 /dev/x " \
	"bps coalesce index iops readonly"
check "pvioctl vif set LINK INDEX: rate and burst" \
	completes "pvioctl vif set 0 0 " "burst rate"
check "pvioctl link add: the providers" completes "pvioctl link add " \
	"ivshmem loop"
check "pvioctl --v: --version" completes "pvioctl --v" "--version"
echo "1..$n"
[ "$failed" -eq 0 ]
