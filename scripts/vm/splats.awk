# SPDX-License-Identifier: GPL-2.0
# Kernel splat finder: an awk library (functions and one BEGIN), the one
# place that knows what a splat is. Used by parse-log.awk and scan-splats.awk:
#   LC_ALL=C awk -f scripts/vm/splats.awk -f PROGRAM LOGFILE
#
# PROGRAM calls, for each input record (CRs already stripped):
#   splat_context(line)          first, for every record: prints the
#                                context after a reported splat and
#                                remembers the line for the next report
#   splat_scan(line, need_ts)    for every line that may be kernel output;
#                                need_ts=1: only a line with a printk
#                                timestamp is (so test output cannot fake
#                                a splat), need_ts=0: every line is
#   splat_ignore(ERE)            at any time: lines matching ERE from then
#                                on are no splats (expected ones)
# and reads the results: splat_n splats, their messages splat_msg[1..n].
# Settings, from -v or PROGRAM's BEGIN: splat_prefix starts every report
# line; splat_out is the file reports go to ("/dev/stderr"; "" stdout).
#
# A splat is a line matching splat_is_primary() below (BUG:, WARNING:,
# KASAN, Oops, panics, lockdep, RCU and hung-task reports, kmemleak, ...),
# or a "Call Trace:" with no splat line in the 200 kernel lines before
# it. A matching line within 10 kernel lines of the previous one joins
# its report; "---[ end" ends a report. Splat lines seen twice (printk
# timestamp aside: the console and a later dmesg dump) count once. KTAP
# lines (KUnit's "ok"/"not ok" results and "# ..." diagnostics such as
# "# test: EXPECTATION FAILED at ...") are never splats.

# The message of a kernel line after its printk timestamp and caller id;
# "" if the line has no timestamp.
function splat_kernel_msg(line) {
	if (!match(line, /\[ *[0-9]+\.[0-9]+\] ?/))
		return ""
	line = substr(line, RSTART + RLENGTH)
	if (match(line, /^\[ *[TC][0-9]+\] ?/))
		line = substr(line, RSTART + RLENGTH)
	return line
}

function splat_is_primary(m) {
	return m ~ /^([A-Za-z0-9_-]+: )?(BUG|WARNING|UBSAN|KASAN|KFENCE|KCSAN):/ ||
	       m ~ /^(kernel BUG at|Oops|general protection fault|Kernel panic|Unable to handle kernel|invalid opcode:|double fault:|stack segment:|divide error:)/ ||
	       m ~ /possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|bad unlock balance|held lock freed/ ||
	       m ~ /kmemleak: .*suspected memory leak|^unreferenced object 0x/ ||
	       m ~ /^INFO: task .* blocked for more than|^rcu: INFO: |detected stall|soft lockup|hard LOCKUP/
}

function splat_is_ktap(m) {
	return m ~ /^(# |(not )?ok [0-9]|K?TAP version |1\.\.[0-9])/
}

function splat_ignore(ere) {
	splat_ign[++splat_nign] = ere
}

function splat_ignored(line,   i) {
	for (i = 1; i <= splat_nign; i++)
		if (line ~ splat_ign[i])
			return 1
	return 0
}

function splat_print(s) {
	if (splat_out == "")
		print s
	else
		print s > splat_out
}

function splat_context(line) {
	if (splat_ctx > 0) {
		if (line !~ /@@/)
			splat_print("    | " line)
		splat_ctx--
		if (line ~ /---\[ end /)
			splat_ctx = 0
	}
	splat_ring[NR % 4] = line
}

function splat_scan(line, need_ts,   m, key) {
	m = splat_kernel_msg(line)
	if (m == "" && !need_ts)
		m = line
	if (m == "")
		return
	sub(/^[ \t]+/, "", m)
	if (m ~ /^---\[ end /) {
		splat_last = -1000
		return
	}
	splat_kidx++
	if (splat_is_ktap(m))
		return
	if (splat_is_primary(m) && !splat_ignored(line)) {
		key = line
		sub(/^.*\[ *[0-9]+\.[0-9]+\]/, "[", key)
		if (!(key in splat_seen)) {
			splat_seen[key] = 1
			if (splat_kidx - splat_last > 10)
				splat_report(line, m)
		}
		splat_last = splat_kidx
	} else if (m ~ /^Call Trace:/ && splat_kidx - splat_last > 200 && !splat_ignored(line)) {
		splat_report(line, m)
		splat_last = splat_kidx
	}
}

function splat_report(line, m,   i, j) {
	splat_n++
	splat_msg[splat_n] = m
	splat_print(sprintf("%s: kernel splat %d at console line %d:", splat_prefix, splat_n, NR))
	for (i = 3; i >= 1; i--) {
		j = NR - i
		if (j >= 1 && (j % 4) in splat_ring)
			splat_print("    | " splat_ring[j % 4])
	}
	splat_print("    > " line)
	splat_ctx = 30
}

BEGIN { splat_last = -1000 }
