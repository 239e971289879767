#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make deb': Debian packages (bindeb-pkg) of the patched kernel, to
# install on a real machine: linux-image-<release> and
# linux-headers-<release> (what DKMS builds the module against), and
# linux-libc-dev; <release> is 6.1.192-munmap-split.
#
# The config: the user's (DEB_CONFIG), else the running kernel's
# /boot/config-* when it is a 6.1 kernel, else Debian's own 6.1 config
# (package linux-config-6.1, installed if missing), optionally trimmed
# to the modules a machine loads (DEB_LSMOD, make localmodconfig), then
# the options the selftests need (selftests/*/config) and
# scripts/kernel/kconfig/deb.config merged on top and checked like the
# test kernels' fragments: the build stops if one did not survive.
#
# Usage: scripts/deb.sh
# Env:   DEB_CONFIG=FILE      the config to start from (plain or .xz)
#        DEB_LSMOD=FILE|running  trim with localmodconfig to the modules
#                             in this lsmod output ('running': this
#                             machine's lsmod; scripts/kernel/lsmod/
#                             qemu-virtio.txt: a QEMU guest with virtio
#                             disk and network); default: no trim
#        DEB_DEBUG_INFO=1     keep the config's debug info (and BTF, and
#                             the -dbg package); default: none
#                             (kconfig/deb-no-debug-info.config)
#        DEB_OUT=DIR          where the packages go (build/deb)
#        DEB_CLEAN=1          empty DIR/obj first: a full build, not an
#                             incremental one over the last build's objects
# Results: the packages in DEB_OUT; build/results/deb-<time>/ has the
# build log, the final config and deb.txt (config source, trim, time,
# each package's contents checked).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DEB_OUT=${DEB_OUT:-$BUILD/deb}
OBJ=$DEB_OUT/obj
DEBIAN_CONFIG_PKG=linux-config-6.1
DEBIAN_CONFIG=/usr/src/linux-config-6.1/config.amd64_none_amd64.xz
FRAGMENTS=("$ROOT/selftests/mm/config" "$ROOT/selftests/mlh/config"
	"$S/kernel/kconfig/deb.config")
[ "${DEB_DEBUG_INFO:-0}" = 1 ] ||
	FRAGMENTS+=("$S/kernel/kconfig/deb-no-debug-info.config")

"$S/deps.sh" --deb
"$S/kernel/prepare-tree.sh"
results_begin deb
t0=$SECONDS

# The config to start from, and where it came from.
if [ -n "${DEB_CONFIG:-}" ]; then
	base=$DEB_CONFIG
	[ -f "$base" ] || die "DEB_CONFIG=$base: no such file"
elif [[ $(uname -r) == 6.1.* ]] && [ -f "/boot/config-$(uname -r)" ]; then
	base=/boot/config-$(uname -r)
else
	if [ ! -f "$DEBIAN_CONFIG" ]; then
		log "no 6.1 config here: installing $DEBIAN_CONFIG_PKG for Debian's"
		"$S/deps.sh" --package "$DEBIAN_CONFIG_PKG" ||
			die "cannot install $DEBIAN_CONFIG_PKG: set DEB_CONFIG=/path/to/a/6.1/.config"
	fi
	base=$DEBIAN_CONFIG
fi
log "deb: starting from $base"

# A build over the objects of a previous one is incremental: its time is
# no full build's.  DEB_CLEAN=1 empties OBJ first.
[ "${DEB_CLEAN:-0}" != 1 ] || rm -rf "$OBJ"
incremental=0
[ ! -f "$OBJ/vmlinux" ] || incremental=1
mkdir -p "$OBJ"
case $base in
*.xz) xz -dc "$base" > "$OBJ/.config" ;;
*) cp "$base" "$OBJ/.config" ;;
esac
# Options built (=y or =m), for the time estimate of an untrimmed build.
built_options() { grep -cE '^CONFIG_[A-Za-z0-9_]+=[ym]$' "$1"; }
base_options=$(built_options "$OBJ/.config")

cc=$(kernel_cc)
make_k() {
	make -C "$LINUX" O="$OBJ" ARCH=x86_64 ${cc:+"CC=$cc"} "$@"
}

