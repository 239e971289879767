#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of bench/report.py, the report of 'make bench': crafted
# guest console logs in; the medians, the spread, bench.json's kernels,
# config and host facts, and the exit status when a guest's results are
# missing or invalid checked.  Prints TAP and a final
# "N passed, N failed" line.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

tool=$S/bench/report.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

MiB=1048576

# bench KERNEL SCENARIO SIZE RUN CALL_NS WINDOW_NS: one guest line.
bench() {
	printf '[   9.000000] # bench: kernel=%s release=6.1.192-%s scenario=%s size=%d capped=0 run=%d op=munmap lock=down call_ns=%d window_ns=%d ratio=%.4f reader_faults=90 reader_idle_per_ms=1.00 reader_progress=0.9000 populate_ns=1000\n' \
		"$1" "$1" "$2" "$3" "$4" "$5" "$6" "$(bc -l <<<"$6 / $5")"
}

# log KERNEL [SCENARIO...]: three runs of each scenario at 256 MiB and
# 1 GiB, calls of 1, 2 and 6 ms (median 2), windows of 0.1-0.3 ms.
log_of() {
	local k=$1 sc size run
	shift
	echo "@@VMTEST-START@@ 6.1.192-$k"
	for sc in "$@"; do
		for size in $((256 * MiB)) $((1024 * MiB)); do
			run=0
			for call in 1000000 2000000 6000000; do
				run=$((run + 1))
				bench "$k" "$sc" "$size" "$run" "$call" $((call / 10))
			done
		done
	done
}

# report CASE SCENARIOS: run the tool on $tmp/CASE/bench-*.console.log,
# with RUNS=3 and the scenarios asked for; its exit status in $rc.
report() {
	rc=0
	python3 "$tool" --results "$tmp/$1" --kernel stock="$tmp" \
		--kernel patched="$tmp" --obj stock="$tmp/obj" \
		--config "$S/kernel/kconfig/bench.config" \
		--setting runs=3 --setting "scenarios=$2" \
		--host cpus=2 --host "qemu=QEMU emulator version 7.2.0" \
		>"$tmp/$1/out" 2>&1 || rc=$?
}

# json CASE EXPR: a Python expression over the report j, printed.
json() {
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$tmp/$1/bench.json" "$2" 2>&1
}

mkdir -p "$tmp/good" "$tmp/obj"
echo 'CONFIG_X=y' >"$tmp/obj/.config"
log_of stock munmap growsdown >"$tmp/good/bench-stock.console.log"
log_of patched munmap growsdown >"$tmp/good/bench-patched.console.log"
report good "munmap growsdown"
tap_check $rc "complete results: exit 0" "exit $rc: $(cat "$tmp/good/out")"

got=$(json good '[(m["size"] >> 20, m["runs"], m["call_ns"], m["call_ns_min"], m["call_ns_max"], m["window_ns"]) for m in j["kernels"]["stock"]["medians"] if m["scenario"] == "munmap"]')
want='[(256, 3, 2000000, 1000000, 6000000, 200000), (1024, 3, 2000000, 1000000, 6000000, 200000)]'
tap_check "$([[ $got == "$want" ]]; echo $?)" "bench.json: medians and min/max per scenario and size" \
	"want $want, got $got"

ok=1
grep -q '^| munmap() | 256 MiB | 2.00 (1.00–6.00) | 0.20 (0.10–0.60) | ' "$tmp/good/bench.md" && ok=0
tap_check $ok "bench.md: the spread beside each median" "$(head -n 4 "$tmp/good/bench.md")"

got=$(json good '(j["kernels"]["patched"]["release"], j["host"]["cpus"], j["host"]["qemu"], j["config"]["file"], len(j["kernels"]["stock"]["config_sha256"] or ""), j["kernels"]["patched"]["config_sha256"], j["settings"]["runs"], j["problems"])')
want="('6.1.192-patched', '2', 'QEMU emulator version 7.2.0', 'bench.config', 64, None, '3', [])"
tap_check "$([[ $got == "$want" ]]; echo $?)" "bench.json: kernels, config, host facts, settings" \
	"want $want, got $got"

mkdir -p "$tmp/missing"
cp "$tmp"/good/bench-*.console.log "$tmp/missing/"
report missing "munmap growsdown pfnmap"
ok=1
((rc == 1)) && grep -q 'stock: no valid measurement of pfnmap' "$tmp/missing/out" &&
	grep -q 'Incomplete:.*patched: no valid measurement of pfnmap' "$tmp/missing/bench.md" && ok=0
tap_check $ok "a scenario asked for and not measured: exit 1, named" "exit $rc: $(cat "$tmp/missing/out")"

mkdir -p "$tmp/all"
cp "$tmp"/good/bench-*.console.log "$tmp/all/"
report all all
ok=1
((rc == 1)) && grep -q 'stock: no valid measurement of vm_munmap' "$tmp/all/out" && ok=0
tap_check $ok "scenarios=all wants every scenario" "exit $rc: $(cat "$tmp/all/out")"

mkdir -p "$tmp/size"
cp "$tmp/good/bench-stock.console.log" "$tmp/size/"
grep -v "size=$((1024 * MiB)) " "$tmp/good/bench-patched.console.log" \
	>"$tmp/size/bench-patched.console.log"
report size "munmap growsdown"
ok=1
((rc == 1)) && grep -q 'patched: munmap at 1 GiB not measured' "$tmp/size/out" && ok=0
tap_check $ok "a size measured on one kernel only: exit 1" "exit $rc: $(cat "$tmp/size/out")"

mkdir -p "$tmp/runs"
cp "$tmp/good/bench-stock.console.log" "$tmp/runs/"
{
	grep -v 'scenario=growsdown .* run=3 ' "$tmp/good/bench-patched.console.log"
	echo '# growsdown 256 MiB run 3: the module saw 2 windows'
} >"$tmp/runs/bench-patched.console.log"
report runs "munmap growsdown"
ok=1
((rc == 1)) && grep -q 'patched: growsdown at 256 MiB: 2 valid run(s) of 3' "$tmp/runs/out" &&
	grep -q 'patched: 1 invalid measurement(s)' "$tmp/runs/out" && ok=0
tap_check $ok "fewer valid runs than asked, an invalid one: exit 1" "exit $rc: $(cat "$tmp/runs/out")"

mkdir -p "$tmp/none"
log_of stock >"$tmp/none/bench-stock.console.log"
log_of patched >"$tmp/none/bench-patched.console.log"
report none "munmap"
ok=1
((rc == 1)) && [[ ! -e $tmp/none/bench.json ]] && ok=0
tap_check $ok "no measurement at all: exit 1, nothing written" "exit $rc: $(cat "$tmp/none/out")"

tap_summary
