# SPDX-License-Identifier: GPL-2.0
# The judge of one kselftest program's output, for the two places that
# run the selftests: selftests/run.sh on any machine (with run.awk) and
# the guests' consoles (scripts/vm/parse-log.awk); both count the same
# way because both are this file.  Load it first:
#   awk -f selftests/ktap.awk -f PROGRAM ...
# PROGRAM calls begin_test(NAME), tap_line(LINE) for each line of the
# program's output, sets timedout[cur] if it was killed by a timeout, and
# end_test(EXIT_STATUS, or "" if it never finished); the result is in
# tname[i], cp[i], cf[i], cs[i] (passed, failed, skipped), rc[i],
# cnote[i] and fails[i] (the failing lines, each after a newline) for
# i = 1..ntest.
#
# Per program:
#  - a kselftest "# Totals: pass:P fail:F xfail:XF xpass:XP skip:S error:E"
#    line wins: passed P+XF, failed F+XP+E, skipped S;
#  - otherwise only top-level TAP results count, i.e. "ok"/"not ok" at
#    column 0 (nested KTAP subtests are indented, kernel lines carry a
#    timestamp): "# SKIP" is a skip, "# TODO"/"# XFAIL" a pass, other
#    "not ok" a failure;
#  - then at most one extra failure: timed out (killed by run.sh's or the
#    guest's timeout), never finished (the guest: no TEST-END, it
#    crashed or rebooted), fewer results than its "1..N" plan, or a
#    non-zero exit with no failure counted (a crash, a signal). Exit
#    status 4 (KSFT_SKIP) with no failures is a skip instead;
#  - a program that printed no results and exited 0 is one pass.
# Expectations (expect_file): a program may be run on a kernel where some
# of its cases must fail (the stock kernel under the series' rules).
# Each line of the file, '#' comments aside:
#   NAME PROGRAM ENVIRONMENT CASE...
# NAME is the run_test name, CASE the TAP description of a case that
# must fail ("-": none); PROGRAM and ENVIRONMENT are the plan's (see
# scripts/checks/stock.sh).  For a program with a line there, top-level
# results count (its Totals line does not): a named case that fails
# counts as a pass ("failed as it must"), one that passes as a failure,
# one that never reports as a failure; a non-zero exit explained by
# failures that were due is no failure.

# read_expectations(): the must-fail cases of expect_file, by NAME.
function read_expectations(   line, f, n, i, rc) {
	while ((rc = getline line < expect_file) > 0) {
		sub(/#.*/, "", line)
		n = split(line, f)
		if (n == 0)
			continue
		if (n < 4) {
			printf("%s: %s: '%s': want NAME PROGRAM ENVIRONMENT CASE...\n",
			       suite, expect_file, line)
			bad_expect = 1
			continue
		}
		expected[f[1]] = 1
		for (i = 4; i <= n; i++)
			if (f[i] != "-") {
				must_fail[f[1], f[i]] = 1
				must_list[f[1]] = must_list[f[1]] " " f[i]
			}
	}
	if (rc < 0) {
		printf("%s: cannot read %s\n", suite, expect_file)
		bad_expect = 1
	}
	close(expect_file)
}

function begin_test(n) {
	ntest++
	tname[ntest] = n
	cur = ntest
	tp[cur] = tf[cur] = ts[cur] = 0
	planned[cur] = totals[cur] = timedout[cur] = 0
	rc[cur] = ""
	fails[cur] = ""
	xfail[cur] = 0
}

function end_test(code,   p, f, s, note, seen_n, n, c, i, unseen) {
	rc[cur] = code
	if (expected[tname[cur]]) {
		n = split(must_list[tname[cur]], c)
		for (i = 1; i <= n; i++)
			if (!((cur, c[i]) in seen_case)) {
				tf[cur]++
				unseen = unseen " " c[i]
			}
		if (unseen != "")
			fails[cur] = fails[cur] "\n      must fail, never reported:" unseen
	}
	if (totals[cur]) {
		p = tot_pass[cur] + tot_xfail[cur]
		f = tot_fail[cur] + tot_xpass[cur] + tot_error[cur]
		s = tot_skip[cur]
	} else {
		p = tp[cur]; f = tf[cur]; s = ts[cur]
	}
	seen_n = p + f + s
	note = ""
	if (timedout[cur]) {
		f++; note = "timed out after " timedout[cur]
	} else if (code == "") {
		f++; note = "did not finish"
	} else if (!totals[cur] && planned[cur] > seen_n) {
		f++; note = "planned " planned[cur] ", saw " seen_n
	} else if (code != 0 && f == 0 && xfail[cur]) {
		note = "exit status " code ": the failures that were due"
	} else if (code != 0 && f == 0) {
		if (code == 4) {
			if (seen_n == 0)
				s++
			note = "exit 4 (KSFT_SKIP)"
		} else {
			f++; note = "exit status " code
		}
	}
	if (seen_n == 0 && f == 0 && s == 0) {
		p++; note = "no TAP output, passed by exit status"
	}
	cp[cur] = p; cf[cur] = f; cs[cur] = s
	cnote[cur] = note
	cur = 0
}

function tap_line(line,   d, c) {
	if (line ~ /^# Totals: / && !expected[tname[cur]]) {
		totals[cur] = 1
		tot_pass[cur] = field(line, "pass")
		tot_fail[cur] = field(line, "fail")
		tot_xfail[cur] = field(line, "xfail")
		tot_xpass[cur] = field(line, "xpass")
		tot_skip[cur] = field(line, "skip")
		tot_error[cur] = field(line, "error")
		return
	}
	if (line ~ /^1\.\.[0-9]+/ && !planned[cur]) {
		planned[cur] = substr(line, 4) + 0
		return
	}
	if (line !~ /^(not )?ok( |$)/)
		return
	d = ""
	if (match(line, / #/))
		d = toupper(substr(line, RSTART + 2))
	sub(/^ +/, "", d)
	c = line
	sub(/^(not )?ok [0-9]* */, "", c)
	sub(/ *#.*/, "", c)
	if ((tname[cur], c) in must_fail) {
		seen_case[cur, c] = 1
		if (d ~ /^SKIP/) {
			ts[cur]++
		} else if (line ~ /^not ok/) {
			tp[cur]++
			xfail[cur]++
			fails[cur] = fails[cur] "\n      failed as it must: " c
		} else {
			tf[cur]++
			fails[cur] = fails[cur] "\n      passed, but must fail here: " line
		}
		return
	}
	if (d ~ /^SKIP/)
		ts[cur]++
	else if (d ~ /^(TODO|XFAIL)/ || line ~ /^ok/)
		tp[cur]++
	else {
		tf[cur]++
		if (tf[cur] <= 5)
			fails[cur] = fails[cur] "\n      " line
	}
}

function field(line, key,   a, n, i) {
	n = split(line, a, /[ :]+/)
	for (i = 1; i < n; i++)
		if (a[i] == key)
			return a[i + 1] + 0
	return 0
}

