# SPDX-License-Identifier: GPL-2.0
# The judge of a test VM's console log (scripts/vm/parse-log.sh runs it):
#   LC_ALL=C awk -v counts=FILE -v suite=NAME [-v expect_file=FILE] \
#       -f selftests/ktap.awk -f scripts/vm/splats.awk \
#       -f scripts/vm/parse-log.awk LOGFILE
# Prints kernel splats with context and a per-program table (stdout),
# writes "PASSED FAILED SKIPPED" to the file counts.
#
# Per program (@@TEST-BEGIN NAME@@ ... @@TEST-END NAME rc=N@@), the one
# judge of a kselftest program's output, which selftests/run.sh uses too
# (selftests/ktap.awk, loaded first: its rules there), given the
# program's lines without the kernel's (printk timestamps), its exit
# status, and @@TEST-TIMEOUT NAME after=Ns@@ when the guest's run_test
# killed it.  With -v expect_file=FILE, a program may be run on a kernel
# where some of its cases must fail (see ktap.awk).
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
