# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest-side test scripts (sourced: . /pvio/lib.sh).
# A test exits 0 to pass, 4 to skip (kselftest's code; its last output line
# is the reason) and anything else to fail. The harness also fails it on
# any kernel splat or new taint.

PVIO_MODULES=/pvio/modules
# Busybox's ip has no netns support; the host's iproute2 does.
IP=/usr/bin/ip

_pvio_failed=0
_pvio_n=0

# check DESCRIPTION COMMAND...: run COMMAND, print a TAP line for it.
check() {
	desc=$1
	shift
	_pvio_n=$((_pvio_n + 1))
	if "$@"; then
		echo "ok $_pvio_n - $desc"
	else
		echo "not ok $_pvio_n - $desc"
		_pvio_failed=$((_pvio_failed + 1))
	fi
}

# finish: end a test that used check(), failing if any check failed.
finish() {
	echo "1..$_pvio_n"
	[ $_pvio_failed -eq 0 ]
	exit $?
}

skip() {
	echo "$*"
	exit 4
}

die() {
	echo "FAIL: $*"
	exit 1
}

# pvio_insmod MODULE...: load pvio modules (dependencies first).
pvio_insmod() {
	for m in "$@"; do
		insmod $PVIO_MODULES/$m.ko || return 1
	done
}

# pvio_rmmod MODULE...: unload pvio modules (dependents first).
pvio_rmmod() {
	for m in "$@"; do
		rmmod $m || return 1
	done
}

# pvio_modules: every pvio module in this VM, dependencies first.
pvio_modules() {
	for m in pvio_hv pvio_loop pvio_ivshmem pvio_blkback pvio_netback \
		 pvio_blkfront pvio_netfront; do
		[ -e $PVIO_MODULES/$m.ko ] && echo $m
	done
}

# Reverse a word list (unload order).
reverse() {
	r=
	for w in "$@"; do
		r="$w $r"
	done
	echo $r
}

# module_loaded NAME
module_loaded() {
	[ -d /sys/module/$1 ]
}

# load_configfs: null_blk needs configfs loaded and mounted first.
load_configfs() {
	modprobe configfs 2>/dev/null
	grep -q ' /sys/kernel/config ' /proc/mounts ||
		mount -t configfs configfs /sys/kernel/config
}