trim=none
if [ -n "${DEB_LSMOD:-}" ]; then
	lsmod_file=$DEB_LSMOD
	if [ "$DEB_LSMOD" = running ]; then
		[ -r /proc/modules ] ||
			die "DEB_LSMOD=running: this kernel has no modules (/proc/modules); give the lsmod output of the target machine, or scripts/kernel/lsmod/qemu-virtio.txt"
		lsmod_file=$RESULTS/lsmod.txt
		lsmod > "$lsmod_file"
	fi
	[ -f "$lsmod_file" ] || die "DEB_LSMOD=$DEB_LSMOD: no such file"
	# localmodconfig runs in the object tree: a relative path would not do.
	lsmod_file=$(realpath "$lsmod_file")
	nmod=$(($(wc -l < "$lsmod_file") - 1))
	((nmod > 0)) || warn "$lsmod_file lists no module: every module is trimmed"
	trim="localmodconfig, $nmod modules of $DEB_LSMOD"
	log "deb: localmodconfig to the $nmod modules of $DEB_LSMOD"
	# It asks about new options on stdin: take the defaults.
	make_k LSMOD="$lsmod_file" localmodconfig < /dev/null > "$RESULTS/localmodconfig.log" 2>&1 ||
		die "localmodconfig failed: $RESULTS/localmodconfig.log"
fi

"$LINUX/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "${FRAGMENTS[@]}" \
	> "$RESULTS/merge.log" 2>&1 || die "merging the fragments failed: $RESULTS/merge.log"
make_k olddefconfig > /dev/null
"$S/kernel/check-config.sh" "$OBJ/.config" "${FRAGMENTS[@]}" ||
	die "the config lost options the tests need (above): fix $base or the fragments"
cp "$OBJ/.config" "$RESULTS/config"

# kernelrelease reads CONFIG_LOCALVERSION from the generated auto.conf;
# LOCALVERSION set (empty): no '+' for the git tree's unexported state.
make_k -s LOCALVERSION= syncconfig
release=$(make_k -s LOCALVERSION= kernelrelease)
[[ $release == *-munmap-split ]] ||
	die "the release is '$release', not *-munmap-split: is CONFIG_LOCALVERSION overridden?"
log "deb: building $release packages with $(jobs_count) jobs (log: $RESULTS/deb.log)"
# The packages land in OBJ's parent; old ones of another build go first.
rm -f "$DEB_OUT"/*.deb "$DEB_OUT"/*.buildinfo "$DEB_OUT"/*.changes
make_k -j"$(jobs_count)" LOCALVERSION= bindeb-pkg > "$RESULTS/deb.log" 2>&1 || {
	tail -n 20 "$RESULTS/deb.log" >&2
	die "bindeb-pkg failed: $RESULTS/deb.log"
}
seconds=$((SECONDS - t0))

"$S/kernel/check-debs.sh" "$DEB_OUT" "$release" > "$RESULTS/check.txt" ||
	die "the packages are not what they should be: $RESULTS/check.txt"
{
	echo "release:  $release"
	echo "config:   $base"
	echo "trim:     $trim"
	echo "debug:    ${DEB_DEBUG_INFO:-0}"
	echo "jobs:     $(jobs_count) ($(nproc) CPUs, $(uname -m))"
	if [ $incremental = 1 ]; then
		echo "seconds:  $seconds (config and bindeb-pkg, incremental: $OBJ kept a previous build's objects; DEB_CLEAN=1 CCACHE=0 for a full build's time)"
	elif [ -n "$cc" ]; then
		echo "seconds:  $seconds (config and bindeb-pkg, with $cc: a warm cache makes this no cold build's time; CCACHE=0 for one)"
	else
		echo "seconds:  $seconds (config and bindeb-pkg from an empty object directory, no ccache)"
	fi
	echo "options:  $(built_options "$OBJ/.config") built (=y/=m), $(grep -c '=m$' "$OBJ/.config") of them modules; $base_options in $base"
	if [ "$trim" != none ] && [ -z "$cc" ] && [ $incremental = 0 ]; then
		opts=$(built_options "$OBJ/.config")
		echo "untrimmed: about $((seconds * base_options / opts / 60)) min (this time scaled by the options built: a rough estimate)"
	fi
	cat "$RESULTS/check.txt"
} > "$RESULTS/deb.txt"
cat "$RESULTS/deb.txt"
log "deb: packages in $DEB_OUT ($((seconds / 60)) min $((seconds % 60)) s); install with: dpkg -i $DEB_OUT/linux-image-${release}_*.deb $DEB_OUT/linux-headers-${release}_*.deb"
