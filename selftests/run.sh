#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run kselftest programs, print their TAP, then one summary line
#
#	N passed, N failed, N skipped
#
# summed from the "# Totals:" line each program prints (xfail and xpass
# count as passed, error as failed).  A program that dies before its totals, or
# exits non-zero without reporting a failure, counts as one failure more.  Exits
# 1 if anything failed.  Each program's output is kept in <program>.tap.
#
# Usage: run.sh PROGRAM...	(plain POSIX sh: busybox is enough)

passed=0
failed=0
skipped=0
ksft_skip=4
n='\([0-9]*\)'
totals_re="^# Totals: pass:$n fail:$n xfail:$n xpass:$n skip:$n error:$n\$"

# add_totals PASS FAIL XFAIL XPASS SKIP ERROR
add_totals() {
	passed=$((passed + $1 + $3 + $4))
	failed=$((failed + $2 + $6))
	skipped=$((skipped + $5))
	reported_fail=$(($2 + $6))
}

for prog in "$@"; do
	name=${prog##*/}
	log=$prog.tap
	printf '# selftest: %s\n' "$name"
	# The pipe hides the exit status from sh; pass it out through a file.
	{ "$prog"; echo $? > "$log.rc"; } 2>&1 | tee "$log"
	rc=$(cat "$log.rc" 2>/dev/null || echo 127)
	rm -f "$log.rc"

	totals=$(sed -n "s/$totals_re/\1 \2 \3 \4 \5 \6/p" "$log" | tail -n 1)
	if [ -z "$totals" ]; then
		printf '# %s: exit status %s, no "# Totals:" line\n' "$name" "$rc"
		failed=$((failed + 1))
		continue
	fi
	# shellcheck disable=SC2086 # split the six counts into arguments
	add_totals $totals
	if [ "$rc" -ne 0 ] && [ "$rc" -ne $ksft_skip ] && [ $reported_fail -eq 0 ]; then
		printf '# %s: exit status %s\n' "$name" "$rc"
		failed=$((failed + 1))
	fi
done

printf '%d passed, %d failed, %d skipped\n' $passed $failed $skipped
[ $failed -eq 0 ]
