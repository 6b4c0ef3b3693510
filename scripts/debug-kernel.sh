#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build pvio's debug kernel (KUnit, KASAN, lockdep, kmemleak ...) once from
# Debian's linux-source-6.12 and the fragment selftests/kernel/debug.config,
# and cache it outside the tree.
#
# usage: scripts/debug-kernel.sh [--print] [--help]
#
# The last line on stdout is the cache directory, which holds
#   bzImage                           the kernel to boot
#   kernelrelease                     its release string (one line)
#   src/                              the built tree: a KDIR for out-of-tree
#                                     modules (`make -C <dir>/src M=$PWD`),
#                                     with .config and Module.symvers
#   modroot/lib/modules/<release>/    its modules (null_blk ...), stripped
#   build.log                         the full build log
#   done                              written last; present = usable
# Progress goes to stderr.
#
# The directory is ${PVIO_CACHE:-/var/cache/pvio}/debug-kernel/<key>, where
# <key> is the first 16 hex digits of a sha256 over the fragment, the
# installed linux-source-6.12 version and $recipe below. A finished key is
# never rebuilt; an interrupted build resumes in place. Old keys are left
# alone (their sizes are printed). PVIO_JOBS sets make's -j (default 3).
set -euo pipefail

# Bump whenever the way the kernel is built changes (not the fragment:
# that is hashed by itself).
recipe="pvio-debug-kernel-1"

here=$(cd "$(dirname "$0")" && pwd)
fragment="$here/../selftests/kernel/debug.config"
tarball=/usr/src/linux-source-6.12.tar.xz
srcpkg=linux-source-6.12
base="${PVIO_CACHE:-/var/cache/pvio}/debug-kernel"
jobs="${PVIO_JOBS:-3}"
# Kernel build tools that scripts/deps.sh's groups may not list.
build_tools=(make gcc libc6-dev bc bison flex libelf-dev libssl-dev cpio
	     kmod rsync python3 perl xz-utils)

usage() {
	cat <<EOF
usage: $0 [--print] [--help]

Build (once) and cache the pvio debug kernel from Debian's $srcpkg and
selftests/kernel/debug.config; print its cache directory as the last
stdout line.

  --print   print the cache directory if that kernel is built, else exit 1;
            never builds
  --help    this text

cache:  \${PVIO_CACHE:-/var/cache/pvio}/debug-kernel/<key>/
        bzImage, kernelrelease, src/ (KDIR), modroot/lib/modules/<release>/,
        build.log, done
env:    PVIO_CACHE (cache root), PVIO_JOBS (make -j, default 3)
EOF
}

print_only=false
for arg in "$@"; do
	case "$arg" in
	--print) print_only=true ;;
	-h|--help) usage; exit 0 ;;
	*) echo "debug-kernel.sh: unknown argument '$arg'" >&2
	   usage >&2; exit 2 ;;
	esac
done

log() { printf '%s debug-kernel: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

pkg_version() {
	dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null || true
}

cache_key() {	# $1 = linux-source version
	{
		cat "$fragment"
		printf '\n--\n%s\n--\n%s\n' "$1" "$recipe"
	} | sha256sum | cut -c1-16
}

[ -r "$fragment" ] || die "no config fragment at $fragment"
fragment=$(cd "$(dirname "$fragment")" && pwd)/$(basename "$fragment")

# Fast path: already built, nothing to install or lock.
version=$(pkg_version)
if [ -n "$version" ]; then
	dir="$base/$(cache_key "$version")"
	if [ -e "$dir/done" ]; then
		echo "$dir"
		exit 0
	fi
fi
if $print_only; then
	if [ -z "$version" ]; then
		log "$srcpkg is not installed"
	else
		log "not built yet: $dir"
	fi
	exit 1
fi

# --- packages -----------------------------------------------------------
# apt and dpkg may be busy (another engineer's deps.sh): wait for them
# rather than fail. DPkg::Lock::Timeout covers dpkg's lock; the loop covers
# `apt-get update`'s list lock, which does not wait.
apt_conf=$(mktemp)
trap 'rm -f "$apt_conf"' EXIT
{
	[ -n "${APT_CONFIG:-}" ] && printf '#include "%s";\n' "$APT_CONFIG"
	echo 'DPkg::Lock::Timeout "900";'
} > "$apt_conf"
export APT_CONFIG="$apt_conf"

apt_busy() {
	pgrep -x 'apt|apt-get|aptitude|dpkg|unattended-upgr' >/dev/null 2>&1
}

with_apt_retry() {	# command...: retry while apt's locks are the problem
	local try out rc
	for try in $(seq 30); do
		if apt_busy; then
			log "apt/dpkg is busy; waiting"
			while apt_busy; do sleep 5; done
		fi
		rc=0
		out=$("$@" 2>&1) || rc=$?
		[ -n "$out" ] && printf '%s\n' "$out" >&2
		[ $rc -eq 0 ] && return 0
		grep -qiE 'lock|resource temporarily unavailable' <<<"$out" ||
			return $rc
		log "apt lock held (try $try); retrying"
		sleep 10
	done
	return 1
}

with_apt_retry "$here/deps.sh" test || die "scripts/deps.sh test failed"

missing=()
for p in "${build_tools[@]}"; do
	[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *"ok installed" ]] ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root)"
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	with_apt_retry apt-get update -qq || die "apt-get update failed"
	with_apt_retry apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" || die "apt-get install ${missing[*]} failed"
