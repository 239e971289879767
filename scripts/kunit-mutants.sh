#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove the KUnit suites can fail: break the kernel on purpose, one
# mutant at a time (kunit/mutants/*.mutant), rebuild incrementally, run
# kunit.py and require that the run fails and that every test case the
# mutant names fails.  The tree is restored after each mutant.
# Usage: scripts/kunit-mutants.sh         (records suite 'mutants')
#
# A .mutant file: '#' comments, 'file: PATH', 'expect-fail: CASE...',
# then '--- old' and '--- new' blocks; the old text must occur exactly
# once in PATH.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kunit-lib.sh"

OBJ=$BUILD/obj/kunit
[ -f "$LINUX/tools/testing/kunit/kunit.py" ] || die "$LINUX is not prepared: run 'make prepare'"
[ -z "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ] ||
	die "$LINUX has uncommitted changes: commit them before mutating it"
mkdir -p "$RESULTS/mutants"

restore() { git -C "$LINUX" checkout -q -- . ; }
trap restore EXIT

# apply_mutant MUTANT: edit the tree; print the expected failing cases.
apply_mutant() {
	python3 - "$1" "$LINUX" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
head, old, new = re.split(r'^--- (?:old|new)\n', text, flags=re.M)
meta = dict(re.findall(r'^(file|expect-fail): *(.*)$', head, re.M))
path = sys.argv[2] + '/' + meta['file']
src = open(path).read()
if src.count(old) != 1:
    sys.exit('%s: old text found %d times in %s' % (sys.argv[1], src.count(old), meta['file']))
open(path, 'w').write(src.replace(old, new))
print(meta['expect-fail'])
PY
}

pass=0 fail=0 n=0
for m in "$ROOT"/kunit/mutants/*.mutant; do
	n=$((n + 1))
	name=$(basename "$m" .mutant)
	json=$RESULTS/mutants/$name.json
	if ! expect=$(apply_mutant "$m"); then
		echo "not ok $n $name # mutant does not apply"
		fail=$((fail + 1))
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
	if [ $rc -ne 0 ] && [ -n "$failed" ] && [ ${#missed[@]} -eq 0 ]; then
		echo "ok $n $name # caught by: $(echo $failed)"
		pass=$((pass + 1))
	else
		echo "not ok $n $name # kunit.py rc=$rc; not caught by: ${missed[*]:-every case passed}"
		fail=$((fail + 1))
	fi
done
record_counts mutants $pass $fail 0
[ $fail -eq 0 ]
