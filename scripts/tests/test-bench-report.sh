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

# The writer, alone and cost tables: stock without the knob (n/a), the
# patched kernel with it off and on.
# wline KERNEL SCENARIO RUN LOAD PIECE_KB CALL_NS WINDOWS FAULTER MAPPER
wline() {
	local win=-1 sum=-1 share=-1
	if [[ $4 != writer ]]; then
		win=100000 sum=$((100000 * $7))
		share=$(bc -l <<<"$sum / $6")
	fi
	printf '[   9.000000] # bench: kernel=%s release=6.1.192-%s scenario=%s size=%d capped=0 run=%d load=%s piece_kb=%d op=munmap lock=%s call_ns=%d window_ns=%d windows=%d window_sum_ns=%d ratio=%.4f excl_share=%.4f reader_faults=-1 reader_idle_per_ms=-1 reader_progress=-1 faulter_ops=5 faulter_idle_per_ms=10 faulter_progress=%s mapper_ops=5 mapper_idle_per_ms=10 mapper_progress=%s populate_ns=1000\n' \
		"$1" "$1" "$2" $((4096 * MiB)) "$3" "$4" "$5" \
		"$([[ $4 == writer ]] && echo n/a || echo down)" "$6" "$win" \
		"$7" "$sum" "$(bc -l <<<"$win / $6")" "$share" "$8" "$9"
}
# cline KERNEL VARIANT RUN NS_PER_OP: the fastest chunk 5 ns faster
cline() {
	printf '# bench-cost: kernel=%s release=6.1.192-%s variant=%s run=%d iterations=1000 total_ns=%d ns_per_op=%s best_ns_per_op=%s module=0\n' \
		"$1" "$1" "$2" "$3" $(($4 * 1000)) "$4" $(($4 - 5))
}
mkdir -p "$tmp/pieces"
{
	echo "@@VMTEST-START@@ 6.1.192-stock"
	for run in 1 2 3; do
		cline stock file_page "$run" $((1000 + run * 10))
	done
	echo 'ok 2 file_page_uprobe # SKIP adding a uprobe event: Permission denied'
	for run in 1 2 3; do
		wline stock alone "$run" none -1 $((run * 1000000)) 1 -1 -1
		wline stock writer "$run" writer -1 $((run * 1000000)) -1 0.0$run 0.0$run
	done
	for sc in alone_pieces writer_pieces; do
		echo "# bench-na: kernel=stock release=6.1.192-stock scenario=$sc size=$((4096 * MiB)) why=no /proc/sys/vm/munmap_piece_kbytes"
	done
} >"$tmp/pieces/bench-stock.console.log"
{
	echo "@@VMTEST-START@@ 6.1.192-patched"
	for run in 1 2 3; do
		cline patched file_page "$run" $((1010 + run * 10))
		cline patched file_page_uprobe "$run" 1100
	done
	for run in 1 2 3; do
		wline patched alone "$run" none 0 $((run * 1000000)) 1 -1 -1
		wline patched alone_pieces "$run" none 65536 $((run * 1250000)) 64 -1 -1
		wline patched writer "$run" writer 0 $((run * 1000000)) -1 0.01 0.02
		wline patched writer_pieces "$run" writer 65536 $((run * 1000000)) -1 0.$((run + 5)) 0.7
	done
} >"$tmp/pieces/bench-patched.console.log"
rc=0
python3 "$tool" --results "$tmp/pieces" --kernel stock="$tmp" --kernel patched="$tmp" \
	--setting runs=3 --setting "scenarios=alone alone_pieces writer writer_pieces" \
	--setting piece_kb=65536 --setting cost_n=1000 >"$tmp/pieces/out" 2>&1 || rc=$?
tap_check $rc "writer, alone, cost; stock without the knob: exit 0" \
	"exit $rc: $(cat "$tmp/pieces/out")"

got=$(json pieces '[(s["name"], s["na"] is not None, s["medians"] and (s["medians"]["call_ns"], s["medians"]["faulter_progress"], s["medians"]["faulter_progress_min"], s["medians"]["faulter_progress_max"], s["medians"]["mapper_progress"])) for s in j["summary"]["writer"][0]["settings"]]')
want="[('stock', False, (2000000, 0.02, 0.01, 0.03, 0.02)), ('stock, knob on', True, None), ('patched, knob off', False, (2000000, 0.01, 0.01, 0.01, 0.02)), ('patched, knob on (65536 KiB)', False, (2000000, 0.7, 0.6, 0.8, 0.7))]"
tap_check "$([[ $got == "$want" ]]; echo $?)" "bench.json: the writer's progress per kernel and knob, n/a on stock" \
	"want $want, got $got"

got=$(json pieces '(j["summary"]["alone"][0]["patched_on_vs_off"], [s["medians"]["windows"] for s in j["summary"]["alone"][0]["settings"] if s["medians"]])')
want="({'speed_ratio': 0.8, 'time_ratio': 1.25}, [1, 1, 64])"
tap_check "$([[ $got == "$want" ]]; echo $?)" "bench.json: knob on/off ratios of the call alone, a window per piece" \
	"want $want, got $got"

