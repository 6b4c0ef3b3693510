#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-dkms: dkms.conf lists every module of the Kbuild files; DKMS
# adds the tree, builds it for the newest 6.12 and 6.1 headers installed
# (every module, the kernel's vermagic, signed with the key DKMS is given)
# and installs it; `make sign` signs each with a throwaway key. As root.
#
# DKMS runs on private trees in a temporary directory (--dkmstree,
# --sourcetree, --installtree; no depmod), and is handed a throwaway
# signing key, so that nothing under /usr/src, /var/lib/dkms or
# /lib/modules changes, and an installed pvio is never touched. A trap
# removes it all, also on failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logdir=$top/.build/logs
jobs=${PVIO_JOBS:-2}
fail=0

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	fail=1
}
# not_ok_log NAME LOG: a failed step, with the end of its log.
not_ok_log() {
	not_ok "$1 (log: $2)"
	tail -n 30 "$2" | sed 's/^/# /'
}

"$top/scripts/deps.sh" build || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - dkms-check must run as root"
	exit 1
fi
mkdir -p "$logdir"

version=$(cat "$top/VERSION")
tmp=$(mktemp -d /tmp/pvio-dkms.XXXXXX)
dkms_args=(--dkmstree "$tmp/dkms" --sourcetree "$tmp/src"
	   --installtree "$tmp/modules" --no-depmod)
# What DKMS would leave behind if it ignored the trees, the key or
# --no-depmod.
leftovers() {
	ls -d /usr/src/pvio-* /var/lib/dkms/pvio /var/lib/dkms/mok.* \
		/lib/modules/*/updates/dkms/pvio_* 2>/dev/null
	stat -c '%n %Y' /lib/modules/*/modules.dep 2>/dev/null
}
before=$(leftovers)

