#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make bench': how long each way of unmapping holds mmap_lock exclusively,
# how far other threads get meanwhile (a faulting reader; a faulter and a
# mapper, "with a writer", with vm.munmap_piece_kbytes off and on), and
# what a small munmap() costs, on stock 6.1.192, on the patched kernel
# and on upstream 6.12, in one run.  Documentation/bench.md has the
# method and what to expect.
#
# Builds (or reuses: the builds are incremental) the kernels with the
# non-debug scripts/kernel/kconfig/bench.config, in build/stock/obj/bench-stock
# (from the stock worktree build/stock/linux, see kernel/prepare-stock.sh),
# build/obj/bench-patched (build/linux) and build/obj/bench-6.12 (Debian's
# linux-source-6.12, see kernel/prepare-612.sh); boots each with the
# module built against it (scripts/vm/boot.sh) and runs munmap_bench
# (selftests/bench/) there: first its cost loop (BENCH_MODE=cost), before
# the module is loaded, then the scenarios with it; then boots each once
# more for the module's bpftrace twin, scripts/mmap-lock-hold.bt,
# recording with it (scripts/vm/guest/bench-twin; scripts/bench/twin.py
# compares).  It prints one
# '# bench:' line per measurement, '# bench-cost:' per cost run and
# '# bench-na:' per scenario the kernel cannot run (streamed here), and
# one TAP result per scenario and size.  Then scripts/bench/report.py
# writes, in this run's build/results/bench-<time>/ (bench-latest):
# bench.md (the tables, stock and patched side by side, medians and
# spread, ratios) and bench.json (every run, the medians, the summary
# the tables show, kernels, configs, host facts, settings), and
# scripts/bench/plot.gp bench.png (exclusive hold against size per
# scenario, every kernel), and scripts/bench/twin.py twin.md and
# twin.json (the twin's windows against the module's, call by call).
# Exits non-zero when a guest failed, a scenario is missing from the
# results or the twin disagrees with the module.
#
# Usage: scripts/bench.sh
# Env:   BENCH_SIZES="256M 1G 4G"  sizes of the populated range; up to
#                                 "256M 1G 4G 16G 64G" (zero-page PTEs:
#                                 64 GiB cost 128 MiB of guest memory)
#        BENCH_SCENARIOS=...       a subset, e.g. "munmap vm_munmap"
#        BENCH_CAP=256M            size cap of shmdt, hugetlb and the
#                                 uprobe scenarios, which need real memory
#        BENCH_PIECE_KB=65536      vm.munmap_piece_kbytes of the *_pieces
#                                 scenarios (patched kernel only)
#        BENCH_COST_N=1000000      iterations of a cost run; 0: no cost runs
#        RUNS=3                    runs per scenario and size, and per
#                                 cost variant (medians)
#        BENCH_KERNELS="stock patched 6.12"  which kernels to boot
#        BENCH_TWIN=1              the bpftrace twin's run (0: none; it
#                                 puts bpftrace and LLVM, 200 MB, in the
#                                 guests)
#        BENCH_TWIN_SIZES="256M 1G"  sizes of the twin's run (every
#                                 scenario with windows)
#        BENCH_TWIN_RUNS=3         runs of the twin's run (medians)
#        BENCH_MEM=2G              guest memory (qemu -m)
#        BENCH_TIMEOUT=SECONDS     per guest (default from the sizes and
#                                 BENCH_COST_N)
#        LINUX=DIR                 bench the patched kernel of this tree
#                                 as it is, instead of build/linux
#                                 prepared from patches/ (the stock
#                                 worktree is made from its tag 'base')
set -euo pipefail
# A tree given is benched as it is: not reset to patches/.
linux_given=${LINUX:+1}
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
BENCH_SIZES=${BENCH_SIZES:-256M 1G 4G}
BENCH_SCENARIOS=${BENCH_SCENARIOS:-}
BENCH_CAP=${BENCH_CAP:-256M}
BENCH_KERNELS=${BENCH_KERNELS:-stock patched 6.12}
BENCH_TWIN=${BENCH_TWIN:-1}
BENCH_TWIN_SIZES=${BENCH_TWIN_SIZES:-256M 1G}
BENCH_TWIN_RUNS=${BENCH_TWIN_RUNS:-3}
BENCH_MEM=${BENCH_MEM:-2G}
BENCH_PIECE_KB=${BENCH_PIECE_KB:-65536}
BENCH_COST_N=${BENCH_COST_N:-1000000}
SMP=2

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ $BENCH_TWIN_RUNS =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_TWIN_RUNS must be a positive number, not '$BENCH_TWIN_RUNS'"
[[ $BENCH_PIECE_KB =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_PIECE_KB takes KiB, not '$BENCH_PIECE_KB'"
[[ $BENCH_COST_N =~ ^[0-9]+$ ]] ||
	die "BENCH_COST_N takes a number of iterations, not '$BENCH_COST_N'"
# They go into the guest's plan between single quotes.
for v in "$BENCH_SIZES" "$BENCH_SCENARIOS" "$BENCH_CAP" "$BENCH_TWIN_SIZES"; do
	[[ $v =~ ^[A-Za-z0-9_,\ ]*$ ]] || die "bench: unexpected characters in '$v'"
done
for k in $BENCH_KERNELS; do
	[[ $k == stock || $k == patched || $k == 6.12 ]] ||
		die "BENCH_KERNELS: 'stock', 'patched' and/or '6.12', not '$k'"
done
[[ $BENCH_TWIN == [01] ]] || die "BENCH_TWIN: 0 or 1, not '$BENCH_TWIN'"

# size_mib 4G: 4096 (the program itself checks the sizes properly)
size_mib() {
	local n=${1%[KkMmGg]*}
	[[ $n =~ ^[0-9]+$ ]] || die "BENCH_SIZES: '$1' is not a size like 256M or 4G"
	case $1 in
	*[Gg]*) echo $((n * 1024)) ;;
	*[Mm]*) echo "$n" ;;
	*) echo $((n / 1024 + 1)) ;;
	esac
}

