#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make test-debug': the patched tree with KASAN, kmemleak, page-alloc and
# object debugging on top of the test config; runs the in-VM tests and
# the short stress-ng run of 'make test' on it, and KUnit with the same
# options.  Optional and slow: not part of 'make test'.  Ends with the
# same closing line as 'make test'.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

OBJ=$BUILD/obj/debug
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

"$ROOT/scripts/deps.sh" && "$ROOT/scripts/prepare-tree.sh" || exit 1

log "building the debug kernel in $OBJ"
if "$ROOT/scripts/build-kernel.sh" "$LINUX" "$OBJ" \
	"$ROOT/scripts/kconfig/test.config" "$ROOT/scripts/kconfig/debug.config" \
	-- "$ROOT/scripts/kconfig/series.config" > "$RESULTS/debug-build.log" 2>&1; then
	record_counts debug-build 1 0 0
	KERNEL=$OBJ/arch/x86/boot/bzImage VM_NAME=vmtest-debug \
		"$ROOT/scripts/vmtest.sh" || true
	[ -f "$RESULTS/vmtest-debug.counts" ] || record_counts vmtest-debug 0 1 0
	# KASAN and page poisoning slow every window down: twice the bound.
	KERNEL=$OBJ/arch/x86/boot/bzImage VM_NAME=stress-debug \
		STRESS_MUNMAP_MAX_MS=${STRESS_MUNMAP_MAX_MS:-4000} \
		"$ROOT/scripts/stress.sh" || true
	[ -f "$RESULTS/stress-debug.counts" ] || record_counts stress-debug 0 1 0
else
	tail -n 20 "$RESULTS/debug-build.log" >&2
	record_counts debug-build 0 1 0
fi

KUNIT_SUITE=kunit-debug KUNIT_OBJ=$BUILD/obj/kunit-debug \
	KUNIT_KCONFIG=$ROOT/scripts/kconfig/debug.config "$ROOT/scripts/kunit.sh" || true
[ -f "$RESULTS/kunit-debug.counts" ] || record_counts kunit-debug 0 1 0

"$ROOT/scripts/summary.sh"
