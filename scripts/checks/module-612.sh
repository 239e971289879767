#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The companion module beyond 6.1: it must build, warning-free, against
# Linux 6.12 (Debian's linux-source-6.12, prepared for external modules
# by scripts/kernel/prepare-612.sh), and module/dkms.conf must work: dkms
# builds it for 6.12 and for the patched 6.1 tree, and skips a kernel
# outside BUILD_EXCLUSIVE_KERNEL instead of failing.  dkms runs on trees
# of its own under build/, never the system's.
# Usage: scripts/checks/module-612.sh   (records suite 'module-612')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

results_begin module-612
OUT=$RESULTS/module-612

# Compiler diagnostics, and modpost's warnings but those a tree without
# vmlinux (no Module.symvers) always gives: it cannot resolve the
# kernel's symbols.
DIAGNOSTIC=':[0-9]+:[0-9]+: (warning|error)|^WARNING: modpost: |^ERROR: '
UNRESOLVED='undefined!$|suppressed [0-9]+ unresolved symbol warnings'

if ! "$S/kernel/prepare-612.sh" > "$OUT-prepare.log" 2>&1; then
	tap_fail "6.12 tree prepared" "$(tail -n 15 "$OUT-prepare.log")"
	tap_done module-612
	exit 1
fi
tap_ok "6.12 tree prepared ($K612_PKG $K612_PKG_VERSION)"

rc=0
KBUILD_MODPOST_WARN=1 "$S/kernel/build-module.sh" "$K612_OBJ" 6.12 \
	> "$OUT-build.log" 2>&1 || rc=$?
tap_check $rc "module builds against 6.12" "$(tail -n 15 "$OUT-build.log")"

noise=$(grep -E "$DIAGNOSTIC" "$OUT-build.log" | grep -vE "$UNRESOLVED" || true)
rc=0
[ -z "$noise" ] || rc=1
tap_check $rc "no warning building against 6.12" "$noise"

ko=$BUILD/module/6.12/mmap_lock_hold.ko
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
rc=0
[[ $vermagic == "$K612_KERNELVERSION "* ]] || rc=1
tap_check $rc "the module is for $K612_KERNELVERSION" "vermagic: '$vermagic'"

# dkms on a tree of its own: add once, then build for each kernel.
if ! command -v dkms >/dev/null; then
	tap_skip "dkms builds for 6.12" "dkms not installed (apt-get install dkms)"
	tap_done module-612
	exit 0
fi
pkg=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$ROOT/module/dkms.conf")
want=$(sed -n 's/^#define MLH_MODULE_VERSION\t*"\(.*\)"$/\1/p' "$ROOT/module/mlh.h")
rc=0
[ -n "$pkg" ] && [ "$pkg" = "$want" ] || rc=1
tap_check $rc "dkms.conf's PACKAGE_VERSION is MLH_MODULE_VERSION" "dkms.conf: '$pkg', mlh.h: '$want'"

tree=$BUILD/dkms
rm -rf "$tree"
mkdir -p "$tree/src" "$tree/dkms"
dkms_do() { dkms "$@" --sourcetree "$tree/src" --dkmstree "$tree/dkms"; }
rc=0
dkms_do add "$ROOT/module" > "$OUT-dkms.log" 2>&1 || rc=$?
tap_check $rc "dkms add" "$(tail -n 15 "$OUT-dkms.log")"

# dkms_build NAME KDIR: one result; dkms's exit status is returned.
dkms_build() {
	local name=$1 kdir=$2 krel rc=0
	krel=$(cat "$kdir/include/config/kernel.release")
	KBUILD_MODPOST_WARN=1 dkms_do build -m mmap_lock_hold -v "$pkg" \
		-k "$krel" --kernelsourcedir "$kdir" >> "$OUT-dkms.log" 2>&1 || rc=$?
	return $rc
}

rc=0
dkms_build 6.12 "$K612_OBJ" || rc=$?
[ $rc -eq 0 ] && [ -n "$(find "$tree/dkms" -path "*/$K612_KERNELVERSION/*" -name 'mmap_lock_hold.ko*')" ] || rc=1
tap_check $rc "dkms builds for 6.12" "$(tail -n 15 "$OUT-dkms.log")"

if [ -f "$BUILD/obj/test/include/config/kernel.release" ]; then
	rc=0
	dkms_build 6.1 "$BUILD/obj/test" || rc=$?
	tap_check $rc "dkms builds for the patched 6.1 tree" "$(tail -n 15 "$OUT-dkms.log")"
else
	tap_skip "dkms builds for the patched 6.1 tree" "no build/obj/test (make kernel)"
fi

# A kernel outside BUILD_EXCLUSIVE_KERNEL: skipped, dkms's status 77.
rc=0
KBUILD_MODPOST_WARN=1 dkms_do build -m mmap_lock_hold -v "$pkg" -k 6.5.0 \
	--kernelsourcedir "$K612_OBJ" >> "$OUT-dkms.log" 2>&1 || rc=$?
skip=0
[ $rc -eq 77 ] || skip=1
tap_check $skip "dkms skips 6.5 (BUILD_EXCLUSIVE_KERNEL)" "dkms build -k 6.5.0: exit $rc, not 77"

tap_done module-612