# sizes_mib "256M 1G": the sum of the sizes, 1280
sizes_mib() {
	local s sum=0
	for s in ${1//,/ }; do
		sum=$((sum + $(size_mib "$s")))
	done
	echo "$sum"
}

# Populating zero-page PTEs dominates the guest's run: 0.25 s per GiB
# under TCG on a quiet host, up to 1 s on a busy one, for each of RUNS
# runs of the ten uncapped scenarios; allow 4 s, and 10 minutes for the
# rest.
total_mib=$(sizes_mib "$BENCH_SIZES")
TIMEOUT=${BENCH_TIMEOUT:-$((600 + 4 * 10 * RUNS * total_mib / 1024))}
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "BENCH_TIMEOUT takes seconds"
# The cost loop: RUNS runs and a tenth more of warm-up, for each of its
# two variants; an mmap() + munmap() took 15 to 80 us under TCG on a
# busy host: allow 250 us, and 2 minutes.
COST_TIMEOUT=$((120 + BENCH_COST_N * (10 * RUNS + 1) * 2 / 40000))
# The twin's run: its runs of each scenario at its sizes, as above, and
# 4 minutes for bpftrace to start (3 s in a quiet TCG guest) and for
# the rest.
twin_mib=$(sizes_mib "$BENCH_TWIN_SIZES")
TWIN_TIMEOUT=$((240 + 4 * 10 * BENCH_TWIN_RUNS * twin_mib / 1024))

t0=$SECONDS
# The figures depend on what else the host runs: noted in bench.json.
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed() { printf '%dm%02ds' $(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)); }
step() { log "bench [$(elapsed)]: $*"; }

# What runs in the background: a kernel build, the guest's progress
# stream.  Both are stopped on any exit.
build_pid='' streamer=''
# shellcheck disable=SC2317 # called from cleanup, the EXIT trap
stop_streamer() {
	[[ -n $streamer ]] || return 0
	kill "$streamer" 2>/dev/null || true
	wait "$streamer" 2>/dev/null || true
	streamer=''
}
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	[[ -z $build_pid ]] || kill "$build_pid" 2>/dev/null || true
	stop_streamer
}
trap cleanup EXIT

