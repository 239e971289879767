#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge a test VM's console log; record and print the counts.
#
# Usage: parse-vm-log.sh LOGFILE NAME
# Prints kernel splats with context and a per-program table, calls
# record_counts NAME PASSED FAILED SKIPPED, exits 1 if anything failed.
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
# For the whole run, one failure each for: the host killed a hung guest
# (@@HOST-TIMEOUT N@@, written by run-vm.sh), no @@PLAN-EXIT rc=N@@
# marker, a non-zero plan exit with no other failure, a plan that ran
# no program; and one per kernel splat found anywhere in the log (what a
# splat is, its grouping and dedupe: scripts/splats.awk, shared with
# scan-splats.sh). Inside a program's output a splat line must carry a
# printk timestamp, so test output cannot fake one; outside, every line
# is the kernel's. Splat lines seen twice (console and the @@DMESG@@
# dump) count once. The plan may print "@@SPLAT-IGNORE ERE@@" to excuse
# expected splats.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

(($# == 2)) || die "usage: $0 LOGFILE NAME"
logfile=$1 name=$2
[[ -r $logfile ]] || die "cannot read $logfile"

counts=$(mktemp)
trap 'rm -f "$counts"' EXIT

LC_ALL=C awk -v counts="$counts" -v suite="$name" \
	-f "$ROOT/scripts/splats.awk" -f /dev/stdin "$logfile" <<'AWK'
function begin_test(n) {
	ntest++
	tname[ntest] = n
	cur = ntest
	tp[cur] = tf[cur] = ts[cur] = 0
	planned[cur] = totals[cur] = timedout[cur] = 0
	rc[cur] = ""
	fails[cur] = ""
}

function end_test(code,   p, f, s, note, seen_n) {
	rc[cur] = code
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

function tap_line(line,   d) {
	if (line ~ /^# Totals: /) {
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

BEGIN { splat_prefix = suite; planexit = "" }

{
	sub(/\r+$/, "")
	gsub(/\r/, "")
	line = $0
	splat_context(line)

	if (index(line, "@@")) {
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

	splat_scan(line, cur)
	if (cur && line !~ /^ *\[ *[0-9]+\.[0-9]+\]/)
		tap_line(line)
}

END {
	if (cur)
		end_test("")
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
	print P, F, S > counts
}
AWK

read -r passed failed skipped <"$counts"
record_counts "$name" "$passed" "$failed" "$skipped"
echo "$name: $passed passed, $failed failed, $skipped skipped (log: $logfile)"
((failed == 0))
