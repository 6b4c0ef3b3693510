#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel build directory (KDIR) for one of pvio's target kernels:
#   6.12   the newest Debian linux-headers-6.12*-amd64 installed, else the
#          running kernel's build directory
#   6.1    the newest Debian linux-headers-6.1*-amd64 installed
#   debug  the debug kernel tree built by scripts/debug-kernel.sh
set -euo pipefail

newest() {
	# Version order, not lexical: 6.12.99 < 6.12.117.
	ls -d "$@" 2>/dev/null | sort -V | tail -n 1
}

case "${1:-6.12}" in
6.12)
	kdir=$(newest /usr/src/linux-headers-6.12.*-amd64)
	[ -n "$kdir" ] || kdir=/lib/modules/$(uname -r)/build
	;;
6.1)
	kdir=$(newest /usr/src/linux-headers-6.1.[0-9]*-amd64)
	;;
debug)
	kdir=$("$(dirname "$0")"/debug-kernel.sh --print)/src
	;;
*)
	echo "kdir.sh: unknown kernel '$1' (6.12, 6.1, debug)" >&2
	exit 2
	;;
esac
if [ ! -e "$kdir/Makefile" ]; then
	echo "kdir.sh: no kernel build directory for '${1:-6.12}'" \
	     "(run scripts/deps.sh build)" >&2
	exit 1
fi
echo "$kdir"
