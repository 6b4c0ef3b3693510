#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# ivshmem_toolstack_config: the toolstack's config file without any VM.
# Good configs parse into the domains and links expected; each kind of bad
# config fails with its FILE:LINE message; `pvio up` refuses a config
# whose files are missing before it starts anything; every command has
# --help. TAP. PVIO=path of the pvio to test (default: userspace/pvio).
set -u

here=$(cd "$(dirname "$0")" && pwd)
pvio=${PVIO:-$here/../../userspace/pvio}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=SCRIPTDIR/../vm/tap.sh
. "$here/../vm/tap.sh"

# good NAME EXPECTED-LINE... <<CONFIG: parses, and `pvio check` prints
# every expected line.
good() {
	local name=$1 rc=0 want out
	shift
	cat >"$tmp/$name.cfg"
	out=$("$pvio" check "$tmp/$name.cfg" 2>&1) || rc=1
	for want in "$@"; do
		grep -qxF -- "$want" <<<"$out" || rc=1
	done
	[ $rc = 0 ] || sed 's/^/# /' <<<"$out"
	ok $rc "good config: $name"
}

# bad NAME LINE MESSAGE <<CONFIG: `pvio check` fails and says
# FILE:LINE: MESSAGE (MESSAGE a prefix of the line; LINE 0: FILE: MESSAGE).
bad() {
	local name=$1 line=$2 msg=$3 rc=0 out where
	cat >"$tmp/$name.cfg"
	where="$tmp/$name.cfg:$line:"
	[ "$line" = 0 ] && where="$tmp/$name.cfg:"	# the whole file
	if out=$("$pvio" check "$tmp/$name.cfg" 2>&1); then
		rc=1
	elif ! grep -qF -- "$where $msg" <<<"$out"; then
		rc=1
	fi
	[ $rc = 0 ] || { echo "# wanted: $name.cfg:$line: $msg"; sed 's/^/# got: /' <<<"$out"; }
	ok $rc "bad config: $name -> line $line: $msg"
}

# bad_key NAME WHERE MESSAGE "KEY = VALUE": bad NAME LINE MESSAGE on a
# minimal config with the key at WHERE:
#   global  line 1, before [domain dd] (type = driver)
#   dd      line 3, in [domain dd] (type = driver)
#   g1      line 3, in [domain g1] (type = guest), the only domain
#   dd-g1   line 5, in [domain g1] (type = guest), after [domain dd]
bad_key() {
	local dd=$'[domain dd]\ntype = driver' g1=$'[domain g1]\ntype = guest'

	case $2 in
	global) bad "$1" 1 "$3" <<<"$4"$'\n'"$dd" ;;
	dd) bad "$1" 3 "$3" <<<"$dd"$'\n'"$4" ;;
	g1) bad "$1" 3 "$3" <<<"$g1"$'\n'"$4" ;;
	dd-g1) bad "$1" 5 "$3" <<<"$dd"$'\n'"$g1"$'\n'"$4" ;;
	*) ok 1 "bad_key $1: no place '$2'" ;;
	esac
}

echo "TAP version 13"

version=$(cat "$here/../../VERSION")
hvd=${PVIO_HVD:-$here/../../userspace/pvio-hvd}
check "pvio --version says $version" \
	test "$("$pvio" --version)" = "pvio $version"
check "pvio-hvd --version says $version" \
	test "$("$hvd" --version)" = "pvio-hvd $version"
# pvioctl needs libmnl and is not built here: the tree's, once built.
pvioctl=$here/../../userspace/pvioctl
[ -x "$pvioctl" ] && check "pvioctl --version says $version" \
	test "$("$pvioctl" --version)" = "pvioctl $version"

good minimal "domain dd id 1 type driver memory 512M vcpus 0 disks 1 nics 1 on-crash restart" \
	"domain g1 id 2 type guest memory 512M vcpus 0 disks 0 nics 0 on-crash destroy" \
	"link 0 vbd g1 dd:/dev/vda1 vectors 9" \
	"link 1 vif g1 dd,mac=02:70:76:00:02:01 vectors 9" <<'EOF'
[domain dd]
type = driver
disk = /tmp/disk.img
nic = user

[domain g1]
type = guest
vbd = dd:vda1
vif = dd
EOF

