#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Misuse of the pvio netlink family gets a clean error, never a crash or a
# link: unknown, misplaced and missing attributes, oversized, unterminated
# and wrongly sized ones, out-of-range values, an unknown provider, ids
# that do not exist, commands that do not exist or cannot be requested,
# and callers without CAP_NET_ADMIN. Hand-built messages come from
# selftests/tools/nlraw; each error must carry the kernel's extack message
# (and the attribute it blames or misses) except where the generic
# netlink core refuses before pvio runs (unknown command, no privilege).
# pvioctl must pass the kernel's message on.
# timeout: 300
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"

# Attribute and command numbers, from common/pvio_genl.h.
ID=1 PROVIDER=2 BACKEND=3 FRONTEND=4 PAGES=5 GRANTS=6 GENERATION=7
NEW_NTF=4
GOOD="$PROVIDER:str:loop $BACKEND:u16:0 $FRONTEND:u16:1"

# raw PATTERN ARGS...: nlraw ARGS fails and its one line of output,
# "error ENAME: MESSAGE[ attr TYPE][ missing TYPE]", matches PATTERN (an
# extended regex for the whole line).
raw() {
	pat=$1
	shift
	out=$(nlraw "$@")
	rc=$?
	echo "# nlraw: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -qxE "$pat"
}

# ctl PATTERN ARGS...: pvioctl ARGS (run by $as, if set) fails with
# status 1 and one line on stderr matching PATTERN.
as=
ctl() {
	pat=$1
	shift
	$as pvioctl "$@" >/tmp/ctl.out 2>/tmp/ctl.err
	rc=$?
	echo "# pvioctl: $(cat /tmp/ctl.err)"
	[ $rc -eq 1 ] && [ "$(wc -l </tmp/ctl.err)" -eq 1 ] &&
		grep -qxE "$pat" /tmp/ctl.err && [ ! -s /tmp/ctl.out ]
}

# --- the tool itself works ------------------------------------------------
out=$(nlraw link-new $GOOD)
echo "# nlraw: $out"
check "a well-formed link-new succeeds" \
	sh -c "echo '$out' | grep -qxE 'ok 1 replies id [0-9]+'"
