#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lockdown stage can fail: run scripts/checks/lockdown.sh three ways
# on the test kernel and keep each guest's console and parsed results.
#   ok          as 'make test' runs it: must pass
#   no-lockdown booted without lockdown=: mlh_controls' 'lockdown' case
#               must fail (MLH_EXPECT_LOCKDOWN=1), not SKIP
#   mutant      lockdown=integrity, and a module whose MLH_IOC_ENABLE
#               refuses under lockdown as debugfs does
#               (security_locked_down(LOCKDOWN_DEBUGFS)): must fail
# summary.txt: one line per run, its verdict and whether it is the one due.
#   scripts/evidence/lockdown.sh          (after 'make kernel')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

out=$(evidence_dir lockdown)
mutant=$BUILD/evidence/lockdown-mutant

# The mutant: module/ with the enable ioctl gated like the debugfs files.
module_mutant "$mutant" drive.c \
	's|^#include "mlh.h"$|#include <linux/security.h>\n&|;
	 s|return mlh_ctl_enable(arg);|return security_locked_down(LOCKDOWN_DEBUGFS) ?: mlh_ctl_enable(arg);|' \
	"$out/mutant.diff"

run() { guest_verdict "$out" lockdown "$1" "$2" "$S/checks/lockdown.sh" "${@:3}"; }

{
	run ok pass LOCKDOWN=integrity
	run no-lockdown fail LOCKDOWN=
	run mutant fail LOCKDOWN=integrity MODULE_SRC="$mutant"
} | tee "$out/summary.txt"
! grep -q WRONG "$out/summary.txt"
