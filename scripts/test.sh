#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make test': everything from a fresh clone to one closing line.
#   script self-checks -> deps -> prepare build/linux -> quilt
#   -> checkpatch -> bisect builds
#   -> KUnit in QEMU -> KUnit on broken kernels -> the module against
#   the patched and stock trees -> in-VM tests (module loaded)
#   -> stress-ng in the VM (module recording) -> 'N passed, N failed, N skipped'
# Every stage records its counts in build/results/<suite>.counts; a stage
# that stops without recording anything counts as one failure.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
start=$(date +%s)

# stage SUITE CMD...: run CMD, make sure SUITE has counts afterwards.
stage() {
	local suite=$1 t0 rc
	shift
	t0=$(date +%s)
	log "[$suite] $*"
	"$@"
	rc=$?
	[ -f "$RESULTS/$suite.counts" ] || record_counts "$suite" 0 1 0
	printf '%s %s\n' "$suite" "$(( $(date +%s) - t0 ))" >> "$RESULTS/times"
	log "[$suite] done in $(( $(date +%s) - t0 )) s (rc=$rc)"
	return $rc
}

prepare() {
	"$ROOT/scripts/deps.sh" && "$ROOT/scripts/prepare-tree.sh" &&
		record_counts prepare 1 0 0
}

stage tooling "$ROOT/scripts/tooling-tests.sh"
if stage prepare prepare; then
	stage quilt "$ROOT/scripts/quilt-check.sh"
	stage checkpatch "$ROOT/scripts/checkpatch.sh"
	if stage bisect "$ROOT/scripts/bisect-check.sh"; then
		stage kunit "$ROOT/scripts/kunit.sh" &&
			stage mutants "$ROOT/scripts/kunit-mutants.sh"
		stage module-build "$ROOT/scripts/module-check.sh"
		stage vmtest "$ROOT/scripts/vmtest.sh"
		stage stress "$ROOT/scripts/stress.sh"
	else
		log "the series does not build: KUnit and in-VM tests not run"
	fi
fi

log "make test took $(( $(date +%s) - start )) s"
"$ROOT/scripts/summary.sh"
