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

out=$ROOT/Documentation/results/evidence/lockdown
mutant=$BUILD/evidence/lockdown-mutant
rm -rf "$out" "$mutant"
mkdir -p "$out" "$mutant"

# The mutant: module/ with the enable ioctl gated like the debugfs files.
cp -a "$ROOT/module/." "$mutant/"
sed -i 's|^#include "mlh.h"$|#include <linux/security.h>\n&|;
	s|return mlh_ctl_enable(arg);|return security_locked_down(LOCKDOWN_DEBUGFS) ?: mlh_ctl_enable(arg);|' \
	"$mutant/drive.c"
grep -q 'LOCKDOWN_DEBUGFS' "$mutant/drive.c" ||
	die "the mutant did not apply to module/drive.c: update $0"
diff -u --label a/module/drive.c --label b/module/drive.c \
	"$ROOT/module/drive.c" "$mutant/drive.c" > "$out/mutant.diff" || true

# run NAME DUE ENV...: one lockdown.sh run; DUE is pass or fail.
run() {
	local name=$1 due=$2 rc got
	shift 2
	log "lockdown evidence: $name (must $due)"
	rc=0
	env "$@" VM_NAME="lockdown-$name" "$S/checks/lockdown.sh" \
		> "$out/$name.host.log" 2>&1 || rc=$?
	cp "$BUILD/results/lockdown-$name-latest/lockdown-$name.console.log" \
		"$BUILD/results/lockdown-$name-latest/lockdown-$name.results.txt" "$out/"
	got=$( ((rc == 0)) && echo pass || echo fail)
	printf '%-12s %-5s (due: %s) %s %s\n' "$name" "$got" "$due" \
		"$( [ "$got" = "$due" ] && echo ok || echo WRONG)" \
		"$(grep -a -o "lockdown-$name: [0-9]* passed[^(]*" "$out/$name.host.log" | tail -n 1)"
}

{
	run ok pass LOCKDOWN=integrity
	run no-lockdown fail LOCKDOWN=
	run mutant fail LOCKDOWN=integrity MODULE_SRC="$mutant"
} | tee "$out/summary.txt"
! grep -q WRONG "$out/summary.txt"
