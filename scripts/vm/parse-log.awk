# SPDX-License-Identifier: GPL-2.0
# The judge of a test VM's console log (scripts/vm/parse-log.sh runs it):
#   LC_ALL=C awk -v counts=FILE -v suite=NAME [-v expect_file=FILE] \
#       -f scripts/vm/splats.awk -f scripts/vm/parse-log.awk LOGFILE
# Prints kernel splats with context and a per-program table (stdout),
# writes "PASSED FAILED SKIPPED" to the file counts.
#
# Per program (@@TEST-BEGIN NAME@@ ... @@TEST-END NAME rc=N@@):
#  - a kselftest "# Totals: pass:P fail:F xfail:XF xpass:XP skip:S error:E"
#    line wins: passed P+XF, failed F+XP+E, skipped S;
#  - otherwise only top-level TAP results count, i.e. "ok"/"not ok" at
#    column 0 (nested KTAP subtests are indented, kernel lines carry a
#    timestamp): "# SKIP" is a skip, "# TODO"/"# XFAIL" a pass, other
#    "not ok" a failure;
#  - then at most one extra failure: timed out (@@TEST-TIMEOUT@@), never
#    finished (no TEST-END), fewer results than its "1..N" plan, or a
#    non-zero exit with no failure counted. Exit status 4 (KSFT_SKIP)
#    with no failures is a skip instead;
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
# For the whole run, one failure each for: the host killed a hung guest
# (@@HOST-TIMEOUT N@@, written by run-vm.sh), no @@PLAN-EXIT rc=N@@
# marker, a non-zero plan exit with no other failure, a plan that ran
# no program; and one per kernel splat found anywhere in the log (what a
# splat is, its grouping and dedupe: scripts/vm/splats.awk, shared with
# scan-splats.awk). Inside a program's output a splat line must carry a
# printk timestamp, so test output cannot fake one; outside, every line
# is the kernel's. Splat lines seen twice (console and the @@DMESG@@
# dump) count once. The plan may print "@@SPLAT-IGNORE ERE@@" to excuse
# expected splats.
# kmemleak: vm-init.sh prints /sys/kernel/debug/kmemleak after the plan
# between @@KMEMLEAK-BEGIN@@ and @@KMEMLEAK-END scan=ok|failed@@; each
# "unreferenced object" in it is one failure, unless a line of it (its
# backtrace) matches the ERE of a "@@KMEMLEAK-IGNORE ERE@@" printed
# before, outside any program (a known leak: named in the results). A
# failed scan or a report cut short is a failure too. That report lists
# every leak kmemleak has found and still sees unreferenced, so its "N
# new suspected memory leaks" lines count only when there is no report.

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

function marker_arg(line, tag,   s) {
	s = line
	sub(".*@@" tag " ", "", s)
	sub(/@@.*/, "", s)
	return s
}

# One object of the kmemleak report: "unreferenced object 0x... (size N):"
# then '  comm "NAME", pid N, jiffies N (age ...)', a hex dump, a backtrace.
# Its lines are kept until the next object or the end of the report.
function kmemleak_line(line,   s) {
	if (line ~ /^unreferenced object 0x/) {
		kmemleak_object_end()
		s = line
		sub(/:$/, "", s)
		kml_cur = s
		kml_nl = 0
		kml_comm = 1
	} else if (kml_comm && line ~ /^ +comm "/) {
		s = line
		sub(/^ +/, "", s)
		sub(/, jiffies.*/, "", s)
		kml_cur = kml_cur ", " s
		kml_comm = 0
	}
	if (kml_cur != "")
		kml_line[++kml_nl] = line
}

# Judge the object kept: a leak, or excused by a @@KMEMLEAK-IGNORE ERE@@
# matching any of its lines (its backtrace).
function kmemleak_object_end(   i, j) {
	if (kml_cur == "")
		return
	for (i = 1; i <= kml_nign; i++)
		for (j = 1; j <= kml_nl; j++)
			if (kml_line[j] ~ kml_ign[i]) {
				kml_xmsg[++kml_x] = kml_cur " (" kml_ign[i] ")"
				kml_cur = ""
				return
			}
	kml_msg[++kml_n] = kml_cur
	splat_print(sprintf("%s: kmemleak: leak %d in the report:", suite, kml_n))
	for (j = 1; j <= kml_nl && j <= 40; j++)
		splat_print("    | " kml_line[j])
	kml_cur = ""
}

# A kernel line saying kmemleak found leaks: kept for END, not a splat.
function kmemleak_summary(line, m,   key) {
	if (m !~ /^kmemleak: [0-9]+ new suspected memory leaks/)
		return 0
	key = line
	sub(/^.*\[ *[0-9]+\.[0-9]+\]/, "[", key)
	if (!(key in kml_sum_seen)) {
		kml_sum_seen[key] = 1
		kml_sum[++kml_sum_n] = m
	}
	return 1
}

BEGIN {
	splat_prefix = suite
	planexit = ""
	if (expect_file != "")
		read_expectations()
}

