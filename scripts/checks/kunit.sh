#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the series' KUnit suites with the kernel's own runner:
#   tools/testing/kunit/kunit.py run --arch=x86_64 --kunitconfig=kunit/.kunitconfig
# in the patched tree, in QEMU (KVM when it really works, TCG otherwise).
# The build lives in build/obj/kunit and is incremental.  Results come
# from kunit.py's JSON; the kernel log is also scanned for splats.
# Usage: scripts/checks/kunit.sh          (records suite 'kunit')
# Env:   KUNIT_SUITE=name to record under (kunit), KUNIT_OBJ=build dir
#        (build/obj/kunit), KUNIT_KCONFIG=an extra kunitconfig fragment
#        merged on top (make test-debug adds KASAN and friends).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/kunit-lib.sh"

need qemu-system-x86_64 qemu-system-x86
[ -f "$LINUX/tools/testing/kunit/kunit.py" ] || die "$LINUX is not prepared: run 'make prepare'"

SUITE=${KUNIT_SUITE:-kunit}
OBJ=${KUNIT_OBJ:-$BUILD/obj/kunit}
results_begin "$SUITE"
JSON=$RESULTS/$SUITE.json

extra=()
[ -z "${KUNIT_KCONFIG:-}" ] || extra+=("$KUNIT_KCONFIG")

log "$SUITE: building and running in QEMU (log: $RESULTS/$SUITE.log)"
rc=0
kunit_run "$OBJ" "$JSON" "${extra[@]}" > "$RESULTS/$SUITE.log" 2>&1 || rc=$?
grep -E '^\[[0-9:]+\] (=|\[|Testing|Ran|Elapsed|ERROR|.*(PASSED|FAILED|SKIPPED|CRASHED))' \
	"$RESULTS/$SUITE.log" | sed 's/^/# /' || true

# Count test cases from the JSON; no JSON means kunit.py never got there.
read -r pass fail skip < <(kunit_json counts "$JSON")

# A splat during the run fails it even if every case passed.
# scan-splats.sh prints the count; exit 2 means it could not scan at all.
splats=0
if [ -f "$OBJ/test.log" ]; then
	src=0
	splats=$("$S/vm/scan-splats.sh" "$OBJ/test.log") || src=$?
	[ "$src" -le 1 ] || splats=1
fi
[ "$pass" -gt 0 ] || { echo "# $SUITE: no test case ran"; fail=$((fail + 1)); }
[ $rc -eq 0 ] || [ "$fail" -gt 0 ] || { echo "# kunit.py exited $rc"; fail=$((fail + 1)); }
fail=$((fail + ${splats:-0}))

record_counts "$SUITE" "$pass" "$fail" "$skip"
echo "# $SUITE: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
