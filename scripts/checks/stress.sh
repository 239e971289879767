#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress-ng in a QEMU guest of the patched kernel while the companion
# module records every exclusive mmap_lock window: Debian's stress-ng
# (with its libraries) runs the mmap family of stressors one after the
# other, each for its share of the duration.  Two results per stressor:
#   1. stress-ng passed: exit 0 with --verify (exit 4, "not implemented
#      here", is a skip);
#   2. the module recorded windows, munmap() ones among them, and missed
#      no close; no munmap() window held mmap_lock exclusively for longer
#      than the bound.
# Plus module load and unload, and the check that no special VMA (hugetlb,
# uprobe) can exist in the guest; kernel splats anywhere fail the run as
# in vmtest (scripts/vm/parse-log.awk).
#
# Usage: scripts/checks/stress.sh [--duration SECONDS] [--munmap-max-ms MS]
#                                 [--write-guest DIR]
#   --duration       stress time in the guest, split evenly among the
#                    stressors (default 120: the 'stress' stage of make
#                    test; 'make soak DURATION=...' passes its own)
#   --munmap-max-ms  the bound on any munmap() exclusive window (default
#                    2000, or STRESS_MUNMAP_MAX_MS): see "Why 2000 ms" below
#   --write-guest    only write the guest's plan and its scripts
#                    (scripts/vm/guest/, in bin/) to DIR and stop: no
#                    kernel needed (the tooling tests use it)
# Env: KERNEL=path/to/bzImage (default: the patched test kernel in
#        build/obj/test); the module is built against that image's own
#        object tree, since vermagic carries the tree's git hash.
#      VM_NAME=suite name to record the results under (stress).
#      STRESS_INSTANCES=workers per stressor (2: one per vCPU).
#      STRESS_PIECE_KB=vm.munmap_piece_kbytes in the guest (64; 0 leaves
#        the knob off): with it on, every munmap() of stress-ng larger
#        than 16 pages goes in pieces ("mm/mmap: optionally unmap a large
#        munmap() range in pieces") under the same checks; vmtest runs
#        the selftests with the knob off.
#
# Sequential, not all stressors at once: mmap_lock is per mm and
# stress-ng's workers are processes, so running stressors together adds
# no contention on any one lock, only CPU and memory pressure; on two TCG
# vCPUs that starves each stressor and brings the OOM killer near (whose
# report the parser counts as a splat).  One at a time, each stressor's
# windows are recorded apart (the module's statistics are reset before
# each), so a long window names its stressor.
#
# Why 2000 ms, a stall guard and no more: none of these stressors can
# create a special VMA here (no hugetlb page reserved, no uprobe set, no
# PFNMAP device opened), so every munmap() that unmaps something
# downgrades (in the stress runs the module's downgrade count covers the
# munmap count, but for mmapmany, which also unmaps the holes it made:
# nothing to unmap, no downgrade).  Yet the tails are long: on the debug
# kernel every VMA split validates the whole maple tree
# (DEBUG_VM_MAPLE_TREE), O(map_count), and under TCG a vCPU that loses
# its host CPU holds the lock meanwhile.  Measured on a loaded 2-core
# host (Documentation/reliability.md): munmap() windows up to 808 ms
# (mmapmany: thousands of VMAs), and mmap(), madvise() and execve()
# windows that zapped nothing up to 823, 166 and 118 ms; without the
# debug options p99 fell to 0.2 ms but maxima stayed at 100-145 ms,
# the host's doing.  Meanwhile make bench zaps 256 MiB of zero-page PTEs
# in about 7 ms under TCG (stress-ng's mappings are a page to 256 MiB).
# No timing bound separates gather from zap here without failing on
# noise; this one only catches a munmap() that holds the lock for
# seconds.  Whether munmap() downgrades is what selftests/mm/munmap_hold
# checks, scenario by scenario.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

usage() {
	die "usage: $0 [--duration SECONDS] [--munmap-max-ms MS] [--write-guest DIR]"
}