{
	sub(/\r+$/, "")
	gsub(/\r/, "")
	line = $0
	splat_context(line)

	# The report has no printk timestamps; kernel lines amid it are
	# judged as anywhere else.
	if (in_kml && splat_kernel_msg(line) == "") {
		if (line ~ /^@@KMEMLEAK-END scan=[a-z]*@@/) {
			kmemleak_object_end()
			in_kml = 0
			kml_scan = marker_arg(line, "KMEMLEAK-END")
			sub(/^scan=/, "", kml_scan)
		} else {
			kmemleak_line(line)
		}
		next
	}

	if (index(line, "@@")) {
		# Only between programs: test output cannot open one.
		if (!cur && line ~ /^@@KMEMLEAK-BEGIN@@/) {
			in_kml = kml_seen = 1
			next
		}
		if (!cur && line ~ /^@@KMEMLEAK-IGNORE .*@@/) {
			kml_ign[++kml_nign] = marker_arg(line, "KMEMLEAK-IGNORE")
			next
		}
		if (line ~ /@@SPLAT-IGNORE .*@@/) {
			splat_ignore(marker_arg(line, "SPLAT-IGNORE"))
			next
		}
		if (line ~ /@@TEST-BEGIN [^ @]+@@/) {
			if (cur)
				end_test("")
			begin_test(marker_arg(line, "TEST-BEGIN"))
			next
		}
		if (line ~ /@@TEST-TIMEOUT [^ @]+ after=[^@]*@@/) {
			if (cur) {
				timedout[cur] = marker_arg(line, "TEST-TIMEOUT")
				sub(/^[^ ]* after=/, "", timedout[cur])
			}
			next
		}
		if (line ~ /@@TEST-END [^ @]+ rc=[0-9]+@@/) {
			if (cur) {
				s = marker_arg(line, "TEST-END")
				sub(/^.*rc=/, "", s)
				end_test(s + 0)
			}
			next
		}
		if (line ~ /@@PLAN-EXIT rc=[0-9]+@@/) {
			s = marker_arg(line, "PLAN-EXIT")
			sub(/^rc=/, "", s)
			planexit = s + 0
			next
		}
		if (line ~ /@@HOST-TIMEOUT [0-9]+@@/) {
			hung = marker_arg(line, "HOST-TIMEOUT")
			next
		}
		if (line ~ /@@VMTEST-START@@/) {
			started = 1
			next
		}
		if (line ~ /@@DMESG-(BEGIN|END)@@/)
			next
	}

	m = splat_kernel_msg(line)
	if (m == "" && !cur)
		m = line
	if (m != "" && kmemleak_summary(line, m))
		next
	splat_scan(line, cur)
	if (cur && line !~ /^ *\[ *[0-9]+\.[0-9]+\]/)
		tap_line(line)
}

END {
	if (cur)
		end_test("")
	kmemleak_object_end()
	P = F = S = 0
	if (ntest) {
		printf("%s: %-30s %5s %5s %5s %5s  %s\n", suite, "program", "pass", "fail", "skip", "rc", "note")
		for (i = 1; i <= ntest; i++) {
			printf("%s: %-30s %5d %5d %5d %5s  %s%s\n", suite, tname[i],
			       cp[i], cf[i], cs[i], rc[i] == "" ? "-" : rc[i], cnote[i], fails[i])
			P += cp[i]; F += cf[i]; S += cs[i]
		}
	}
	if (hung != "") {
		F++; printf("%s: FAIL guest hung: killed by the host after %s s\n", suite, hung)
	} else if (planexit == "") {
		F++
		if (started)
			printf("%s: FAIL no @@PLAN-EXIT@@ marker: guest crashed or rebooted during the plan\n", suite)
		else
			printf("%s: FAIL guest never started /init (no @@VMTEST-START@@)\n", suite)
	} else {
		if (planexit != 0 && F == 0) {
			F++; printf("%s: FAIL plan exited with status %d\n", suite, planexit)
		}
		if (ntest == 0) {
			F++; printf("%s: FAIL the plan ran no program (no @@TEST-BEGIN@@)\n", suite)
		}
	}
	if (splat_n) {
		F += splat_n
		printf("%s: FAIL %d kernel splat(s):\n", suite, splat_n)
		for (i = 1; i <= splat_n; i++)
			printf("%s:     %s\n", suite, splat_msg[i])
	}
	if (kml_seen) {
		if (kml_scan == "") {
			F++; printf("%s: FAIL kmemleak report cut short (no @@KMEMLEAK-END@@)\n", suite)
		} else if (kml_scan != "ok") {
			F++; printf("%s: FAIL kmemleak could not scan (scan=%s): leaks not checked\n", suite, kml_scan)
		}
		if (kml_n) {
			F += kml_n
			printf("%s: FAIL %d memory leak(s) reported by kmemleak:\n", suite, kml_n)
			for (i = 1; i <= kml_n; i++)
				printf("%s:     %s\n", suite, kml_msg[i])
		} else if (kml_scan == "ok") {
			printf("%s: kmemleak: no leak reported%s\n", suite,
			       kml_x ? " but " kml_x " known one(s)" : "")
		}
		for (i = 1; i <= kml_x; i++)
			printf("%s: kmemleak: known leak excused: %s\n", suite, kml_xmsg[i])
	} else if (kml_sum_n) {
		F += kml_sum_n
		printf("%s: FAIL kmemleak found leaks, and no report of them was read:\n", suite)
		for (i = 1; i <= kml_sum_n; i++)
			printf("%s:     %s\n", suite, kml_sum[i])
	}
	if (bad_expect) {
		F++; printf("%s: FAIL the expectations in %s are unreadable\n", suite, expect_file)
	}
	print P, F, S > counts
}
