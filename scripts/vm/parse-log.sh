#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge a test VM's console log; record and print the counts.
#
# Usage: parse-log.sh [--expect FILE] LOGFILE NAME
# Prints kernel splats with context and a per-program table, calls
# record_counts NAME PASSED FAILED SKIPPED, exits 1 if anything failed.
# What counts how, and the --expect FILE of cases that must fail:
# scripts/vm/parse-log.awk and, per program, selftests/ktap.awk, the
# judge selftests/run.sh shares.  The per-program table also goes to
# $RESULTS/NAME.results.txt.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

usage() { die "usage: $0 [--expect FILE] LOGFILE NAME"; }
expect=''
if [[ ${1:-} == --expect ]]; then
	(($# >= 2)) || usage
	expect=$2
	shift 2
fi
(($# == 2)) || usage
logfile=$1 name=$2
[[ -r $logfile ]] || die "cannot read $logfile"
[[ -z $expect || -r $expect ]] || die "cannot read $expect"
results_begin "$name"

counts=$(mktemp)
trap 'rm -f "$counts"' EXIT

LC_ALL=C awk -v counts="$counts" -v suite="$name" -v expect_file="$expect" \
	-f "$ROOT/selftests/ktap.awk" -f "$S/vm/splats.awk" \
	-f "$S/vm/parse-log.awk" "$logfile" |
	tee "$RESULTS/$name.results.txt"

read -r passed failed skipped <"$counts"
record_counts "$name" "$passed" "$failed" "$skipped"
echo "$name: $passed passed, $failed failed, $skipped skipped (log: $logfile)" |
	tee -a "$RESULTS/$name.results.txt"
((failed == 0))
