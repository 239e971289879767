#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the series' KUnit suites with the kernel's own runner:
#   tools/testing/kunit/kunit.py run --arch=x86_64 --kunitconfig=kunit/.kunitconfig
# in the patched tree, in QEMU (KVM when it really works, TCG otherwise).
# The build lives in build/obj/kunit and is incremental.  Results come
# from kunit.py's JSON; the kernel log is also scanned for splats.
# Usage: scripts/kunit.sh                 (records suite 'kunit')
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need qemu-system-x86_64 qemu-system-x86
[ -f "$LINUX/tools/testing/kunit/kunit.py" ] || die "$LINUX is not prepared: run 'make prepare'"

OBJ=$BUILD/obj/kunit
JSON=$RESULTS/kunit.json
mkdir -p "$OBJ" "$RESULTS"
rm -f "$JSON"

qemu_args=(--qemu_args "-smp 2")
if [ "$("$ROOT/scripts/kvm-works.sh")" = kvm ]; then
	qemu_args+=(--qemu_args "-accel kvm" --qemu_args "-cpu host")
fi

log "kunit: building and running in QEMU (log: $RESULTS/kunit.log)"
set +e
(cd "$LINUX" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig="$ROOT/kunit/.kunitconfig" --build_dir="$OBJ" \
	--jobs="$(jobs_count)" --timeout="${KUNIT_TIMEOUT:-900}" \
	"${qemu_args[@]}" --json="$JSON") > "$RESULTS/kunit.log" 2>&1
rc=$?
set -e
grep -E '^\[[0-9:]+\] (=|\[|Testing|Ran|Elapsed|ERROR|.*(PASSED|FAILED|SKIPPED|CRASHED))' \
	"$RESULTS/kunit.log" | sed 's/^/# /' || true

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
[ "$pass" -gt 0 ] || { echo "# kunit: no test case ran"; fail=$((fail + 1)); }
[ $rc -eq 0 ] || [ "$fail" -gt 0 ] || { echo "# kunit.py exited $rc"; fail=$((fail + 1)); }
fail=$((fail + ${splats:-0}))

record_counts kunit "$pass" "$fail" "$skip"
echo "# kunit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
