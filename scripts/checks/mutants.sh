#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove the KUnit suites can fail: break the kernel on purpose, one
# mutant at a time (kunit/mutants/*.mutant, applied by apply-mutant.py),
# rebuild incrementally, run kunit.py and require that the run fails and
# that every test case the mutant names fails.  The tree is restored
# after each mutant and on any exit.
# Usage: scripts/checks/mutants.sh        (records suite 'mutants')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/kunit-lib.sh"

OBJ=$BUILD/obj/kunit
[ -f "$LINUX/tools/testing/kunit/kunit.py" ] || die "$LINUX is not prepared: run 'make prepare'"
[ -z "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ] ||
	die "$LINUX has uncommitted changes: commit them before mutating it"
results_begin mutants
mkdir -p "$RESULTS/mutants"

restore() { git -C "$LINUX" checkout -q -- . ; }
trap restore EXIT

for m in "$ROOT"/kunit/mutants/*.mutant; do
	name=$(basename "$m" .mutant)
	json=$RESULTS/mutants/$name.json
	if ! expect=$(python3 "$S/checks/apply-mutant.py" "$m" "$LINUX"); then
		tap_fail "$name # mutant does not apply"
		continue
	fi
	log "mutant $name: expecting $expect to fail"
	kunit_run "$OBJ" "$json" > "$RESULTS/mutants/$name.log" 2>&1 && rc=0 || rc=$?
	restore
	failed=$(kunit_json failed "$json")
	missed=()
	for c in $expect; do
		grep -qx "$c" <<<"$failed" || missed+=("$c")
	done
	if [ "$rc" -ne 0 ] && [ -n "$failed" ] && [ ${#missed[@]} -eq 0 ]; then
		tap_ok "$name # caught by: ${failed//$'\n'/ }"
	else
		tap_fail "$name # kunit.py rc=$rc; not caught by: ${missed[*]:-every case passed}"
	fi
done
tap_done mutants