# shellcheck disable=SC2317 # the traps call it
cleanup() {
	if [ -d "$tmp/dkms/pvio/$version" ]; then
		dkms remove "pvio/$version" --all "${dkms_args[@]}" >/dev/null 2>&1
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The modules: every obj-m of the subdirectories' Kbuild files (not the
# KUnit module's obj-$(...)), and what dkms.conf says.
kbuild_mods=$(sed -n 's/^obj-m[[:space:]]*+=[[:space:]]*\([a-z0-9_]*\)\.o.*/\1/p' \
	"$top"/*/Kbuild | sort)
conf_mods=$(bash -c '. "$1/dkms.conf" &&
	printf "%s\n" "${BUILT_MODULE_NAME[@]}"' - "$top" | sort)
mapfile -t mods <<<"$kbuild_mods"
if [ -n "$kbuild_mods" ] && [ "$kbuild_mods" = "$conf_mods" ]; then
	ok "dkms-conf (${#mods[@]} modules, as in the Kbuild files)"
else
	not_ok "dkms-conf (the Kbuild files build: $(tr '\n' ' ' <<<"$kbuild_mods");" \
	       "dkms.conf lists: $(tr '\n' ' ' <<<"$conf_mods"))"
	exit 1
fi

# mkkey NAME: a throwaway key and certificate, $tmp/NAME.{key,der}, of
# signer "pvio check-dkms NAME".
mkkey() {
	openssl req -new -x509 -nodes -days 1 -newkey rsa:2048 -sha256 \
		-subj "/CN=pvio check-dkms $1/" -keyout "$tmp/$1.key" \
		-outform DER -out "$tmp/$1.der" >/dev/null 2>&1
}
if ! mkkey dkms || ! mkkey sign; then
	not_ok "openssl: no throwaway keys"
	exit 1
fi
# DKMS signs what it builds: with this key (framework.conf's variables,
# from the environment), not with one it would make in /var/lib/dkms.
export mok_signing_key=$tmp/dkms.key mok_certificate=$tmp/dkms.der

# What `dkms add .` copies from a clean tree, less what Kbuild does not
# need.
mkdir -p "$tmp/stage" "$tmp/src" "$tmp/dkms" "$tmp/modules"
rsync -a --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
	--exclude='.*.cmd' --exclude='.*.d' --exclude=Module.symvers \
	--exclude=modules.order \
	"$top"/dkms.conf "$top"/VERSION "$top"/Kbuild "$top"/common \
	"$top"/compat "$top"/hvcall "$top"/frontend "$top"/backend "$tmp/stage"/
log=$logdir/dkms-add.log
if dkms add "$tmp/stage" "${dkms_args[@]}" >"$log" 2>&1 &&
   [ -d "$tmp/dkms/pvio/$version" ]; then
	ok "dkms-add (pvio/$version)"
else
	not_ok_log "dkms-add (pvio/$version)" "$log"
	exit 1
fi

# check_mods NAME DIR KVER SIGNER: every module in DIR, for KVER, signed
# by SIGNER with sha256.
check_mods() {
	local name=$1 dir=$2 kver=$3 signer=$4 m f errs=()
	for m in "${mods[@]}"; do
		f=$(compgen -G "$dir/$m.ko*" | head -n 1)
		if [ -z "$f" ]; then
			errs+=("$m: missing")
		elif [ "$(modinfo -F vermagic "$f" | cut -d' ' -f1)" != "$kver" ]; then
			errs+=("$m: vermagic '$(modinfo -F vermagic "$f")'")
		elif [ "$(modinfo -F signer "$f")" != "$signer" ] ||
		     [ -z "$(modinfo -F sig_key "$f")" ] ||
		     [ "$(modinfo -F sig_hashalgo "$f")" != sha256 ]; then
			errs+=("$m: signer '$(modinfo -F signer "$f")'")
		fi
	done
	if [ ${#errs[@]} -eq 0 ]; then
		ok "$name (${#mods[@]} modules, $kver, signer '$signer')"
	else
		not_ok "$name"
		printf '# %s\n' "${errs[@]}"
	fi
}

for k in 6.12 6.1; do
	if ! kdir=$("$top/scripts/kdir.sh" "$k"); then
		not_ok "dkms-build-$k (no headers)"
		continue
	fi
	# The release the kernel reports, its /lib/modules directory (the
	# 6.1 headers' kernel.release is upstream's 6.1.x).
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$kdir/include/generated/utsrelease.h")
	log=$logdir/dkms-build-$k.log
	if ! dkms build "pvio/$version" -k "$kver" --kernelsourcedir "$kdir" \
		-j "$jobs" "${dkms_args[@]}" >"$log" 2>&1; then
		not_ok_log "dkms-build-$k ($kver)" "$log"
		continue
	fi
	# The build's own warnings, not DKMS's (its readelf of 6.12's
	# vmlinux, which has no .comment, warns).
	mlog=$logdir/dkms-make-$k.log
	cp "$tmp/dkms/pvio/$version/$kver"/*/log/make.log "$mlog"
	if grep -qiE '(^|[^a-z_])(warning|error):' "$mlog"; then
		not_ok "dkms-build-$k ($kver: warnings; log: $mlog)"
		grep -iE '(^|[^a-z_])(warning|error):' "$mlog" | head -n 30 |
			sed 's/^/# /'
	else
		ok "dkms-build-$k ($kver)"
	fi
	built=$(ls -d "$tmp/dkms/pvio/$version/$kver"/*/module)
	check_mods "dkms-modules-$k" "$built" "$kver" "pvio check-dkms dkms"

	mkdir -p "$tmp/modules/$kver"
	log=$logdir/dkms-install-$k.log
	if dkms install "pvio/$version" -k "$kver" --kernelsourcedir "$kdir" \
		--no-depmod "${dkms_args[@]}" >"$log" 2>&1; then
		check_mods "dkms-install-$k" "$tmp/modules/$kver/updates/dkms" \
			"$kver" "pvio check-dkms dkms"
	else
		not_ok_log "dkms-install-$k ($kver)" "$log"
	fi

	# make sign on uncompressed copies (DKMS compresses as the kernel's
	# own modules are: 6.12's with xz).
	mkdir -p "$tmp/sign/$k"
	for f in "$built"/*.ko*; do
		case $f in
		*.xz)  xz -dc "$f" ;;
		*.zst) zstd -qdc "$f" ;;
		*.gz)  gzip -dc "$f" ;;
		*)     cat "$f" ;;
		esac >"$tmp/sign/$k/$(basename "${f%.ko*}").ko"
	done
	log=$logdir/dkms-sign-$k.log
	if make -s -C "$top" sign KDIR="$kdir" KEY="$tmp/sign.key" \
		CERT="$tmp/sign.der" MODDIR="$tmp/sign/$k" >"$log" 2>&1; then
		check_mods "sign-$k" "$tmp/sign/$k" "$kver" \
			"pvio check-dkms sign"
	else
		not_ok_log "sign-$k" "$log"
	fi
done

log=$logdir/dkms-remove.log
if dkms remove "pvio/$version" --all "${dkms_args[@]}" >"$log" 2>&1 &&
   [ ! -e "$tmp/dkms/pvio/$version" ] &&
   [ -z "$(ls -A "$tmp/modules"/*/updates/dkms 2>/dev/null)" ]; then
	ok "dkms-remove"
else
	not_ok_log "dkms-remove" "$log"
fi
if [ "$(leftovers)" = "$before" ]; then
	ok "nothing left outside $tmp"
else
	not_ok "left behind: $(comm -13 <(echo "$before") <(leftovers) | tr '\n' ' ')"
fi
exit $fail
