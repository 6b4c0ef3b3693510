# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash
#
# Host-side helper, sourced by the host tests that run domains through
# pvio up (ivshmem_toolstack_lifecycle, ivshmem_three_vms, recover_dd_*):
# what of theirs is still running, and which of pvio-hvd's memfds it
# holds.
#
# our_procs [memfds]
#   Uses $run, the test's run directory.
# gone PID
#   That process has exited (or is a zombie no one reaped).

gone() {
	! [ -d "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat")" = Z ]
}

# Our processes: not zombies (this machine's init may not reap), with
# our run directory on their command line: "PID COMMAND" lines. With
# "memfds", the memfds of pvio-hvd's regions they hold instead. One
# Python, not a fork per process: the machine is loaded.
our_procs() {
	python3 - "$run" "${1:-}" <<'EOF'
import os, sys
run, what = sys.argv[1], sys.argv[2]
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue
    try:
        stat = open(f"/proc/{pid}/stat").read()
        cmd = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
    except OSError:
        continue
    if stat.rsplit(")", 1)[1].split()[0] == "Z" or run not in cmd:
        continue
    if what != "memfds":
        print(pid, cmd[:60])
        continue
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        continue
    for fd in fds:
        try:
            t = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if "memfd:pvio-link" in t or "memfd:pvio-control" in t:
            print(pid, t)
EOF
}
