#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of bench/twin.py, which matches the windows of the module's
# bpftrace twin against the module's, call by call: crafted 'twin'
# sections of guest console logs in; agreement, the bound (10% or
# 20 us, on medians), a count that differs, a window the twin missed and
# a guest without a twin run checked.  Prints TAP and a final
# "N passed, N failed" line.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

tool=$S/bench/twin.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

MiB=1048576

# call SCENARIO RUN START_NS CALL_NS WINDOW_NS WINDOWS [OP]: what
# munmap_bench printed for one call of thread 70.
call() {
	printf '# bench: kernel=k release=r scenario=%s size=%d capped=0 run=%d load=reader piece_kb=-1 op=%s lock=down call_ns=%d window_ns=%d windows=%d window_sum_ns=%d tid=70 call_start_ns=%d\n' \
		"$1" $((256 * MiB)) "$2" "${7:-munmap}" "$4" "$5" "$6" "$5" "$3"
}
# window TID OP START_NS NS: one window the twin printed.
window() {
	printf 'window tid=%d op=%s nr=11 start_ns=%d ns=%d end=downgrade\n' "$@"
}

# section NAME: a console log whose twin run printed stdin.
section() {
	mkdir -p "$tmp/$1"
	{
		echo '@@TEST-BEGIN munmap_bench@@'
		call munmap 1 1000 1000000 99999999 1	# outside: not compared
		echo '@@TEST-END munmap_bench rc=0@@'
		echo '@@TEST-BEGIN twin@@'
		cat
		echo '@@TEST-END twin rc=0@@'
	} >"$tmp/$1/bench-k-twin.console.log"
}

# twin NAME: run the tool on it; exit status in $rc, output in NAME/out.
twin() {
	rc=0
	python3 "$tool" --results "$tmp/$1" k >"$tmp/$1/out" 2>&1 || rc=$?
}

# good [MUNMAP_NS [IOCTL_NS]]: three runs of munmap, windows of 100 us
# the twin saw MUNMAP_NS (105 us) plus 0, 5 and 10 us (another thread's
# and other operations' windows, and one before the call, around them);
# the module's ioctl as the twin's "ioctl", 4 ms seen as IOCTL_NS
# (4.1 ms).
good() {
	local run start munmap_ns=${1:-105000} ioctl_ns=${2:-4100000}
	for run in 1 2 3; do
		start=$((run * 10000000))
		window 70 munmap $((start - 500)) 900000
		window 70 munmap $((start + 1000)) $((munmap_ns + (run - 1) * 5000))
		window 71 munmap $((start + 2000)) 900000
		window 70 mmap $((start + 3000)) 900000
		call munmap "$run" "$start" 1000000 100000 1
		window 70 ioctl $((start + 5000000)) "$ioctl_ns"
		call vm_munmap "$run" $((start + 4000000)) 5000000 4000000 1 kernel
	done
}

good | section good
twin good
got=$(python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print([(m["scenario"], m["runs"], m["module_window_ns"], m["twin_window_ns"], m["agree"]) for m in j["kernels"]["k"]["medians"]])' "$tmp/good/twin.json")
want="[('munmap', 3, 100000, 110000, True), ('vm_munmap', 3, 4000000, 4100000, True)]"
tap_check "$([[ $rc == 0 && $got == "$want" ]]; echo $?)" \
	"the calling thread's windows of the call's operation, medians: agree" \
	"exit $rc, want $want, got $got: $(cat "$tmp/good/out")"

# 100 us against 125 us: 25 us, over both 10% and 20 us.
good 120000 | section slow
twin slow
ok=1
((rc == 1)) && grep -q 'k: 1 of 2 scenarios and sizes disagree' "$tmp/slow/out" &&
	grep -q '^| munmap | 256 MiB | 0.100 | 0.125 | +25.0 | 1 | 3 of 3 | \*\*no\*\* |$' "$tmp/slow/twin.md" && ok=0
tap_check $ok "a median 25 us and 25% off: disagree, exit 1" \
	"exit $rc: $(cat "$tmp/slow/out" "$tmp/slow/twin.md")"

# 4 ms against 4.3 ms: 300 us, but within 10%.
good 105000 4300000 | section long
twin long
tap_check "$rc" "a long window 7.5% off: agree" "exit $rc: $(cat "$tmp/long/out")"

# One run where the twin saw a second munmap window in the call.
{
	good
	window 70 munmap 10001500 50000
} | section count
twin count
ok=1
((rc == 1)) && grep -q '^| munmap | 256 MiB | .* | 1 | 2 of 3 | \*\*no\*\* |$' "$tmp/count/twin.md" && ok=0
tap_check $ok "a count of windows that differs in one run: disagree" \
	"exit $rc: $(cat "$tmp/count/twin.md")"

# The twin missed the ioctl's windows.
good | grep -v ' op=ioctl ' | section missed
twin missed
ok=1
((rc == 1)) && grep -q '^| vm_munmap | 256 MiB | 4.000 | - | - | 1 | 0 of 3 | \*\*no\*\* |$' "$tmp/missed/twin.md" && ok=0
tap_check $ok "no twin window in a call: disagree" "exit $rc: $(cat "$tmp/missed/twin.md")"

mkdir -p "$tmp/none"
call munmap 1 1000 1000000 100000 1 >"$tmp/none/bench-k-twin.console.log"
twin none
ok=1
((rc == 1)) && grep -q 'k: no twin run' "$tmp/none/out" && ok=0
tap_check $ok "a guest without a twin run: exit 1" "exit $rc: $(cat "$tmp/none/out")"

tap_summary
