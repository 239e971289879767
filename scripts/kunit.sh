#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the series' KUnit suites with the kernel's own runner:
#   tools/testing/kunit/kunit.py run --arch=x86_64 --kunitconfig=kunit/.kunitconfig
# in the patched tree, in QEMU (KVM when it really works, TCG otherwise).
# The build lives in build/obj/kunit and is incremental.  Results come
# from kunit.py's JSON; the kernel log is also scanned for splats.
# Usage: scripts/kunit.sh                 (records suite 'kunit')
# Env:   KUNIT_SUITE=name to record under (kunit), KUNIT_OBJ=build dir
#        (build/obj/kunit), KUNIT_KCONFIG=an extra kunitconfig fragment
#        merged on top (make test-debug adds KASAN and friends).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need qemu-system-x86_64 qemu-system-x86
[ -f "$LINUX/tools/testing/kunit/kunit.py" ] || die "$LINUX is not prepared: run 'make prepare'"

SUITE=${KUNIT_SUITE:-kunit}
OBJ=${KUNIT_OBJ:-$BUILD/obj/kunit}
JSON=$RESULTS/$SUITE.json
mkdir -p "$OBJ" "$RESULTS"
rm -f "$JSON"

cc=$(kernel_cc)
kunitconfigs=(--kunitconfig="$ROOT/kunit/.kunitconfig")
[ -z "${KUNIT_KCONFIG:-}" ] || kunitconfigs+=(--kunitconfig="$KUNIT_KCONFIG")

# An oops in a test case panics and ends the guest at once, instead of
# leaving the suite to wait out KUnit's per-case timeout.
qemu_args=(--qemu_args "-smp 2" --kernel_args oops=panic --kernel_args panic=-1)
if [ "$("$ROOT/scripts/kvm-works.sh")" = kvm ]; then
	qemu_args+=(--qemu_args "-accel kvm" --qemu_args "-cpu host")
fi

log "$SUITE: building and running in QEMU (log: $RESULTS/$SUITE.log)"
set +e
(cd "$LINUX" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	"${kunitconfigs[@]}" --build_dir="$OBJ" ${cc:+--make_options="CC=$cc"} \
	--jobs="$(jobs_count)" --timeout="${KUNIT_TIMEOUT:-300}" \
	"${qemu_args[@]}" --json="$JSON") > "$RESULTS/$SUITE.log" 2>&1
rc=$?
set -e
grep -E '^\[[0-9:]+\] (=|\[|Testing|Ran|Elapsed|ERROR|.*(PASSED|FAILED|SKIPPED|CRASHED))' \
	"$RESULTS/$SUITE.log" | sed 's/^/# /' || true

# Count test cases from the JSON; no JSON means kunit.py never got there.
read -r pass fail skip < <(python3 - "$JSON" <<'PY'
import json, sys
counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
def walk(group):
    for case in group.get("test_cases", []):
        status = case.get("status", "FAIL")
        counts[status if status in counts else "FAIL"] += 1
    for sub in group.get("sub_groups", []):
        walk(sub)
try:
    walk(json.load(open(sys.argv[1])))
except (OSError, ValueError):
    counts["FAIL"] += 1
print(counts["PASS"], counts["FAIL"], counts["SKIP"])
PY
)

# A splat during the run fails it even if every case passed.
# scan-splats.sh prints the count; exit 2 means it could not scan at all.
splats=0
if [ -f "$OBJ/test.log" ]; then
	src=0
	splats=$("$ROOT/scripts/scan-splats.sh" "$OBJ/test.log") || src=$?
	[ "$src" -le 1 ] || splats=1
fi
[ "$pass" -gt 0 ] || { echo "# $SUITE: no test case ran"; fail=$((fail + 1)); }
[ $rc -eq 0 ] || [ "$fail" -gt 0 ] || { echo "# kunit.py exited $rc"; fail=$((fail + 1)); }
fail=$((fail + ${splats:-0}))

record_counts "$SUITE" "$pass" "$fail" "$skip"
echo "# $SUITE: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
