#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pvioctl drives the pvio netlink family end to end with the loop
# provider: a link added with chosen domain ids and sizes is shown with
# them (text, and JSON read back by Python's parser), the defaults apply
# when none are given, a dump of 100 links (more than one netlink skb)
# lists each once, del removes a link, and two monitors (text and JSON)
# started beforehand print a "new" and a "del" event for each link.
# timeout: 300
. /pvio/lib.sh

PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY in the host's /usr to read JSON"
pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"

# jcheck FILE EXPR: FILE holds valid JSON, d, for which EXPR is true.
jcheck() {
	$PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$@"
}

# The id in pvioctl's text line "link ID provider ..." on stdin.
link_id() {
	sed -n 's/^link \([0-9][0-9]*\) .*/\1/p'
}

# --- monitors: wait until both hear events --------------------------------
pvioctl monitor >/tmp/mon.txt 2>&1 &
mon_txt=$!
pvioctl -j monitor >/tmp/mon.json 2>&1 &
mon_json=$!
# They subscribe a moment after they start: probe with links until both
# have printed the deletion of one.
heard=
for i in $(seq 50); do
	probe=$(pvioctl link add loop pages 8 | link_id)
	[ -n "$probe" ] && pvioctl link del "$probe"
	if grep -q "^del link $probe " /tmp/mon.txt &&
	   grep -q "\"event\":\"del\",\"link\":{\"id\":$probe," /tmp/mon.json
	then
		heard=yes
		break
	fi
	sleep 0.2
done
check "monitors hear link events" test -n "$heard"

# --- add, show, del ---------------------------------------------------------
check "link add with ids and sizes" \
	sh -c 'pvioctl -j link add loop backend 7 frontend 9 pages 64 \
		grants 1024 >/tmp/add.json'
check "add prints the new link as one JSON object" jcheck /tmp/add.json \
	'd["provider"] == "loop" and d["backend_id"] == 7 and
	 d["frontend_id"] == 9 and d["region_pages"] == 64 and
	 d["grant_entries"] == 1024 and d["generation"] == 1 and
	 d["backend_state"] == "unknown" and
	 d["frontend_state"] == "unknown" and isinstance(d["id"], int)'
id=$($PY -c 'import json; print(json.load(open("/tmp/add.json"))["id"])')

want="link $id provider loop backend 7 frontend 9 pages 64 grants 1024"
want="$want generation 1 backend-state unknown frontend-state unknown"
check "link show ID prints it as text" \
	test "$(pvioctl link show "$id")" = "$want"
pvioctl -j link show "$id" >/tmp/show1.json
check "link show -j ID is an array of that link" jcheck /tmp/show1.json \
	"len(d) == 1 and d[0] == json.load(open('/tmp/add.json'))"
pvioctl -j link show >/tmp/show.json
check "link show -j lists it" jcheck /tmp/show.json \
	"[l['id'] for l in d] == [$id]"

check "link add with the defaults" \
	sh -c 'pvioctl -j link add loop >/tmp/def.json'
check "defaults: backend 0, frontend 1, 256 pages, 512 grants" \
	jcheck /tmp/def.json \
	'd["backend_id"] == 0 and d["frontend_id"] == 1 and
	 d["region_pages"] == 256 and d["grant_entries"] == 512'
def=$($PY -c 'import json; print(json.load(open("/tmp/def.json"))["id"])')

check "link del" pvioctl link del "$id"
check "link del of the defaults link" pvioctl link del "$def"
check "a deleted link is gone" \
	sh -c "! pvioctl link show $id 2>/tmp/err && \
	       grep -q 'No such file or directory: no such link' /tmp/err"
check "link show -j of no links is []" \
	test "$(pvioctl -j link show)" = "[]"
check "link show of no links prints nothing" \
	test -z "$(pvioctl link show)"

# --- a dump longer than one skb ---------------------------------------------
: >/tmp/ids
for i in $(seq 100); do
	pvioctl link add loop pages 8 | link_id >>/tmp/ids
done
check "100 links added" test "$(sort -u /tmp/ids | wc -l)" -eq 100
pvioctl -j link show >/tmp/many.json
check "the dump lists each of the 100 once, in id order" \
	jcheck /tmp/many.json \
	"[l['id'] for l in d] == sorted(int(x) for x in open('/tmp/ids'))"
pvioctl link show | link_id >/tmp/dumped
check "the text dump lists the same" cmp -s /tmp/dumped /tmp/ids
for i in $(cat /tmp/ids); do
	pvioctl link del "$i" || echo "del $i failed"
done >/tmp/del.out 2>&1
check "the 100 links deleted" test ! -s /tmp/del.out
check "no link left" test -z "$(pvioctl link show)"

# --- what the monitors saw --------------------------------------------------
sleep 1
kill $mon_txt $mon_json
wait $mon_txt $mon_json 2>/dev/null
for l in $id $def $(cat /tmp/ids); do
	n=$(grep -n "^new link $l " /tmp/mon.txt | cut -d: -f1)
	d=$(grep -n "^del link $l " /tmp/mon.txt | cut -d: -f1)
	[ -n "$n" ] && [ -n "$d" ] && [ "$n" -lt "$d" ] ||
		echo "link $l: new at line '$n', del at line '$d'"
done >/tmp/mon.bad
check "text monitor: new then del for each link" test ! -s /tmp/mon.bad
check "text monitor: full description" \
	grep -qx "new $want" /tmp/mon.txt
check "text monitor: nothing else" \
	sh -c '! grep -vE "^(new|del) link [0-9]+ provider loop " /tmp/mon.txt'
check "JSON monitor: one valid object per line, new then del for each" \
	$PY -c 'import json, sys
ids = [int(x) for x in sys.argv[1:]]
events = [json.loads(line) for line in open("/tmp/mon.json")]
seen = [(e["event"], e["link"]["id"]) for e in events]
sys.exit(0 if all(seen.index(("new", i)) < seen.index(("del", i))
		  for i in ids) else 1)' $id $def $(cat /tmp/ids)

check "unload pvio_loop and pvio_hv" pvio_rmmod pvio_loop pvio_hv
finish
