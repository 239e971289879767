# SPDX-License-Identifier: GPL-2.0
# The '# bias:' lines of mlh_bias runs (selftests/bench/mlh_bias.c), one
# run after another, into one line per run: what each setting adds to a
# one-page mprotect() call seen from user space, against 'off' of the
# same run, and the windows the module and the trace measured.
# Usage: awk -f mlh-bias.awk CONSOLE_LOG
function kv(line, key,    m) {
	if (match(line, " " key "=-?[0-9]+")) {
		m = substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
		return m + 0
	}
	return -1
}
function pct(a, b) { return sprintf("%+.0f%%", 100 * (a - b) / b) }
/# bias: setting=/ {
	s = $0
	sub(/.*setting=/, "", s)
	sub(/ .*/, "", s)
	call[s] = kv($0, "call_ns")
	mp50[s] = kv($0, "module_p50_ns")
	tp50[s] = kv($0, "trace_p50_ns")
	rounds = kv($0, "rounds")
	if (s != "both")
		next
	run++
	printf "run %d (%d rounds): mprotect() call %.1f us with nothing attached; module %s, trace events %s, both %s\n",
		run, rounds, call["off"] / 1000, pct(call["module"], call["off"]),
		pct(call["trace"], call["off"]), pct(call["both"], call["off"])
	printf "run %d: empty window p50: module alone %.1f us, trace alone %.1f us; the same windows, both attached: module %.1f us, trace %.1f us\n",
		run, mp50["module"] / 1000, tp50["trace"] / 1000,
		mp50["both"] / 1000, tp50["both"] / 1000
}
END { if (!run) { print "no complete mlh_bias run"; exit 1 } }
