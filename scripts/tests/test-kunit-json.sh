#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of checks/kunit-json.py, which turns kunit.py's JSON report
# into the counts of 'make kunit' and the failed cases 'make mutants'
# looks for.  Prints TAP and a final "N passed, N failed" line.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

tool=$S/checks/kunit-json.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check DESCRIPTION COMMAND WANT < JSON: the tool's output must be WANT.
check() {
	local desc=$1 cmd=$2 want=$3 got rc=0
	cat >"$tmp/report.json"
	got=$(python3 "$tool" "$cmd" "$tmp/report.json" 2>&1 | tr '\n' ' ')
	[[ ${got% } == "$want" ]] || rc=1
	tap_check $rc "$desc" "want '$want', got '${got% }'"
}

nested='{"name": "main", "test_cases": [], "sub_groups": [
  {"name": "munmap_gather_complete", "test_cases": [
    {"name": "a", "status": "PASS"}, {"name": "b", "status": "FAIL"},
    {"name": "c", "status": "SKIP"}], "sub_groups": [
    {"name": "inner", "test_cases": [
      {"name": "d", "status": "CRASHED"}, {"name": "e", "status": "PASS"}]}]}]}'

check "cases of nested suites are all counted" counts "2 2 1" <<<"$nested"
check "every case that did not pass is named" failed "b c d" <<<"$nested"
check "an empty report passes nothing" counts "0 0 0" <<<'{"name": "main"}'
check "a truncated report is one failure" counts "0 1 0" <<<'{"name": "ma'
check "a truncated report names no case" failed "" <<<'{"name": "ma'
check "a case without a status fails" counts "0 1 0" \
	<<<'{"test_cases": [{"name": "x"}]}'

tap_summary
