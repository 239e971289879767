#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make test-debug': the patched tree with KASAN, kmemleak, page-alloc and
# object debugging on top of the test config; runs the in-VM tests and
# the short stress-ng run of 'make test' on it, and KUnit with the same
# options.  Optional and slow: not part of 'make test'.  Same stage
# runner, results layout (build/results/test-debug-<time>/) and closing
# line as 'make test'.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

results_begin test-debug
start=$SECONDS
OBJ=$BUILD/obj/debug
KERNEL=$OBJ/arch/x86/boot/bzImage

"$S/deps.sh" && "$S/kernel/prepare-tree.sh" || exit 1

build_debug_kernel() {
	log "building the debug kernel in $OBJ (log: $RESULTS/debug-build.log)"
	if "$S/kernel/build-kernel.sh" "$LINUX" "$OBJ" \
		"$S/kernel/kconfig/test.config" "$S/kernel/kconfig/debug.config" \
		-- "$S/kernel/kconfig/series.config" > "$RESULTS/debug-build.log" 2>&1; then
		record_counts debug-build 1 0 0
	else
		tail -n 20 "$RESULTS/debug-build.log" >&2
		record_counts debug-build 0 1 0
		return 1
	fi
}

if stage debug-build build_debug_kernel; then
	stage vmtest-debug env KERNEL="$KERNEL" VM_NAME=vmtest-debug \
		"$S/checks/vmtest.sh"
	# KASAN and page poisoning slow every window down: twice the bound.
	stage stress-debug env KERNEL="$KERNEL" VM_NAME=stress-debug \
		STRESS_MUNMAP_MAX_MS="${STRESS_MUNMAP_MAX_MS:-4000}" \
		"$S/checks/stress.sh"
fi
stage kunit-debug env KUNIT_SUITE=kunit-debug KUNIT_OBJ="$BUILD/obj/kunit-debug" \
	KUNIT_KCONFIG="$S/kernel/kconfig/debug.config" "$S/checks/kunit.sh"

record_run test-debug $((SECONDS - start))
summary