good full "domain net id 7 type driver memory 1024M vcpus 2 disks 2 nics 1 on-crash destroy" \
	"domain a id 1 type guest memory 256M vcpus 0 disks 0 nics 0 on-crash restart" \
	"domain b id 2 type guest memory 384M vcpus 1 disks 0 nics 0 on-crash destroy" \
	"link 0 vbd a net:/dev/vda1:ro,iops=1000,bps=10485760 vectors 9" \
	"link 1 vbd a net:/dev/disk/by-id/x-1,vectors=5 vectors 5" \
	"link 2 vif a net,mac=02:00:5e:10:00:02,queues=4,rate=1048576,burst=65536 vectors 9" \
	"link 3 spare a net vectors 9" \
	"link 4 spare a net vectors 9" \
	"link 5 vbd b net:/dev/vda1:ro vectors 9" \
	"link 6 vif b net,mac=02:70:76:00:02:06,queues=8,size=1048576,grants=512 vectors 17" \
	"link 7 spare b net vectors 9" <<'EOF'
# Every key once.
kernel = /boot/vmlinuz
initrd = /boot/initrd.img
modules = /lib/modules
rundir = /tmp/pvio-run
hvd = /usr/sbin/pvio-hvd
qemu = /usr/bin/qemu-system-x86_64
accel = -accel tcg,thread=multi -smp 1,maxcpus=2
vectors = 9
control-vectors = 1
link-size = 4M
grants = 1024
spares = 1

[domain net]
type = driver
id = 7
memory = 1G
vcpus = 2
disk = /srv/a.img, format=raw, cache=none
disk = /srv/b.qcow2,format=qcow2,cache=writethrough,ro
nic = user,mac=52:54:00:12:34:56
append = quiet
on-crash = destroy

[domain a]
type = guest
memory = 256M
vbd = net:vda1:ro,iops=1000,bps=10M
vbd = net:/dev/disk/by-id/x-1:rw,vectors=5
vif = net,mac=02:00:5e:10:00:02,queues=4,rate=1M,burst=64K
spares = 2
run = parts/x.sh
on-crash = restart

[domain b]
type = guest
memory = 384
vcpus = 1
vbd = net:vda1:ro
vif = net,queues=8,size=1M,grants=512
EOF

bad syntax 2 "syntax error: expected 'key = value'" <<'EOF'
[domain dd]
type driver
EOF
bad section 1 "syntax error: a section is [domain NAME]" <<'EOF'
[guest g1]
EOF
bad name 1 "bad domain name '1dd'" <<'EOF'
[domain 1dd]
EOF
bad unknown_global 2 "unknown key 'kernal' (global keys:" <<'EOF'
# a typo
kernal = /boot/vmlinuz
[domain dd]
type = driver
EOF
bad_key unknown_domain dd "unknown key 'memroy' (domain keys:" "memroy = 512"
bad_key global_in_domain dd "'kernel' is a global key: put it before the first [domain]" "kernel = /boot/vmlinuz"
bad_key domain_in_global global "'memory' belongs in a [domain NAME] section" "memory = 512"
bad dup_key 4 "memory set twice (first at line 3)" <<'EOF'
[domain dd]
type = driver
memory = 512
memory = 1G
EOF
bad dup_global 2 "spares set twice (first at line 1)" <<'EOF'
spares = 1
spares = 2
[domain dd]
type = driver
EOF
bad dup_domain 4 "domain dd defined twice (first at line 1)" <<'EOF'
[domain dd]
type = driver

[domain dd]
type = guest
EOF
bad no_type 1 "domain dd: no type" <<'EOF'
[domain dd]
memory = 512
EOF
bad bad_type 2 "type: 'dom0' is neither driver nor guest" <<'EOF'
[domain dd]
type = dom0
EOF
bad_key bad_memory dd "memory: bad size '512X'" "memory = 512X"
bad_key small_memory dd "memory: bad size '1'" "memory = 1"
bad_key on_crash dd "on-crash: 'reboot' is neither restart nor destroy" "on-crash = reboot"
bad_key bad_vcpus dd "vcpus: bad number '0'" "vcpus = 0"
bad_key empty dd "memory: empty value" "memory ="
bad_key link_size global "link-size: 3M is not a power of two" "link-size = 3M"
bad_key vectors global "vectors: bad number '300'" "vectors = 300"
bad_key vectors1 global "vectors: bad number '1'" "vectors = 1"
bad_key control_vectors global "control-vectors: bad number '2'" "control-vectors = 2"
bad_key relative_kernel global "kernel: 'vmlinuz' is not an absolute path" "kernel = vmlinuz"
bad_key long_rundir global "rundir: too long for UNIX socket names" "rundir = /$(printf 'x%.0s' $(seq 100))"
bad dup_id 6 "id: 3 is also the id of dd (line 3)" <<'EOF'
[domain dd]
type = driver
id = 3
[domain g1]
type = guest
id = 3
EOF
bad_key cache_unsafe dd "disk: cache=unsafe ignores flushes" "disk = /tmp/d.img,cache=unsafe"
bad_key disk_format dd "disk: bad format 'vmdk'" "disk = /tmp/d.img,format=vmdk"
bad_key disk_relative dd "disk: 'd.img' is not an absolute path" "disk = d.img"
bad_key disk_comma dd "disk: unknown option 'x'" "disk = /tmp/d.img,x"
bad_key nic_tap dd "nic: unknown network 'tap'" "nic = tap"
bad guest_disk 7 "disk: guest g1 has no disk but pvio's" <<'EOF'
[domain dd]
type = driver

