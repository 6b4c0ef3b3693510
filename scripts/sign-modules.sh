#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make sign: sign pvio's modules with the kernel headers' sign-file, so
# that a kernel under Secure Boot which trusts CERT (a MOK enrolled with
# `mokutil --import CERT`) loads them.
#
# usage: scripts/sign-modules.sh KEY CERT KDIR [MODULE.ko|DIR]...
#   KEY   the private key (PEM, or a pkcs11: URI)
#   CERT  its X.509 certificate (DER or PEM)
#   KDIR  the kernel build directory (its scripts/sign-file)
# A DIR is searched for *.ko; by default, the modules `make` built in this
# tree. HASH= picks the digest (sha256). Compressed modules (.ko.xz) are
# not signed: sign before compressing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 3 ] || [ -z "$1" ] || [ -z "$2" ]; then
	echo "usage: make sign KEY=<private key> CERT=<certificate>" \
	     "[KDIR=...] [MODDIR=...] [HASH=sha256]" >&2
	exit 2
fi
key=$1 cert=$2 kdir=$3
shift 3
hash=${HASH:-sha256}

if [[ $key != pkcs11:* ]] && [ ! -r "$key" ]; then
	echo "sign-modules.sh: cannot read key '$key'" >&2
	exit 1
fi
if [ ! -r "$cert" ]; then
	echo "sign-modules.sh: cannot read certificate '$cert'" >&2
	exit 1
fi

# KDIR's own, else the newest Debian linux-kbuild-* has (sign-file does
# not depend on the kernel version).
sign_file=$kdir/scripts/sign-file
if [ ! -x "$sign_file" ]; then
	sign_file=$(printf '%s\n' /usr/lib/linux-kbuild-*/scripts/sign-file |
		    sort -V | tail -n 1)
fi
if [ -z "$sign_file" ] || [ ! -x "$sign_file" ]; then
	echo "sign-modules.sh: no scripts/sign-file in '$kdir' or" \
	     "/usr/lib/linux-kbuild-* (scripts/deps.sh build)" >&2
	exit 1
fi

[ $# -gt 0 ] || set -- "$top/hvcall" "$top/frontend" "$top/backend"
mods=()
for arg in "$@"; do
	if [ -d "$arg" ]; then
		mapfile -t -O ${#mods[@]} mods < <(find "$arg" -name '*.ko' | sort)
	elif [ -f "$arg" ]; then
		mods+=("$arg")
	else
		echo "sign-modules.sh: no such module or directory '$arg'" >&2
		exit 1
	fi
done
if [ ${#mods[@]} -eq 0 ]; then
	echo "sign-modules.sh: no modules in $* (run make first)" >&2
	exit 1
fi

for m in "${mods[@]}"; do
	echo "  SIGN    $m"
	"$sign_file" "$hash" "$key" "$cert" "$m"
done
