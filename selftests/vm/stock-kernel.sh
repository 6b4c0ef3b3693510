#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's kernel image for a release (by default the one whose
# headers scripts/kdir.sh 6.12 picks, so our modules match its vermagic),
# extract it into the cache and index its modules. Does not touch /boot.
#
# usage: selftests/vm/stock-kernel.sh [release]
# Prints the cache directory: vmlinuz, modroot/lib/modules/<release>/.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
rel=${1:-$(cat "$("$top/scripts/kdir.sh" 6.12)/include/config/kernel.release")}
dir=${PVIO_CACHE:-/var/cache/pvio}/kernels/$rel
[ -e "$dir/done" ] && { echo "$dir"; exit 0; }

mkdir -p "$dir"
exec 9>"$dir/lock"
flock 9
[ -e "$dir/done" ] && { echo "$dir"; exit 0; }
echo "stock-kernel: fetching linux-image-$rel" >&2
rm -rf "$dir/pkg" "$dir/modroot"
mkdir -p "$dir/pkg"
# The -unsigned package carries the same kernel without the signing shim.
(cd "$dir/pkg" && apt-get download -q "linux-image-$rel-unsigned" >&2 ||
		  apt-get download -q "linux-image-$rel" >&2)
dpkg-deb -x "$dir"/pkg/*.deb "$dir/modroot"
mv "$dir/modroot/boot/vmlinuz-$rel" "$dir/vmlinuz"
rm -rf "$dir/pkg" "$dir/modroot/boot" "$dir/modroot/usr"
depmod -b "$dir/modroot" "$rel"
touch "$dir/done"
echo "$dir"
