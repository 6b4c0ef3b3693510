#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's checkpatch.pl --strict over pvio's kernel sources (every
# .c/.h outside userspace/ and selftests/). checkpatch comes from Debian's
# linux-source-6.12, extracted once into the cache.
#
# usage: scripts/checkpatch.sh [file...]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${PVIO_CACHE:-/var/cache/pvio}
"$top/scripts/deps.sh" test
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
dir=$cache/checkpatch/$ver
if [ ! -e "$dir/done" ]; then
	mkdir -p "$dir"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$dir" \
		--strip-components=1 \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
	touch "$dir/done"
fi

cd "$top"
if [ $# -eq 0 ]; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard \
				     '*.c' '*.h' |
			     grep -vE '^(userspace|selftests)/')
else
	files=("$@")
fi
[ ${#files[@]} -gt 0 ] || exit 0
# compat.h is the one place allowed to test kernel versions (its macros
# take lvalues, so reusing an argument is fine); common/ is
# shared with userspace, which has no BIT().
rc=0
for f in "${files[@]}"; do
	ignore=()
	case $f in
	compat/compat.h)
		ignore=(--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,CONST_STRUCT,MACRO_ARG_REUSE)
		;;
	common/*) ignore=(--ignore BIT_MACRO) ;;
	# TRACE_EVENT()'s own layout, as in include/trace/events/.
	*_trace.h) ignore=(--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT) ;;
	esac
	perl "$dir/scripts/checkpatch.pl" --no-tree --strict --quiet --terse \
		--show-types --no-summary "${ignore[@]}" -f "$f" || rc=1
done
exit $rc