duration=120
max_ms=${STRESS_MUNMAP_MAX_MS:-2000}
write_guest=''
while (($#)); do
	(($# >= 2)) || usage
	case $1 in
	--duration) duration=$2 ;;
	--munmap-max-ms) max_ms=$2 ;;
	--write-guest) write_guest=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[[ $duration =~ ^[0-9]+$ ]] || die "--duration takes whole seconds"
[[ $max_ms =~ ^[1-9][0-9]*$ ]] ||
	die "--munmap-max-ms (STRESS_MUNMAP_MAX_MS) takes whole milliseconds > 0"

VM_NAME=${VM_NAME:-stress}
instances=${STRESS_INSTANCES:-2}
[[ $instances =~ ^[1-9][0-9]*$ ]] || die "STRESS_INSTANCES takes a number > 0"
piece_kb=${STRESS_PIECE_KB:-64}
[[ $piece_kb =~ ^[0-9]+$ ]] || die "STRESS_PIECE_KB takes KiB"

# The mmap family: every stressor whose work is mapping, remapping,
# growing and unmapping memory.
stressors=(mmap mmapfork mmapfixed mmapaddr mmapmany mremap brk stack shm vm)
per=$((duration / ${#stressors[@]}))
((per >= 1)) || die "--duration $duration: less than 1 s per stressor"

GUEST=("$S/vm/guest/mlh-stress" "$S/vm/guest/mlh-stress.awk"
	"$S/vm/guest/mlh-no-special")

# write_plan FILE: the guest's plan; it runs the scripts of GUEST.
write_plan() {
	local s
	{
		echo "# Generated by scripts/checks/stress.sh: $duration s of stress-ng, $per s per stressor."
		((piece_kb == 0)) ||
			echo "run_test sysctl_munmap_piece_kbytes sysctl -w vm.munmap_piece_kbytes=$piece_kb"
		echo "run_test module_load insmod /opt/tests/modules/mmap_lock_hold.ko"
		# The bound assumes that no munmap() may keep the lock for its
		# zap: only hugetlb, PFNMAP and uprobe'd VMAs do.  No stressor
		# here opens a device with PFNMAP mappings; make sure the other
		# two cannot exist either.
		echo "run_test no_special_vmas mlh-no-special"
		for s in "${stressors[@]}"; do
			# Past its --timeout stress-ng still reaps its workers, which
			# under TCG may take a while (mmapfork frees most of the RAM).
			echo "run_test -t $((per + 180)) stress_$s mlh-stress $s $per $instances $((max_ms * 1000000))"
		done
		echo "run_test module_unload rmmod mmap_lock_hold"
	} >"$1"
}

if [[ -n $write_guest ]]; then
	mkdir -p "$write_guest/bin"
	write_plan "$write_guest/plan"
	cp "${GUEST[@]}" "$write_guest/bin/"
	exit 0
fi

KERNEL=${KERNEL:-$BUILD/obj/test/arch/x86/boot/bzImage}
need stress-ng stress-ng
results_begin "$VM_NAME"
write_plan "$RESULTS/$VM_NAME.plan"
files=()
for f in "${GUEST[@]}"; do
	files+=(--file "$f")
done
rc=0
"$S/vm/boot.sh" --name "$VM_NAME" --kernel "$KERNEL" \
	--module "${KERNEL%/arch/x86/boot/bzImage}" --plan "$RESULTS/$VM_NAME.plan" \
	"${files[@]}" --host-bin "$(command -v stress-ng)" \
	--timeout "${VM_TIMEOUT:-$((600 + 2 * duration))}" \
	--append "kunit.filter_glob=none" || rc=$?

# The figures, whatever the result: one line per stressor, and the
# guest's raw '# stress:' lines in NAME.figures for the results page.
grep -a '^# stress: ' "$RESULTS/$VM_NAME.console.log" | tr -d '\r' \
	>"$RESULTS/$VM_NAME.figures" || true
LC_ALL=C awk -v suite="$VM_NAME" -f "$S/checks/stress-figures.awk" \
	"$RESULTS/$VM_NAME.console.log" >&2 || true
exit "$rc"
