#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mlh_contexts can fail: run it alone in a guest of the test kernel
# (scripts/checks/vmtest.sh, VM_ONLY) with the module as it is and with
# a module whose probes no longer ignore events outside task context,
# and keep each guest's console and parsed results.
#   ok      module/: must pass
#   mutant  both probes without their in_task() test: must fail
# summary.txt: one line per run, its verdict and whether it is the one due.
#   scripts/evidence/contexts.sh          (after 'make kernel')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

out=$(evidence_dir contexts)
mutant=$BUILD/evidence/contexts-mutant

module_mutant "$mutant" hold.c 's/ || !in_task() || / || /' "$out/mutant.diff"

run() {
	guest_verdict "$out" contexts "$1" "$2" "$S/checks/vmtest.sh" \
		VM_ONLY=mlh_contexts "${@:3}"
}

{
	run ok pass
	run mutant fail MODULE_SRC="$mutant"
} | tee "$out/summary.txt"
! grep -q WRONG "$out/summary.txt"