[domain g1]
type = guest
vbd = dd:vda
disk = /tmp/d.img
EOF
bad_key driver_vbd dd "vbd: only guests have vbds and vifs" "vbd = dd:vda"
bad_key vbd_unknown_domain dd-g1 "vbd: no domain 'ddd'" "vbd = ddd:vda1"
bad vif_not_driver 7 "vif: domain 'g1' is not a driver domain" <<'EOF'
[domain dd]
type = driver
[domain g1]
type = guest
[domain g2]
type = guest
vif = g1
EOF
bad_key vbd_no_target dd-g1 "vbd: no target" "vbd = dd"
bad_key vbd_mode dd-g1 "vbd: bad mode 'rx'" "vbd = dd:vda1:rx"
bad_key vbd_target dd-g1 "vbd: bad target '../etc'" "vbd = dd:../etc"
bad_key vbd_option dd-g1 "vbd: unknown option 'iopz'" "vbd = dd:vda1,iopz=5"
bad_key vbd_number dd-g1 "vbd: bad number '-1' for iops" "vbd = dd:vda1,iops=-1"
bad_key vbd_big dd-g1 "vbd: bad number '5G' for bps" "vbd = dd:vda1,bps=5G"
bad_key vbd_twice_opt dd-g1 "vbd: iops given twice" "vbd = dd:vda1,iops=1,iops=2"
bad vbd_shared_rw 8 "vbd: /dev/vda1 of dd is already exported to g1 (line 5)" <<'EOF'
[domain dd]
type = driver
[domain g1]
type = guest
vbd = dd:vda1
[domain g2]
type = guest
vbd = dd:vda1:ro
EOF
bad_key vif_mac dd-g1 "vif: bad MAC address '03:00:00:00:00:01'" "vif = dd,mac=03:00:00:00:00:01"
bad vif_dup_mac 8 "vif: MAC 02:00:00:00:00:01 already used by a vif of g1 (line 5)" <<'EOF'
[domain dd]
type = driver
[domain g1]
type = guest
vif = dd,mac=02:00:00:00:00:01
[domain g2]
type = guest
vif = dd,mac=02:00:00:00:00:01
EOF
bad_key vif_queues dd-g1 "vif: bad number '0' for queues" "vif = dd,queues=0"
bad_key vif_size dd-g1 "vif: size 3000000 is not a power of two" "vif = dd,size=3000000"
bad_key vif_target dd-g1 "vif: 'dd:vda1': only a driver domain's name" "vif = dd:vda1"
bad spare_driver 4 "spare-driver: no driver domain 'nope'" <<'EOF'
[domain g1]
type = guest
spares = 1
spare-driver = nope
[domain dd]
type = driver
EOF
bad_key spares_nodriver g1 "spares: no driver domain to serve them" "spares = 1"
bad_key run_abs g1 "run: '/bin/sh' is not a path under /pvio" "run = /bin/sh"
bad no_domain 0 "no [domain NAME] section" <<'EOF'
spares = 1
EOF

# Several errors: every one reported, in order.
cat >"$tmp/many.cfg" <<'EOF'
foo = 1
[domain dd]
type = driver
memory = lots
[domain g1]
type = guest
vbd = nowhere:vda1
EOF
out=$("$pvio" check "$tmp/many.cfg" 2>&1)
rc=$?
exp="$tmp/many.cfg:1: unknown key 'foo'
$tmp/many.cfg:4: memory: bad size 'lots'
$tmp/many.cfg:7: vbd: no domain 'nowhere'"
[ $rc -ne 0 ] && [ "$(cut -d'(' -f1 <<<"$out" | sed 's/ $//')" = "$exp" ]
ok $? "every error of a file reported, in order"