fi

version=$(pkg_version)
[ -n "$version" ] || die "$srcpkg is not installed"
[ -r "$tarball" ] || die "$tarball missing ($srcpkg $version installed?)"

key=$(cache_key "$version")
dir="$base/$key"
src="$dir/src"

mkdir -p "$base" || die "cannot create $base (set PVIO_CACHE)"

# --- one build at a time --------------------------------------------------
exec 9>"$base/.lock"
if ! flock -n 9; then
	log "another debug-kernel build holds $base/.lock; waiting"
	flock 9
fi
if [ -e "$dir/done" ]; then	# built by whoever held the lock
	echo "$dir"
	exit 0
fi

for old in "$base"/*/; do
	[ -d "$old" ] || continue
	[ "${old%/}" = "$dir" ] && continue
	log "old cache entry (left alone): $(du -sh "$old" 2>/dev/null | cut -f1)" \
	    "${old%/}"
done

log "building $srcpkg $version into $dir (recipe $recipe, make -j$jobs)"
log "full log: $dir/build.log"
mkdir -p "$dir"
buildlog="$dir/build.log"
: > "$buildlog"

# Nothing from a calling make or shell may leak into the kernel's make.
unset MAKEFLAGS MAKELEVEL MFLAGS MAKEOVERRIDES GNUMAKEFLAGS
unset KBUILD_OUTPUT KBUILD_EXTMOD KCONFIG_CONFIG LOCALVERSION O M W C V \
      ARCH CROSS_COMPILE KCFLAGS KCPPFLAGS KAFLAGS KBUILD_BUILD_VERSION
export LC_ALL=C

t_start=$(date +%s)
step() {	# description command...: run with output in build.log
	local desc=$1 t0 rc=0
	t0=$(date +%s)
	shift
	log "$desc"
	printf '\n### %s: %s\n' "$desc" "$*" >> "$buildlog"
	"$@" >> "$buildlog" 2>&1 || rc=$?
	if [ $rc -ne 0 ]; then
		log "FAILED ($rc): $desc; last lines of $buildlog:"
		tail -n 40 "$buildlog" >&2
		exit 1
	fi
	log "  done in $(( $(date +%s) - t0 )) s"
}

# An interrupted build resumes: the tree is kept once fully extracted.
if [ ! -e "$src/.pvio-extracted" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	step "extracting $tarball" \
		tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.pvio-extracted"
else
	log "resuming in the existing tree $src"
fi

cd "$src"
step "make allnoconfig" make allnoconfig
step "merging $fragment" scripts/kconfig/merge_config.sh -m .config "$fragment"
step "make olddefconfig" make olddefconfig

# Every option of the fragment must have survived olddefconfig: a silently
# dropped option (unmet dependency, renamed symbol) is a build error here.
verify_config() {
	local line sym val bad=0
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
			sym=${BASH_REMATCH[1]} val=n
		else
			continue
		fi
		if [ "$val" = n ]; then
			if grep -qE "^$sym=[ym]\$" .config; then
				log "  $sym: wanted n, got $(grep "^$sym=" .config)"
				bad=1
			fi
		elif ! grep -qxF "$sym=$val" .config; then
			log "  $sym: wanted $val, got" \
			    "$(grep -E "^(# )?${sym}[= ]" .config || echo '(absent)')"
			bad=1
		fi
	done < "$fragment"
	return $bad
}
log "checking that every fragment option is in .config"
verify_config || die "options of $fragment were dropped (see above)"

step "make -j$jobs bzImage modules" make -j"$jobs" bzImage modules
rm -rf "$dir/modroot"
step "make modules_install" make modules_install \
	INSTALL_MOD_PATH="$dir/modroot" INSTALL_MOD_STRIP=1

release=$(make -s kernelrelease)
[ -d "$dir/modroot/lib/modules/$release" ] ||
	die "no modroot/lib/modules/$release after modules_install"
[ -s Module.symvers ] || die "no Module.symvers in $src"
cp arch/x86/boot/bzImage "$dir/bzImage"
echo "$release" > "$dir/kernelrelease"

# The tree must work as a KDIR before it is declared done.
hello=$(mktemp -d)
trap 'rm -f "$apt_conf"; rm -rf "$hello"' EXIT
cat > "$hello/hello.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
static int __init hello_init(void) { return 0; }
static void __exit hello_exit(void) { }
module_init(hello_init);
module_exit(hello_exit);
MODULE_DESCRIPTION("pvio debug-kernel KDIR self-check");
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := hello.o' > "$hello/Kbuild"
step "self-check: out-of-tree module against $src" \
	make -C "$src" M="$hello" modules
[ -s "$hello/hello.ko" ] || die "self-check module not built"

touch "$dir/done"
log "built $release in $(( ($(date +%s) - t_start) / 60 )) min" \
    "($(du -sh "$dir" | cut -f1) in $dir)"
echo "$dir"
