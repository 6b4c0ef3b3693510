#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM itself: the host's /usr is mounted read-only over 9p, the tools
# the tests rely on run from it, and the kernel's own modules load.
# timeout: 60
. /pvio/lib.sh

check "/usr is a read-only 9p mount" \
	grep -qE '^usr /usr 9p ro[ ,]' /proc/mounts
check "fio runs from the 9p /usr" sh -c '/usr/bin/fio --version | grep -q ^fio-'
check "iperf3 runs" sh -c '/usr/bin/iperf3 --version | grep -q ^iperf'
check "iproute2 ip runs" sh -c "$IP -V | grep -q iproute2"
check "ethtool runs" sh -c '/usr/sbin/ethtool --version | grep -q ethtool'
check "the VM has 2 CPUs" test "$(grep -c ^processor /proc/cpuinfo)" = 2
check "/usr is not writable" sh -c '! touch /usr/pvio-write-test 2>/dev/null'
load_configfs
check "modprobe null_blk" modprobe null_blk nr_devices=1
check "/dev/nullb0 is a block device" test -b /dev/nullb0
# Field 6 of fio's terse output is the KiB it read.
read_kib=$(/usr/bin/fio --name=smoke --filename=/dev/nullb0 --rw=randread \
	   --bs=4k --size=4M --ioengine=libaio --direct=1 --minimal |
	   cut -d';' -f6)
check "fio reads 4 MiB from /dev/nullb0" test "$read_kib" = 4096
check "rmmod null_blk" rmmod null_blk
finish
