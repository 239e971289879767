#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run kselftest programs, print their TAP, then one summary line
#
#	N passed, N failed, N skipped
#
# judged by selftests/ktap.awk, the judge of the test VMs' logs too: a
# program's "# Totals:" line wins (xfail counts as passed; fail, xpass
# and error as failed), else its top-level TAP results; one failure more
# for a program that timed out, fell short of its "1..N" plan, or
# exited non-zero (a crash, a signal) without reporting a failure; exit
# status 4 (KSFT_SKIP) with nothing reported is a skip.  Exits 1 if
# anything failed.  Each program's output is kept in <program>.tap.
#
# Usage: run.sh [-p PREFIX] [-t SECONDS] PROGRAM... [-t SECONDS PROGRAM...]...
#	-t: the timeout of the programs after it (default 45 s, the
#	kernel's kselftest default; the Makefile passes each collection's
#	'settings'); a program that outlives it is killed and counts as
#	one failure.
#	-p: printed before the summary line, when a caller adds the counts
#	of several runs and prints the one summary itself
#	(run_kselftest.sh).
# Plain POSIX sh, awk and timeout(1): busybox is enough.

dir=$(dirname "$0")
passed=0
failed=0
skipped=0
limit=45
next_is_limit=
prefix=
if [ "${1:-}" = -p ]; then
	prefix=$2
	shift 2
fi

for prog in "$@"; do
	if [ "$prog" = -t ]; then
		next_is_limit=1
		continue
	fi
	if [ -n "$next_is_limit" ]; then
		limit=$prog
		next_is_limit=
		continue
	fi
	name=${prog##*/}
	log=$prog.tap
	printf '# selftest: %s\n' "$name"
	start=$(date +%s)
	# The pipe hides the exit status from sh; pass it out through a file.
	# -k: a program that ignores SIGTERM must still end.
	{ timeout -k 10 "$limit" "$prog"; echo $? > "$log.rc"; } 2>&1 | tee "$log"
	rc=$(cat "$log.rc" 2>/dev/null || echo 127)
	rm -f "$log.rc"
	killed=
	if [ $(($(date +%s) - start)) -ge "$limit" ] &&
		{ [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] || [ "$rc" -eq 143 ]; }; then
		killed=$limit
	fi

	verdict=$(awk -v name="$name" -v status="$rc" -v timeout="$killed" \
		-f "$dir/ktap.awk" -f "$dir/run.awk" "$log")
	# The first line: the three counts.
	read -r p f s <<-END
	$verdict
	END
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	printf '%s\n' "$verdict" | tail -n +2 | sed "s/^/# $name: /"
	printf '# %s: %d passed, %d failed, %d skipped (exit status %s)\n' \
		"$name" "$p" "$f" "$s" "$rc"
done

printf '%s%d passed, %d failed, %d skipped\n' "$prefix" $passed $failed $skipped
[ $failed -eq 0 ]
