#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package pvio's build, tests, benchmarks and demo need.
# Idempotent: packages already present cost one dpkg query, and apt-get runs
# (after `apt-get update`) only when something is missing.
#
# usage: scripts/deps.sh [build|test|bench|deb|all]...   (default: all)
set -euo pipefail

# Compiler, kernel headers for both target kernels, the static checkers,
# DKMS and openssl (make check-dkms, make sign), and the libraries of the
# userspace programs (libmnl: pvioctl's netlink; json-c: every JSON they
# read or write).
build_pkgs=(make gcc libc6-dev bc bison flex libelf-dev libssl-dev pkgconf
	    kmod sparse linux-headers-6.12-amd64 linux-headers-amd64
	    libmnl-dev libjson-c-dev libbpf-dev python3 python3-yaml python3-jsonschema perl rsync
	    dkms openssl)
# VM harness: QEMU, a static busybox for the initramfs, and the programs the
# guest runs from the host's /usr over 9p (pvioctl there needs libjson-c5);
# gnuplot for the benchmark report's plots (make check's bench smoke run
# makes them too); socat and iputils' ping for the kernel's drivers/net
# selftests (net_kselftest.sh: busybox's ping takes no -W0.5).
test_pkgs=(qemu-system-x86 busybox-static cpio xz-utils zstd kmod fio iperf3
	   ethtool iproute2 socat iputils-ping util-linux fdisk e2fsprogs dosfstools
	   linux-source-6.12
	   libasan8 libubsan1 libjson-c5
	   gnuplot-nox)
bench_pkgs=(libdpdk-dev linux-perf)
# make deb and make check-deb: dpkg-buildpackage, debhelper with dh_dkms,
# and lintian.
deb_pkgs=(build-essential dpkg-dev debhelper dh-dkms fakeroot lintian)

want=()
for group in "${@:-all}"; do
	case "$group" in
	build) want+=("${build_pkgs[@]}") ;;
	test)  want+=("${test_pkgs[@]}") ;;
	bench) want+=("${bench_pkgs[@]}") ;;
	deb)   want+=("${deb_pkgs[@]}") ;;
	all)   want+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}"
		      "${deb_pkgs[@]}") ;;
	*) echo "deps.sh: unknown group '$group' (build, test, bench, deb, all)" >&2
	   exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
