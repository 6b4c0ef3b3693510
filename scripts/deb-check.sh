#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-deb: make deb builds pvio-dkms and pvio-utils without
# writing beside the tree or in it, lintian (pedantic, info tags too)
# finds nothing, and each package holds what it should: pvio-dkms the
# sources DKMS needs (as scripts/dkms-check.sh gives them) and dkms.conf
# with the version written in; pvio-utils the programs, which run, their
# manual pages, the udev rules, bash completion and pvio-hvd.service.
# That the packages install and work is pkg_install's (make check-vm
# T=pkg_install).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/.build/deb
fail=0

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	fail=1
}

"$top/scripts/deps.sh" build deb || exit 1
version=$(cat "$top/VERSION")
tmp=$(mktemp -d /tmp/pvio-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# What lies beside the tree and in debian/, before and after.
around() {
	ls -A "$top/.."
	find "$top/debian" | sort
}
before=$(around)
if "$top/scripts/deb.sh" "$out" >"$tmp/deb.out" 2>&1; then
	ok "deb-build ($(grep -c '\.deb$' "$tmp/deb.out") packages in $out)"
else
	not_ok "deb-build (log: $out/build.log)"
	sed 's/^/# /' "$tmp/deb.out" | tail -n 30
	exit 1
fi
if [ "$(around)" = "$before" ]; then
	ok "deb-clean (nothing new beside the tree or in debian/)"
else
	not_ok "deb-clean: new: $(comm -13 <(echo "$before") <(around) | tr '\n' ' ')"
fi

dkms_deb=$out/pvio-dkms_${version}_all.deb
utils_deb=$(compgen -G "$out/pvio-utils_${version}_*.deb" | head -n 1)
for f in "$dkms_deb" "$utils_deb"; do
	[ -f "$f" ] || { not_ok "no $f"; exit 1; }
done

# Lintian: every tag (info and pedantic too) fails, but for the
# overrides in debian/*.lintian-overrides, each with its reason.
changes=$(ls "$out"/*.changes)
lintian -I --pedantic --fail-on error,warning,info,pedantic \
	"$changes" >"$tmp/lintian" 2>&1
rc=$?
grep -v 'running with root privileges' "$tmp/lintian" >"$tmp/tags"
if [ $rc -eq 0 ] && ! grep -q '^[EWIPX]: ' "$tmp/tags"; then
	ok "lintian ($(basename "$changes"): no tags)"
else
	not_ok "lintian ($(basename "$changes"))"
	sed 's/^/# /' "$tmp/tags"
fi

# field DEB FIELD
field() { dpkg-deb -f "$1" "$2"; }
if [ "$(field "$dkms_deb" Architecture)" = all ] &&
   [ "$(field "$dkms_deb" Version)" = "$version" ] &&
   field "$dkms_deb" Depends | grep -qw dkms &&
   [ "$(field "$utils_deb" Architecture)" = "$(dpkg --print-architecture)" ] &&
   field "$utils_deb" Depends | grep -qw libmnl0 &&
   field "$utils_deb" Depends | grep -qw libjson-c5; then
	ok "deb-control (pvio-dkms all, depends on dkms; pvio-utils $(field "$utils_deb" Architecture), on libmnl0 and libjson-c5)"
else
	not_ok "deb-control"
	dpkg-deb -f "$dkms_deb" | sed 's/^/# /'
	dpkg-deb -f "$utils_deb" | sed 's/^/# /'
fi

# pvio-dkms: the tree's module sources, file for file, and dkms.conf.
dpkg-deb -x "$dkms_deb" "$tmp/dkms"
src=$tmp/dkms/usr/src/pvio-$version
(cd "$top" && rsync -a --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
	--exclude='.*.cmd' --exclude='.*.d' --exclude=Module.symvers \
	--exclude=modules.order \
	--filter=':- .gitignore' Kbuild VERSION common compat hvcall \
	frontend backend "$tmp/want"/)
want=$(cd "$tmp/want" && find . -type f | sort)
got=$(cd "$src" 2>/dev/null && find . -type f ! -name dkms.conf | sort)
if [ -z "$want" ] || [ "$want" != "$got" ]; then
	not_ok "deb-dkms-sources: missing: $(comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')" \
	       "extra: $(comm -13 <(echo "$want") <(echo "$got") | tr '\n' ' ')"
elif ! diff -r -x dkms.conf "$tmp/want" "$src" >"$tmp/diff"; then
	not_ok "deb-dkms-sources (differ from the tree)"
	head -n 20 "$tmp/diff" | sed 's/^/# /'
else
	ok "deb-dkms-sources ($(wc -l <<<"$want") files in /usr/src/pvio-$version, as in the tree)"
fi
# dkms.conf: as the tree's, the version written in (dh_dkms reads it
# as text); dkms itself must read the same name, version and modules.
if [ -f "$src/dkms.conf" ] &&
   diff <(grep -v '^PACKAGE_VERSION=' "$top/dkms.conf") \
	<(grep -v '^PACKAGE_VERSION=' "$src/dkms.conf") >/dev/null &&
   [ "$(bash -c '. "$1" && echo "$PACKAGE_NAME $PACKAGE_VERSION ${BUILT_MODULE_NAME[*]}"' - "$src/dkms.conf")" = \
     "$(bash -c '. "$1" && echo "$PACKAGE_NAME $PACKAGE_VERSION ${BUILT_MODULE_NAME[*]}"' - "$top/dkms.conf")" ] &&
   grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf"; then
	ok "deb-dkms-conf (pvio $version)"
else
	not_ok "deb-dkms-conf"
	diff "$top/dkms.conf" "$src/dkms.conf" | sed 's/^/# /'
fi

# pvio-utils: every file it should have, and the programs run.
dpkg-deb -x "$utils_deb" "$tmp/utils"
missing=()
for f in usr/sbin/pvioctl usr/bin/pvio usr/bin/pvio-hvd \
	 usr/share/man/man8/pvioctl.8.gz usr/share/man/man8/pvio-hvd.8.gz \
	 usr/share/man/man1/pvio.1.gz usr/share/man/man5/pvio.cfg.5.gz \
	 lib/udev/rules.d/60-pvio.rules \
	 usr/share/bash-completion/completions/pvioctl \
	 usr/share/bash-completion/completions/pvio \
	 lib/systemd/system/pvio-hvd.service \
	 usr/share/doc/pvio-utils/copyright; do
	[ -f "$tmp/utils/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "deb-utils-files"
else
	not_ok "deb-utils-files: missing ${missing[*]}"
fi
bad=()
for p in usr/sbin/pvioctl usr/bin/pvio usr/bin/pvio-hvd; do
	v=$("$tmp/utils/$p" --version 2>&1)
	[ "$v" = "$(basename "$p") $version" ] || bad+=("$p: '$v'")
done
if [ ${#bad[@]} -eq 0 ]; then
	ok "deb-utils-run (--version of each: $version)"
else
	not_ok "deb-utils-run: ${bad[*]}"
fi
# The unit: systemd finds nothing wrong in it (ExecStart checked against
# the packaged pvio-hvd). That the package leaves it disabled is
# pkg_install's.
unit=$tmp/utils/lib/systemd/system/pvio-hvd.service
sed "s|^ExecStart=/usr/bin/pvio-hvd|ExecStart=$tmp/utils/usr/bin/pvio-hvd|" \
	"$unit" >"$tmp/pvio-hvd.service"
if systemd-analyze verify --man=no "$tmp/pvio-hvd.service" >"$tmp/verify" 2>&1 &&
   ! grep -q . "$tmp/verify"; then
	ok "deb-unit (systemd-analyze verify pvio-hvd.service: clean)"
else
	not_ok "deb-unit (systemd-analyze verify pvio-hvd.service)"
	sed 's/^/# /' "$tmp/verify"
fi
exit $fail