id=${out##* }
check "a well-formed link-del succeeds" \
	sh -c "nlraw link-del $ID:u32:$id | grep -qx 'ok 0 replies'"

# --- unknown and misplaced attributes ---------------------------------------
check "unknown attribute type" \
	raw "error EINVAL: Unknown attribute type attr 100" \
	link-new $GOOD 100:u32:1
check "attribute type 0" \
	raw "error EINVAL: Unknown attribute type attr 0" \
	link-new $GOOD 0:u32:1
check "a reply-only attribute in a request" \
	raw "error EINVAL: Unknown attribute type attr $GENERATION" \
	link-new $GOOD $GENERATION:u32:1
check "an attribute of another op (id in link-new)" \
	raw "error EINVAL: Unsupported attribute attr $ID" \
	link-new $GOOD $ID:u32:0
check "an attribute of another op (provider in link-del)" \
	raw "error EINVAL: Unknown attribute type attr $PROVIDER" \
	link-del $ID:u32:0 $PROVIDER:str:loop
check "unknown attribute in a dump request" \
	raw "error EINVAL: Unknown attribute type attr 100" \
	-d link-get 100:u32:1

# --- missing attributes -----------------------------------------------------
check "link-new without provider" \
	raw "error EINVAL: missing provider missing $PROVIDER" \
	link-new $BACKEND:u16:0 $FRONTEND:u16:1
check "link-new without backend id" \
	raw "error EINVAL: missing backend domain id missing $BACKEND" \
	link-new $PROVIDER:str:loop $FRONTEND:u16:1
check "link-new without frontend id" \
	raw "error EINVAL: missing frontend domain id missing $FRONTEND" \
	link-new $PROVIDER:str:loop $BACKEND:u16:0
check "link-new without anything" \
	raw "error EINVAL: missing provider missing $PROVIDER" link-new
check "link-del without id" \
	raw "error EINVAL: missing link id missing $ID" link-del
check "link-get (do) without id" \
	raw "error EINVAL: missing link id missing $ID" link-get

# --- oversized, unterminated and wrongly sized attributes -------------------
long=$(printf '%4000s' | tr ' ' x)
POLICY="error EINVAL: Attribute failed policy validation attr"
check "provider of 16 characters (15 at most)" \
	raw "$POLICY $PROVIDER" link-new $PROVIDER:str:abcdefghijklmnop \
	$BACKEND:u16:0 $FRONTEND:u16:1
check "provider of 4000 characters" \
	raw "$POLICY $PROVIDER" link-new "$PROVIDER:str:$long" \
	$BACKEND:u16:0 $FRONTEND:u16:1
check "provider without its NUL" \
	raw "$POLICY $PROVIDER" link-new $PROVIDER:bytes:loop \
	$BACKEND:u16:0 $FRONTEND:u16:1
check "empty provider" \
	raw "error ENOENT: no such provider \(is its module loaded\?\)" \
	link-new $PROVIDER:str: $BACKEND:u16:0 $FRONTEND:u16:1
LEN="error EINVAL: invalid attribute length attr"
check "backend id as a u32" \
	raw "$LEN $BACKEND" link-new $PROVIDER:str:loop $BACKEND:u32:0 \
	$FRONTEND:u16:1
check "region pages as a u8" raw "$LEN $PAGES" link-new $GOOD $PAGES:u8:8
check "link id as a u64" raw "$LEN $ID" link-del $ID:u64:0
check "link id of no bytes" raw "$LEN $ID" link-get $ID:zeros:0

# --- values -----------------------------------------------------------------
check "region pages 0" \
	raw "error ERANGE: integer out of range attr $PAGES" \
	link-new $GOOD $PAGES:u32:0
check "region pages below the minimum" \
	raw "error EINVAL: region size out of range" \
	link-new $GOOD $PAGES:u32:5
check "region pages 2^32-1" \
	raw "error EINVAL: region size out of range" \
	link-new $GOOD $PAGES:u32:0xffffffff
check "grant entries 0" \
	raw "error ERANGE: integer out of range attr $GRANTS" \
	link-new $GOOD $GRANTS:u32:0
check "grant entries above the maximum" \
	raw "error EINVAL: too many grant entries" \
	link-new $GOOD $GRANTS:u32:65537
check "a grant table filling the region" \
	raw "error EINVAL: grant table leaves no data pages" \
	link-new $GOOD $PAGES:u32:6 $GRANTS:u32:1024
check "unknown provider" \
	raw "error ENOENT: no such provider \(is its module loaded\?\)" \
	link-new $PROVIDER:str:nosuch $BACKEND:u16:0 $FRONTEND:u16:1
check "link-del of an id that does not exist" \
	raw "error ENOENT: no such link attr $ID" link-del $ID:u32:123456
check "link-del of id 2^32-1" \
	raw "error ENOENT: no such link attr $ID" link-del $ID:u32:0xffffffff
check "link-get of an id that does not exist" \
	raw "error ENOENT: no such link attr $ID" link-get $ID:u32:123456

# --- commands ---------------------------------------------------------------
check "unknown command" raw "error EOPNOTSUPP: -" 99
check "a notification as a request" raw "error EOPNOTSUPP: -" $NEW_NTF
check "link-new as a dump" raw "error EOPNOTSUPP: -" -d link-new
check "link-del as a dump" raw "error EOPNOTSUPP: -" -d link-del

# --- pvioctl passes the kernel's word on ------------------------------------
check "pvioctl: region pages 0" \
	ctl "pvioctl: link add: Numerical result out of range: integer out of range \(attribute region-pages\)" \
	link add loop pages 0
check "pvioctl: unknown provider" \
	ctl "pvioctl: link add: No such file or directory: no such provider \(is its module loaded\?\)" \
	link add nosuch
check "pvioctl: del of an id that does not exist" \
	ctl "pvioctl: link del: No such file or directory: no such link \(attribute id\)" \
	link del 123456
check "pvioctl: show of an id that does not exist" \
	ctl "pvioctl: link show: No such file or directory: no such link \(attribute id\)" \
	link show 123456

# --- privilege --------------------------------------------------------------
SETPRIV=/usr/bin/setpriv
[ -x $SETPRIV ] || die "no $SETPRIV in the host's /usr"
keep=$(pvioctl link add loop | sed -n 's/^link \([0-9]*\) .*/\1/p')
check "a link to try to delete" test -n "$keep"
EPERM="pvioctl: link (add|del): Operation not permitted"
# Another uid, and root without CAP_NET_ADMIN.
as="$SETPRIV --reuid=65534 --regid=65534 --clear-groups"
check "uid 65534 cannot add a link" ctl "$EPERM" link add loop
check "uid 65534 cannot delete a link" ctl "$EPERM" link del "$keep"
check "uid 65534 can list links" sh -c "$as pvioctl link show >/tmp/ctl.out"
check "... and sees the link" grep -q "^link $keep " /tmp/ctl.out
as="$SETPRIV --inh-caps=-net_admin --bounding-set=-net_admin"
check "root without CAP_NET_ADMIN cannot add a link" \
	ctl "$EPERM" link add loop
check "root without CAP_NET_ADMIN cannot delete a link" \
	ctl "$EPERM" link del "$keep"
as=
check "the link is still there" pvioctl link show "$keep"
check "and only it" test "$(pvioctl link show | wc -l)" -eq 1
check "delete it" pvioctl link del "$keep"

check "no link was left by any of this" test -z "$(pvioctl link show)"
check "unload pvio_loop and pvio_hv" pvio_rmmod pvio_loop pvio_hv
finish
