#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make bench': exclusive mmap_lock hold per unmap scenario, stock 6.1.192
# against the patched kernel, in one run.  Both kernels are the debug test
# configuration (scripts/kconfig/test.config), so absolute times are
# inflated by lockdep and TCG: compare the ratios (exclusive window over
# the whole call) within a kernel and across the two.
#
# Each kernel boots in QEMU with the companion module and the munmap_hold
# selftest in 'any' mode, which prints one '# hold:' line per scenario
# without asserting anything.  Output: build/results/bench.json and
# build/results/bench.md (the table), plus the guests' console logs.
# Every scenario runs RUNS times (default 5) in the same boot; the table
# shows the median call time, the median exclusive window and the median
# of the per-run shares, so one vCPU stall does not make a row.
# Usage: scripts/bench.sh                 (env RUNS=N)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"

mkdir -p "$RESULTS"
"$ROOT/scripts/deps.sh" --bench
"$ROOT/scripts/prepare-tree.sh"

log "bench: building the patched kernel (build/obj/test)"
"$ROOT/scripts/build-kernel.sh" "$LINUX" "$BUILD/obj/test" \
	"$ROOT/scripts/kconfig/test.config" -- "$ROOT/scripts/kconfig/series.config"
log "bench: building the stock kernel (build/obj/stock)"
"$ROOT/scripts/prepare-stock.sh" --full
make -s -C "$ROOT/selftests" KSRC="$LINUX" OUT="$BUILD/selftests" >/dev/null
[ -x "$BUILD/selftests/munmap_hold" ] || die "selftests/munmap_hold was not built"

# run_kernel NAME OBJ: boot OBJ's kernel with the module and munmap_hold.
run_kernel() {
	local name=$1 obj=$2 stage=$BUILD/vm/bench-$1

	"$ROOT/scripts/build-module.sh" "$obj" "bench-$name"
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/modules"
	cp "$BUILD/module/bench-$name/mmap_lock_hold.ko" "$stage/modules/"
	cp "$BUILD/selftests/munmap_hold" "$stage/bin/"
	{
		echo "run_test module_load insmod /opt/tests/modules/mmap_lock_hold.ko"
		for i in $(seq "$RUNS"); do
			echo "run_test munmap_hold_$i env MUNMAP_SPLIT_EXPECT=any munmap_hold"
		done
		echo "run_test module_unload rmmod mmap_lock_hold"
	} > "$stage/plan"
	"$ROOT/scripts/mkinitramfs.sh" "$stage" "$BUILD/vm/bench-$name.cpio.gz"
	log "bench: booting $name"
	"$ROOT/scripts/run-vm.sh" --kernel "$obj/arch/x86/boot/bzImage" \
		--initrd "$BUILD/vm/bench-$name.cpio.gz" --name "bench-$name" \
		--append "kunit.filter_glob=none" >/dev/null ||
		warn "bench-$name: the guest reported failures (see $RESULTS/bench-$name.console.log)"
}

run_kernel stock "$BUILD/obj/stock"
run_kernel patched "$BUILD/obj/test"

python3 - "$RESULTS" <<'PY'
import json, re, statistics, sys
res = sys.argv[1]
data = {}
for kernel in ("stock", "patched"):
    runs = {}
    for line in open(f"{res}/bench-{kernel}.console.log", errors="replace"):
        m = re.search(r"# hold: (.*)$", line)
        if not m:
            continue
        kv = dict(f.split("=", 1) for f in m.group(1).split() if "=" in f)
        try:
            call, window = int(kv["call_ns"]), int(kv["window_ns"])
        except (KeyError, ValueError):
            continue
        runs.setdefault(kv.get("scenario", "?"), []).append(
            {"size": kv.get("size", "-"), "call_ns": call, "window_ns": window})
    data[kernel] = runs
json.dump(data, open(f"{res}/bench.json", "w"), indent=1, sort_keys=True)

def cols(runs):
    if not runs:
        return ["-", "-", "-"]
    call = statistics.median(r["call_ns"] for r in runs) / 1e6
    win = statistics.median(r["window_ns"] for r in runs) / 1e6
    share = statistics.median(100.0 * r["window_ns"] / r["call_ns"]
                              for r in runs if r["call_ns"])
    return ["%.2f" % call, "%.2f" % win, "%.1f%%" % share]

def size(runs):
    for r in runs:
        n = int(r["size"]) if str(r["size"]).isdigit() else 0
        return "%d MiB" % (n >> 20) if n else "-"
    return "-"

scen = list(dict.fromkeys(list(data["stock"]) + list(data["patched"])))
out = ["| scenario | size | runs | stock call ms | stock exclusive ms | stock share | patched call ms | patched exclusive ms | patched share |",
       "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
for s in scen:
    st, pa = data["stock"].get(s, []), data["patched"].get(s, [])
    out.append("| " + " | ".join([s, size(pa or st), "%d/%d" % (len(st), len(pa))]
                                 + cols(st) + cols(pa)) + " |")
open(f"{res}/bench.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
if not scen:
    sys.exit("bench: no '# hold:' line in either guest's output")
PY
log "bench: table in $RESULTS/bench.md, raw figures in $RESULTS/bench.json"