# with_progress WHAT OBJ CMD...: run CMD, a kernel build into OBJ, and
# say every 30 s how far it got (object files so far).
with_progress() {
	local what=$1 obj=$2 rc=0 next
	shift 2
	"$@" &
	build_pid=$!
	next=$((SECONDS + 30))
	while kill -0 "$build_pid" 2>/dev/null; do
		sleep 1
		if ((SECONDS >= next)); then
			step "$what: $(find "$obj" -name '*.o' 2>/dev/null | wc -l) objects so far"
			next=$((SECONDS + 30))
		fi
	done
	wait "$build_pid" || rc=$?
	build_pid=''
	return "$rc"
}

results_begin bench
step "sizes '$BENCH_SIZES', scenarios '${BENCH_SCENARIOS:-all}', cap $BENCH_CAP, pieces of $BENCH_PIECE_KB KiB, cost loop of $BENCH_COST_N, $RUNS runs, kernels '$BENCH_KERNELS'; results in $RESULTS"
"$S/deps.sh" --bench
need gnuplot gnuplot-nox
((BENCH_TWIN == 0)) || need bpftrace bpftrace
if [[ -n $linux_given ]]; then
	git -C "$LINUX" rev-parse -q --verify base >/dev/null ||
		die "LINUX=$LINUX: not a git tree with the tag 'base' (stock 6.1.192)"
	step "patched tree $LINUX as it is ($(git -C "$LINUX" describe --always --tags --dirty))"
else
	"$S/kernel/prepare-tree.sh"
fi