got=$(json pieces '[(c["variant"], c["kernels"]["stock"] and c["kernels"]["stock"]["ns_per_op"], c["kernels"]["patched"]["ns_per_op"], c["speed_ratio"] and round(c["speed_ratio"], 4), c["best_speed_ratio"] and round(c["best_speed_ratio"], 4), c["na"]) for c in j["summary"]["cost"]]')
want="[('file_page', 1020.0, 1030.0, 0.9903, 0.9902, {}), ('file_page_uprobe', None, 1100.0, None, None, {'stock': 'adding a uprobe event: Permission denied'})]"
tap_check "$([[ $got == "$want" ]]; echo $?)" "bench.json: ns per op of the cost loop, patched/stock speed; a skipped variant n/a" \
	"want $want, got $got"

ok=1
grep -q '^| 4 GiB | stock, knob on | n/a | n/a | n/a |$' "$tmp/pieces/bench.md" &&
	grep -q '^| 4 GiB | patched, knob on (65536 KiB) | 2.00 (1.00–3.00) | 70% (60%–80%) | 70% |$' "$tmp/pieces/bench.md" &&
	grep -q '^| mmap() + munmap() of a 4 KiB file page | 1020.0 (1010.0–1030.0) | 1030.0 (1020.0–1040.0) | 0.990 | 1015.0 (1005.0–1025.0) | 1025.0 (1015.0–1035.0) | 0.990 |$' "$tmp/pieces/bench.md" && ok=0
tap_check $ok "bench.md: the writer and cost tables, n/a, spread and speed" \
	"$(cat "$tmp/pieces/bench.md")"

mkdir -p "$tmp/nocost"
grep -v 'bench-cost: kernel=patched release=6.1.192-patched variant=file_page run=3' \
	"$tmp/pieces/bench-patched.console.log" >"$tmp/nocost/bench-patched.console.log"
cp "$tmp/pieces/bench-stock.console.log" "$tmp/nocost/"
rc=0
python3 "$tool" --results "$tmp/nocost" --kernel stock="$tmp" --kernel patched="$tmp" \
	--setting runs=3 --setting "scenarios=alone" --setting cost_n=1000 \
	>"$tmp/nocost/out" 2>&1 || rc=$?
ok=1
((rc == 1)) && grep -q 'patched: cost file_page: 2 run(s) of 3' "$tmp/nocost/out" && ok=0
tap_check $ok "a cost run missing: exit 1, named" "exit $rc: $(cat "$tmp/nocost/out")"

got=$(json good '[(s["scenario"], s["size"] >> 20, s["speed_ratio"]) for s in j["summary"]["scenarios"]][:1]')
want="[('munmap', 256, 1.0)]"
tap_check "$([[ $got == "$want" ]]; echo $?)" "bench.json: the scenarios' rows with their patched/stock speed" \
	"want $want, got $got"

# The twin's extra run (scripts/vm/guest/bench-twin) is twin.py's: its
# '# bench:' lines must not reach the medians.  And a third kernel, 6.12,
# gets its own columns in the table and the plot.
mkdir -p "$tmp/three"
cp "$tmp"/good/bench-*.console.log "$tmp/three/"
{
	log_of 6.12 munmap growsdown
	echo '@@TEST-BEGIN twin@@'
	bench 6.12 munmap $((256 * MiB)) 1 90000000 80000000
	echo '@@TEST-END twin rc=0@@'
} >"$tmp/three/bench-6.12.console.log"
rc=0
python3 "$tool" --results "$tmp/three" --kernel stock="$tmp" --kernel patched="$tmp" \
	--kernel 6.12="$tmp" --setting runs=3 --setting "scenarios=munmap growsdown" \
	>"$tmp/three/out" 2>&1 || rc=$?
got=$(json three '[(m["runs"], m["call_ns"]) for m in j["kernels"]["6.12"]["medians"] if m["scenario"] == "munmap" and m["size"] == 256 << 20]')
want='[(3, 2000000)]'
tap_check "$([[ $rc == 0 && $got == "$want" ]]; echo $?)" "the twin's run left out of the medians" \
	"exit $rc, want $want, got $got: $(cat "$tmp/three/out")"
ok=1
grep -q '^| scenario | size | stock call ms .* | patched call ms .* | 6.12 call ms | 6.12 exclusive ms | 6.12 share | 6.12 reader | patched/stock speed |$' "$tmp/three/bench.md" &&
	[[ $(cat "$tmp/three/bench-plot.kernels") == "stock patched 6.12" ]] &&
	grep -q '^# munmap: size_gib stock_excl_ms patched_excl_ms 6.12_excl_ms stock_call_ms patched_call_ms 6.12_call_ms$' "$tmp/three/bench-plot.dat" &&
	ok=0
tap_check $ok "three kernels: a column group each in the table, a line each in the plot" \
	"$(head -n 2 "$tmp/three/bench.md"; cat "$tmp/three/bench-plot.kernels"; head -n 1 "$tmp/three/bench-plot.dat")"

tap_summary
