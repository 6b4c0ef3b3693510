#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages pvio-dkms and pvio-utils, built with
# dpkg-buildpackage -us -uc -b from a copy of the tree, so that nothing
# is written beside the tree (dpkg-buildpackage puts its output in the
# parent directory) or in it (debian/rules clean, the objects).
#
# usage: scripts/deb.sh [OUTDIR]    (default .build/deb)
# OUTDIR gets pvio-dkms_<v>_all.deb, pvio-utils_<v>_<arch>.deb, the
# .changes and .buildinfo, and build.log; the copy is OUTDIR/src. The
# last line printed is the .changes file.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/.build/deb}

"$top/scripts/deps.sh" build deb
version=$(cat "$top/VERSION")
deb_version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "$deb_version" != "$version" ]; then
	echo "deb.sh: debian/changelog says $deb_version, VERSION $version" >&2
	exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
src=$out/src/pvio-$version
mkdir -p "$src"
# The tree as a clone has it: no .git, nothing .gitignore names (build
# products, .build/ itself).
rsync -a --exclude=/.git --exclude=/.build --filter=':- .gitignore' \
	"$top"/ "$src"/

log=$out/build.log
if ! (cd "$src" &&
      DEB_BUILD_OPTIONS="parallel=${PVIO_JOBS:-2} ${DEB_BUILD_OPTIONS:-}" \
      dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
	echo "deb.sh: dpkg-buildpackage failed (log: $log):" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
ls "$out"/*.deb
ls "$out"/*.changes