# A missing file.
out=$("$pvio" check "$tmp/nonexistent.cfg" 2>&1)
[ $? -ne 0 ] && grep -qF "$tmp/nonexistent.cfg: No such file" <<<"$out"
ok $? "a missing config file is named"

# up: files checked at their line before anything starts.
mkdir -p "$tmp/k"
touch "$tmp/k/vmlinuz" "$tmp/k/initrd"
cat >"$tmp/up.cfg" <<EOF
kernel = $tmp/k/vmlinuz
initrd = $tmp/k/initrd
modules = $tmp/k
rundir = $tmp/run
hvd = /bin/true
qemu = /bin/false
[domain dd]
type = driver
disk = $tmp/missing.img
EOF
out=$("$pvio" up "$tmp/up.cfg" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -qF "$tmp/up.cfg:9: disk $tmp/missing.img: No such file" <<<"$out" &&
	[ ! -e "$tmp/run" ]
ok $? "up: a missing disk image fails at its line, nothing started"
sed -i "s|^kernel = .*|kernel = $tmp/k/nokernel|" "$tmp/up.cfg"
out=$("$pvio" up "$tmp/up.cfg" 2>&1)
[ $? -ne 0 ] && grep -qF "$tmp/up.cfg:1: kernel $tmp/k/nokernel: No such file" <<<"$out"
ok $? "up: a missing kernel fails at its line"

# up with a real pvio-hvd and a QEMU that dies at once: up shows its log,
# stops pvio-hvd and leaves no socket, state or process.
hvd=${PVIO_HVD:-$here/../../userspace/pvio-hvd}
printf '#!/bin/sh\necho "fake qemu: cannot start" >&2\nexit 1\n' >"$tmp/qemu"
chmod +x "$tmp/qemu"
touch "$tmp/disk.img"
sed -i -e "s|^kernel = .*|kernel = $tmp/k/vmlinuz|" -e "s|^hvd = .*|hvd = $hvd|" \
	-e "s|^qemu = .*|qemu = $tmp/qemu|" -e "s|^disk = .*|disk = $tmp/disk.img|" \
	"$tmp/up.cfg"
cat >>"$tmp/up.cfg" <<'EOF'
[domain g1]
type = guest
vbd = dd:vda
EOF
out=$(timeout 30 "$pvio" up "$tmp/up.cfg" 2>&1)
rc=$?
[ $rc = 1 ] && grep -q "dd: QEMU exited at start" <<<"$out" &&
	grep -q "fake qemu: cannot start" <<<"$out"
ok $? "up: a QEMU that exits at start is reported with its log"
grep -q "link 0 added" "$tmp/run/hvd.log" 2>/dev/null &&
	[ -z "$(find "$tmp/run" -type s)" ] && [ ! -e "$tmp/run/pvio.state" ] &&
	! grep -qsF -- "$tmp/run" /proc/[0-9]*/cmdline
ok $? "up: then pvio-hvd is stopped, no socket or state left"
[ $rc = 1 ] || sed 's/^/# /' <<<"$out"

# Commands without anything up.
out=$("$pvio" -d "$tmp/none" status 2>&1)
[ $? = 0 ] && grep -q "nothing is up" <<<"$out"
ok $? "status: nothing up"
[ "$("$pvio" -d "$tmp/none" status -j)" = '{"up":false}' ]
ok $? "status -j: nothing up"
"$pvio" -d "$tmp/none" kill g1 >/dev/null 2>&1
[ $? = 1 ]
ok $? "kill: nothing up fails"
"$pvio" -d "$tmp/none" down >/dev/null 2>&1
ok $? "down: nothing up is fine"
[ ! -e "$tmp/none" ]
ok $? "commands but up create no run directory"
"$pvio" -d "$tmp/none" frobnicate >/dev/null 2>&1
[ $? = 2 ]
ok $? "an unknown command fails with usage"

# --help everywhere.
rc=0
for c in "" up status kill restart down attach check; do
	"$pvio" $c --help 2>&1 | grep -q '^usage: pvio' || { echo "# pvio $c --help"; rc=1; }
done
ok $rc "--help for pvio and every command"

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
