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
# Usage: scripts/bench.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

mkdir -p "$RESULTS"
"$ROOT/scripts/deps.sh"
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
	cat > "$stage/plan" <<-'PLAN'
		run_test module_load insmod /opt/tests/modules/mmap_lock_hold.ko
		run_test munmap_hold env MUNMAP_SPLIT_EXPECT=any munmap_hold
		run_test module_unload rmmod mmap_lock_hold
	PLAN
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
import json, re, sys
res = sys.argv[1]
data = {}
for kernel in ("stock", "patched"):
    rows = {}
    for line in open(f"{res}/bench-{kernel}.console.log", errors="replace"):
        m = re.search(r"# hold: (.*)$", line)
        if not m:
            continue
        kv = dict(f.split("=", 1) for f in m.group(1).split() if "=" in f)
        rows[kv.get("scenario", "?")] = kv
    data[kernel] = rows
json.dump(data, open(f"{res}/bench.json", "w"), indent=1, sort_keys=True)

def ms(kv, key):
    try:
        return "%.2f" % (int(kv[key]) / 1e6)
    except (KeyError, ValueError):
        return "-"

def pct(kv):
    try:
        return "%.1f%%" % (100.0 * int(kv["window_ns"]) / int(kv["call_ns"]))
    except (KeyError, ValueError, ZeroDivisionError):
        return "-"

scen = list(dict.fromkeys(list(data["stock"]) + list(data["patched"])))
out = ["| scenario | size | stock call ms | stock exclusive ms | stock share | patched call ms | patched exclusive ms | patched share |",
       "| --- | --- | --- | --- | --- | --- | --- | --- |"]
for s in scen:
    st, pa = data["stock"].get(s, {}), data["patched"].get(s, {})
    size = pa.get("size") or st.get("size") or "-"
    out.append(f"| {s} | {size} | {ms(st,'call_ns')} | {ms(st,'window_ns')} | {pct(st)} | "
               f"{ms(pa,'call_ns')} | {ms(pa,'window_ns')} | {pct(pa)} |")
open(f"{res}/bench.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
if not scen:
    sys.exit("bench: no '# hold:' line in either guest's output")
PY
log "bench: table in $RESULTS/bench.md, raw figures in $RESULTS/bench.json"
