# SPDX-License-Identifier: GPL-2.0
# selftests/run.sh's judge of one program's output: the rules of
# selftests/ktap.awk, the very ones the guests' log judge applies.
#   awk -v name=NAME -v status=EXIT_STATUS [-v timeout=SECONDS] \
#       -f selftests/ktap.awk -f selftests/run.awk LOG
# timeout: set when run.sh's timeout killed the program.  Prints
# "PASSED FAILED SKIPPED" on the first line, then the note and the
# failing lines, if any, one per line.

BEGIN {
	begin_test(name)
}

{
	sub(/\r+$/, "")
	tap_line($0)
}

END {
	if (timeout != "")
		timedout[cur] = timeout "s"
	end_test(status + 0)
	print cp[1], cf[1], cs[1]
	if (cnote[1] != "")
		print cnote[1]
	n = split(fails[1], l, "\n")
	for (i = 1; i <= n; i++) {
		sub(/^ +/, "", l[i])
		if (l[i] != "")
			print l[i]
	}
}
