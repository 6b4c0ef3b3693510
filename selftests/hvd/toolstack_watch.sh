#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# ivshmem_toolstack_watch: pvio watch without any VM. `pvio up` of one
# guest with on-crash = restart and no link, whose "QEMU" is a stand-in
# (it writes the console's ready line and sleeps, or dies at once, as
# the test says): pvio up leaves the watch running; a QEMU killed behind
# the toolstack's back is started again by itself at once; one that dies
# before it is ready (a crash loop) is started again after longer and
# longer pauses, not in a tight loop, and at once again once a start
# got to ready; `pvio kill` is the operator's and is not undone; `pvio
# down` stops the watch first and leaves nothing running. TAP. PVIO and
# PVIO_HVD: the pvio and pvio-hvd to test (default: userspace/'s).
set -u

here=$(cd "$(dirname "$0")" && pwd)
pvio=${PVIO:-$here/../../userspace/pvio}
hvd=${PVIO_HVD:-$here/../../userspace/pvio-hvd}
tmp=$(mktemp -d /tmp/pvio-tw.XXXXXX)
run=$tmp/run
# shellcheck source=SCRIPTDIR/../vm/tap.sh
. "$here/../vm/tap.sh"
# shellcheck source=SCRIPTDIR/../vm/procs.sh
. "$here/../vm/procs.sh"
trap '"$pvio" -d "$run" down >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# The stand-in QEMU: its console is the first -serial file:PATH.
cat >"$tmp/qemu" <<'EOQ'
#!/bin/bash
con=
while [ $# -gt 0 ]; do
	[ "$1" = -serial ] && [ -z "$con" ] && con=${2#file:}
	shift
done
: >"$con"
case $(cat "$(dirname "$0")/mode") in
ready) echo "pvio-domain: ready role=guest name=g" >>"$con"; exec sleep 600 ;;
*) sleep 0.2; exit 1 ;;
esac
EOQ
chmod +x "$tmp/qemu"
touch "$tmp/kernel" "$tmp/initrd"
mkdir "$tmp/modules"
cat >"$tmp/watch.cfg" <<EOC
kernel = $tmp/kernel
initrd = $tmp/initrd
modules = $tmp/modules
qemu = $tmp/qemu
hvd = $hvd
rundir = $run

[domain g]
type = guest
on-crash = restart
spares = 0
EOC

# field KEY: g's KEY (pid, state, starts) in pvio status -j; or the
# watch's "running".
field() {
	"$pvio" -d "$run" status -j | python3 -c "
import json, sys
j = json.load(sys.stdin)
print(j['watch']['running'] if sys.argv[1] == 'watch' else j['domains'][0][sys.argv[1]])" "$1"
}

# until_field KEY VALUE SECONDS: until g's KEY is VALUE.
until_field() {
	local end=$((SECONDS + $3))
	until [ "$(field "$1")" = "$2" ]; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

echo "TAP version 13"
echo ready >"$tmp/mode"
"$pvio" up -w 10 "$tmp/watch.cfg" >"$tmp/up.out" 2>&1
ok $? "pvio up"
sed 's/^/# /' "$tmp/up.out"
check "the watch runs" test "$(field watch)" = True
check "g is ready, started once" test "$(field state) $(field starts)" = "ready 1"

pid=$(field pid)
check "SIGKILL to g's QEMU behind the toolstack's back" kill -KILL "$pid"
check "the watch starts g again by itself, within 2 s" until_field starts 2 2
check "... and it is ready" until_field state ready 5
check "... with a new QEMU" test "$(field pid)" != "$pid"

# A crash loop: every start dies before it is ready. Without pauses the
# watch would start it every 0.2-0.5 s, some 20 times in 8 s; with 1, 2
# and 4 s pauses, 5 at most.
echo crash >"$tmp/mode"
kill -KILL "$(field pid)"
sleep 8
starts=$(field starts)
echo "# starts after 8 s of a crash loop: $starts"
check "a crash loop is started again with pauses, not in a tight loop" \
	test "$starts" -ge 4 -a "$starts" -le 7
check "the watch's log says why it waits" \
	grep -q "after a pause: it died before it was ready" "$run/watch.log"

# Once a start gets to ready, the next death is restarted at once.
echo ready >"$tmp/mode"
check "a start that gets to ready comes after the pause under way (16 s at most)" \
	until_field state ready 20
starts=$(field starts)
kill -KILL "$(field pid)"
check "... and the next death is started again at once" \
	until_field starts $((starts + 1)) 2

check "pvio kill g" "$pvio" -d "$run" kill g
sleep 1
check "a killed domain stays killed" \
	test "$(field state) $(field starts)" = "killed $((starts + 1))"

check "pvio down" "$pvio" -d "$run" down
left=$(our_procs)
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "no pvio watch, pvio-hvd or QEMU of ours left" test -z "$left"

echo "1..$n"
[ "$failed" -eq 0 ]
