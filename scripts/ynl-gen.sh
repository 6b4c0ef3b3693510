#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate what the netlink spec Documentation/netlink/specs/pvio.yaml
# defines, with the kernel's YNL generator (tools/net/ynl/ynl-gen-c.py of
# Debian's linux-source-6.12, extracted once into the cache):
#
#   common/pvio_genl.h      uapi: family name, attributes, commands, groups
#   hvcall/netlink-gen.h    kernel: policies, ops table, groups (declared)
#   hvcall/netlink-gen.c    kernel: the same, defined
#
# Out of the kernel tree the generator needs a MAINTAINERS file above the
# spec (it finds the tree root by it) and the schema of the spec's protocol
# two levels above it, so it runs on a copy of the spec in a scratch tree
# laid out like ours, with the schema of the same linux-source.
#
# Two fix-ups adapt its kernel output to an out-of-tree module; both are
# applied here, so the committed files are exactly what this script makes:
#  * it includes the uapi header as <uapi/...>, which only the kernel tree
#    has: ours is common/pvio_genl.h, on the include path as <pvio_genl.h>;
#  * for a genetlink-legacy family it leaves the genl_family to the driver
#    (hvcall/netlink.c) but still emits the multicast group table static:
#    it is exported like the ops table is, so that the family can use it.
#
# usage: scripts/ynl-gen.sh [--check]
#   --check  generate into a scratch directory and fail if the committed
#            files differ from what the spec gives (make check-build)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${PVIO_CACHE:-/var/cache/pvio}
check=
case ${1:-} in
--check) check=yes ;;
"") ;;
*) sed -n '3,/^set /p' "$0" | sed 's/^# \{0,1\}//;/^set /d'
   exit 2 ;;
esac

"$top/scripts/deps.sh" build test
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
ynl=$cache/ynl/$ver
if [ ! -e "$ynl/done" ]; then
	mkdir -p "$ynl"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$ynl" \
		--strip-components=1 \
		linux-source-6.12/tools/net/ynl \
		linux-source-6.12/Documentation/netlink/genetlink-legacy.yaml
	touch "$ynl/done"
fi

spec=Documentation/netlink/specs/pvio.yaml
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/tree/$(dirname "$spec")" "$scratch/out"
touch "$scratch/tree/MAINTAINERS"
cp "$ynl/Documentation/netlink/genetlink-legacy.yaml" \
	"$scratch/tree/Documentation/netlink/"
cp "$top/$spec" "$scratch/tree/$spec"

# gen MODE header|source OUTPUT: run the generator (Debian's python3 has
# the yaml and jsonschema modules deps.sh installs).
gen() {
	/usr/bin/python3 "$ynl/tools/net/ynl/ynl-gen-c.py" --mode "$1" \
		"--$2" --spec "$scratch/tree/$spec" -o "$3" >&2
}

gen uapi header "$scratch/out/pvio_genl.h"
gen kernel header "$scratch/out/netlink-gen.h"
gen kernel source "$scratch/out/netlink-gen.c"

ngroups=$(/usr/bin/python3 -c '
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
print(len(spec.get("mcast-groups", {}).get("list", [])))' "$top/$spec")
sed -i 's@^#include <uapi/pvio_genl.h>$@#include <pvio_genl.h>@' \
	"$scratch/out/netlink-gen.h" "$scratch/out/netlink-gen.c"
if [ "$ngroups" -gt 0 ]; then
	table="const struct genl_multicast_group pvio_nl_mcgrps[$ngroups]"
	sed -i "s@^static const struct genl_multicast_group pvio_nl_mcgrps\[\] =@$table =@" \
		"$scratch/out/netlink-gen.c"
	sed -i "s@^\(#endif /\* _LINUX_PVIO_GEN_H \*/\)@extern $table;\n\n\1@" \
		"$scratch/out/netlink-gen.h"
	grep -qxF "$table = {" "$scratch/out/netlink-gen.c" &&
		grep -qxF "extern $table;" "$scratch/out/netlink-gen.h" || {
		echo "ynl-gen.sh: the generator's output changed shape;" \
			"update the fix-ups" >&2
		exit 1
	}
fi

outputs=("common/pvio_genl.h:pvio_genl.h"
	 "hvcall/netlink-gen.h:netlink-gen.h"
	 "hvcall/netlink-gen.c:netlink-gen.c")
rc=0
for o in "${outputs[@]}"; do
	dst=${o%%:*} src=$scratch/out/${o#*:}
	if [ -n "$check" ]; then
		if ! diff -u "$top/$dst" "$src" >&2; then
			echo "ynl-gen.sh: $dst is not what $spec gives:" \
				"run scripts/ynl-gen.sh" >&2
			rc=1
		fi
	elif ! cmp -s "$src" "$top/$dst"; then
		cp "$src" "$top/$dst"
		echo "GEN $dst"
	fi
done
exit $rc
