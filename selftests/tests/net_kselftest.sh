#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own NIC driver selftests on the frontend: ping.py, stats.py
# and queues.py of tools/testing/selftests/drivers/net in Debian's
# linux-source-6.12 (mkinitramfs.sh puts them and their libraries in
# /pvio/ksrc), run as drivers/net/README.rst says to run them against a
# real device: NETIF= the frontend in namespace "fe" with an IPv4 and an
# IPv6 address, and the backend's interface in namespace "be" as the
# remote endpoint (REMOTE_TYPE=netns). Each case's KTAP result is a TAP
# line here, a skipped or expected-to-fail (xfail) case with the kernel
# test's own reason; the test fails if a case fails or a script does not
# report every case of its plan.
# timeout: 300
. /pvio/lib.sh

KSFT=/pvio/ksrc/tools/testing/selftests/drivers/net
[ -e $KSFT/ping.py ] ||
	skip "no kernel selftests in the initramfs (no linux-source-6.12 on the host)"
for c in ethtool socat bash /usr/bin/ping; do
	command -v $c >/dev/null ||
		die "no $c in the host's /usr (scripts/deps.sh test installs it)"
done
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
# Three queues, as the tests give netdevsim (queues.py's queue_count=3).
vif_add "$link" queues 3 || die "cannot add the vif"
net_pair_up "$link"
# IPv6 too, which net_ns turns off, so that ping.py's test_v6 runs and
# its test_tcp goes over IPv6 as the kernel's setup makes it.
for ns in be fe; do
	$IP netns exec $ns sh -c \
		'echo 0 >/proc/sys/net/ipv6/conf/all/disable_ipv6'
done
$IP -n be addr add fd00:99::1/64 dev "$be" nodad &&
	$IP -n fe addr add fd00:99::2/64 dev "$fe" nodad ||
	die "cannot add the IPv6 addresses"
# ping.py gives each ping 0.5 s: the neighbours are resolved beforehand
# (both ways, both families), so that a slow guest's first ARP or
# neighbour solicitation is not counted against it.
for a in 10.99.0.1 fd00:99::1; do
	$IP netns exec fe /usr/bin/ping -q -c 1 -W 30 $a >/dev/null ||
		die "no ping from the frontend to $a"
done
for a in 10.99.0.2 fd00:99::2; do
	$IP netns exec be /usr/bin/ping -q -c 1 -W 30 $a >/dev/null ||
		die "no ping from the backend to $a"
done

npass=0 nskip=0 nxfail=0 nfail=0
# tap_case LINE: one of a script's KTAP result lines as a TAP line.
tap_case() {
	_pvio_n=$((_pvio_n + 1))
	_name=$(echo "$1" | sed -E 's/^(not )?ok [0-9]+ ([^ ]*).*/\2/')
	_why=$(echo "$1" | sed -nE 's/^ok [0-9]+ [^ ]* # (SKIP|XFAIL) (.*)/\1 \2/p')
	case "$1" in
	"not ok "*)
		echo "not ok $_pvio_n - $_name"
		_pvio_failed=$((_pvio_failed + 1))
		nfail=$((nfail + 1)) ;;
	*" # SKIP "*)
		echo "ok $_pvio_n - $_name # SKIP ${_why#SKIP }"
		nskip=$((nskip + 1)) ;;
	*" # XFAIL "*)
		echo "ok $_pvio_n - $_name # SKIP ${_why#XFAIL } (xfail)"
		nxfail=$((nxfail + 1)) ;;
	*)
		echo "ok $_pvio_n - $_name"
		npass=$((npass + 1)) ;;
	esac
}

# ksft SCRIPT: run one of the kernel's tests in the frontend's namespace,
# its output as comments, each case's result as a TAP line. The tests
# run their commands (ip --json, ethtool, ping -W0.5, socat) with
# /bin/sh, which here is busybox's and runs its own applets before any
# in PATH: in a mount namespace of their own, /bin is the host's /usr/bin
# (dash, iproute2, iputils), as on the machines the tests are written for.
ksft() {
	_out=/tmp/ksft-$1.out
	_t0=$(date +%s)
	$IP netns exec fe /usr/bin/unshare -m sh -c \
		'mount --bind /usr/bin /bin && exec "$@"' - \
		/usr/bin/env PATH=/usr/sbin:/usr/bin \
		NETIF="$fe" LOCAL_V4=10.99.0.2 REMOTE_V4=10.99.0.1 \
		LOCAL_V6=fd00:99::2 REMOTE_V6=fd00:99::1 \
		REMOTE_TYPE=netns REMOTE_ARGS=be \
		timeout 120 python3 "$KSFT/$1" >"$_out" 2>&1
	_rc=$?
	sed 's/^/# /' "$_out"
	echo "# $1: exit status $_rc in $(($(date +%s) - _t0)) s"
	_plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$_out" | head -n 1)
	_got=$(grep -cE '^(not )?ok [0-9]+ ' "$_out")
	grep -E '^(not )?ok [0-9]+ ' "$_out" >"/tmp/ksft-$1.res"
	while read -r _l; do
		tap_case "$_l"
	done <"/tmp/ksft-$1.res"
	check "$1: ran each of its ${_plan:-?} cases and exited 0" \
		test -n "$_plan" -a "$_got" = "${_plan:-x}" -a "$_rc" = 0
}

ksft ping.py
ksft stats.py
ksft queues.py
echo "# kernel selftest cases: $npass passed, $nskip skipped," \
     "$nxfail xfail, $nfail failed"

net_pair_down "$link"
finish