declare -A SRC=([patched]=$LINUX [stock]=$STOCK [6.12]=$K612_SRC)
# The 6.1 ones both two levels below the directory of their sources'
# tree, so that ccache shares the objects of the files the series does
# not touch.
declare -A OBJ=([patched]=$BUILD/obj/bench-patched
	[stock]=${STOCK_OBJ%/*}/bench-stock [6.12]=$BUILD/obj/bench-6.12)
if [[ " $BENCH_KERNELS " == *" stock "* ]]; then
	# The stock worktree (and its modules_prepare'd test object tree,
	# which 'make test' needs too); not the debug stock kernel.
	step "stock worktree ${STOCK#"$ROOT/"}"
	"$S/kernel/prepare-stock.sh"
fi
if [[ " $BENCH_KERNELS " == *" 6.12 "* ]]; then
	step "6.12 tree ${K612_SRC#"$ROOT/"} (Debian's $K612_PKG $K612_PKG_VERSION)"
	"$S/kernel/prepare-612.sh"
fi
for k in $BENCH_KERNELS; do
	obj=${OBJ[$k]}
	step "building the $k kernel (${obj#"$ROOT/"}, scripts/kernel/kconfig/bench.config; incremental)"
	with_progress "building bench-$k" "$obj" \
		"$S/kernel/build-kernel.sh" "${SRC[$k]}" "$obj" \
		"$S/kernel/kconfig/bench.config"
	step "$k: $(cat "$obj/include/config/kernel.release")"
done

step "building munmap_bench"
# The collection, not the program's path: selftests/Makefile's rule for
# a path has no prerequisites, so it never rebuilds a program it built.
make -s -C "$ROOT/selftests" KSRC="$LINUX" OUT="$BUILD/selftests" bench >/dev/null
[ -x "$BUILD/selftests/munmap_bench" ] || die "selftests/munmap_bench was not built"

# bench_lines: the guest's '# bench:' lines of stdin, short, on stderr,
# each as soon as it comes (a read loop: mawk would wait for a full buffer).
bench_lines() {
	local line
	while IFS= read -r line; do
		[[ $line == *"# bench: "* || $line == *"# bench-cost: "* ||
			$line == *"# bench-na: "* ]] || continue
		awk -f "$S/bench/progress.awk" <<<"$line" >&2
	done
}

# boot_guest KERNEL GUEST PLAN TIMEOUT [BOOT_ARG...]: boot the bench
# kernel KERNEL with the module built against it and munmap_bench, as
# guest GUEST (its console: $RESULTS/GUEST.console.log) running PLAN;
# false if the guest reported a failure.
boot_guest() {
	local guest=$2 plan=$3 timeout=$4 obj=${OBJ[$1]} rc=0
	local log=$RESULTS/$2.console.log
	shift 4

	step "booting $guest (QEMU, $SMP vCPUs, $BENCH_MEM, timeout ${timeout}s)"
	# The guest's lines as they come; run-vm.sh truncates the log first.
	tail -n +1 -s 0.5 -F "$log" > >(bench_lines || true) 2>/dev/null &
	streamer=$!
	# idle=poll: an idle vCPU spins instead of halting.  A halted vCPU
	# (the reader's, asleep on mmap_lock) takes the host milliseconds to
	# wake for each TLB-flush IPI or wake-up sent to it, which made the
	# exclusive calls last up to 2-3 times their window.  clocksource=tsc
	# tsc=reliable: under TCG the kernel finds the TSCs unsynchronized
	# and falls back to the HPET, whose every read (each clock_gettime())
	# is an emulated MMIO access that serializes the vCPUs.  Both are
	# explained in Documentation/bench.md.
	"$S/vm/boot.sh" --name "$guest" --kernel "$obj/arch/x86/boot/bzImage" \
		--module "$obj" --plan "$plan" --file "$BUILD/selftests/munmap_bench" \
		"$@" --smp "$SMP" --mem "$BENCH_MEM" --timeout "$((timeout + 120))" \
		--append "idle=poll clocksource=tsc tsc=reliable" \
		>/dev/null || rc=$?
	# Let tail drain, then stop it; bench_lines ends with its input.
	sleep 1
	stop_streamer
	((rc == 0)) || warn "$guest: the guest reported failures (see $log)"
	step "$guest done"
	return "$rc"
}

# run_kernel NAME: the measured runs on the bench kernel NAME.
run_kernel() {
	local name=$1 plan=$RESULTS/bench-$1.plan timeout=$TIMEOUT

	{
		echo "# Generated by scripts/bench.sh."
		# Before insmod: the module's tracepoint probes would be
		# in every mmap_lock operation of the loop.
		if ((BENCH_COST_N > 0)); then
			echo "run_test -t $COST_TIMEOUT munmap_cost env BENCH_MODE=cost" \
				"BENCH_KERNEL=$name RUNS=$RUNS BENCH_COST_N=$BENCH_COST_N" \
				"munmap_bench"
			timeout=$((timeout + COST_TIMEOUT))
		fi
		echo "run_test module_load insmod /opt/tests/modules/mmap_lock_hold.ko"
		echo "run_test -t $TIMEOUT munmap_bench env BENCH_KERNEL=$name RUNS=$RUNS" \
			"BENCH_SIZES='$BENCH_SIZES' BENCH_SCENARIOS='$BENCH_SCENARIOS'" \
			"BENCH_CAP='$BENCH_CAP' BENCH_PIECE_KB=$BENCH_PIECE_KB munmap_bench"
		echo "run_test module_unload rmmod mmap_lock_hold"
	} > "$plan"
	boot_guest "$name" "bench-$name" "$plan" "$timeout"
}

# run_twin NAME: the bpftrace twin's run on the bench kernel NAME, in a
# boot of its own: the measured runs' guest carries neither bpftrace nor
# its 200 MB, and the twin's run, after them in the same boot, twice
# never got past its warm-up in a stock guest (Documentation/bench.md).
run_twin() {
	local name=$1 plan=$RESULTS/bench-$1-twin.plan

	{
		echo "# Generated by scripts/bench.sh."
		echo "run_test module_load insmod /opt/tests/modules/mmap_lock_hold.ko"
		echo "run_test -t $TWIN_TIMEOUT twin bench-twin /opt/tests/bin/mmap-lock-hold.bt" \
			"env BENCH_KERNEL=$name RUNS=$BENCH_TWIN_RUNS BENCH_WRITER=0" \
			"BENCH_SIZES='$BENCH_TWIN_SIZES' BENCH_SCENARIOS='$BENCH_SCENARIOS'" \
			"BENCH_CAP='$BENCH_CAP' BENCH_PIECE_KB=$BENCH_PIECE_KB munmap_bench"
		echo "run_test module_unload rmmod mmap_lock_hold"
	} > "$plan"
	boot_guest "$name" "bench-$name-twin" "$plan" "$TWIN_TIMEOUT" "${twin_files[@]}"
}

# The twin's files: bpftrace with its libraries, and the C headers it
# parses the tracepoints' formats with on a kernel without BTF
# (linux-libc-dev).
twin_files=()
if ((BENCH_TWIN)); then
	twin_files=(--file "$S/mmap-lock-hold.bt" --file "$S/vm/guest/bench-twin"
		--host-bin "$(command -v bpftrace)")
	for d in /usr/include/linux /usr/include/asm-generic /usr/include/x86_64-linux-gnu/asm; do
		[[ -d $d ]] || die "no $d: install linux-libc-dev (bpftrace needs its headers)"
		twin_files+=(--host-dir "$d")
	done
fi

failed=''
for k in $BENCH_KERNELS; do
	run_kernel "$k" || failed+=" $k"
done
if ((BENCH_TWIN)); then
	for k in $BENCH_KERNELS; do
		run_twin "$k" || failed+=" $k-twin"
	done
fi

step "report"
report_args=(--results "$RESULTS" --config "$S/kernel/kconfig/bench.config"
	--setting "runs=$RUNS" --setting "sizes=$BENCH_SIZES"
	--setting "scenarios=${BENCH_SCENARIOS:-all}" --setting "cap=$BENCH_CAP"
	--setting "piece_kb=$BENCH_PIECE_KB" --setting "cost_n=$BENCH_COST_N"
	--setting "smp=$SMP" --setting "mem=$BENCH_MEM"
	--setting "twin=$BENCH_TWIN" --setting "twin_sizes=$BENCH_TWIN_SIZES"
	--setting "twin_runs=$BENCH_TWIN_RUNS"
	--host "cpus=$(jobs_count)"
	--host "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	--host "mem_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
	--host "kernel=$(uname -r)"
	--host "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	--host "accel=$("$S/vm/kvm-works.sh")"
	--host "load_at_start=$load_at_start"
	--host "load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)")
for k in $BENCH_KERNELS; do
	report_args+=(--kernel "$k=${SRC[$k]}" --obj "$k=${OBJ[$k]}")
done
rc=0
python3 "$S/bench/report.py" "${report_args[@]}" || rc=$?
if [[ -s $RESULTS/bench-plot.names ]]; then
	gnuplot -e "datafile='$RESULTS/bench-plot.dat'" \
		-e "outfile='$RESULTS/bench.png'" \
		-e "names='$(cat "$RESULTS/bench-plot.names")'" \
		-e "kernels='$(cat "$RESULTS/bench-plot.kernels")'" \
		"$S/bench/plot.gp"
fi
[[ ! -f $RESULTS/bench.md ]] || cat "$RESULTS/bench.md"
if ((BENCH_TWIN)); then
	step "the bpftrace twin against the module"
	# shellcheck disable=SC2086 # the kernels, one word each
	python3 "$S/bench/twin.py" --results "$RESULTS" $BENCH_KERNELS || rc=1
	[[ ! -f $RESULTS/twin.md ]] || cat "$RESULTS/twin.md"
fi
step "table in $RESULTS/bench.md, raw figures in $RESULTS/bench.json, plot in $RESULTS/bench.png"
((BENCH_TWIN == 0)) || step "the twin's comparison in $RESULTS/twin.md, every call in $RESULTS/twin.json"
[[ -z $failed ]] || { warn "the guest of:$failed reported failures"; rc=1; }
exit "$rc"
