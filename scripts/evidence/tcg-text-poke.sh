#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The evidence behind deb-boot.sh's single-threaded TCG: boot the 'make
# deb' kernel (CONFIG_JUMP_LABEL) RUNS times under each TCG threading
# mode and run the two module-unloading selftests, whose rmmod patches
# the mmap_lock tracepoints' jump labels while other threads run them.
# Each run's host output is kept; summary.txt has one line per run.
#   scripts/evidence/tcg-text-poke.sh [RUNS]     (after 'make deb'; 3)
#   scripts/evidence/tcg-text-poke.sh --summarize DIR
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

out=$ROOT/Documentation/results/evidence/tcg-text-poke

# One line per NAME.host.log: QEMU's accelerator, the guest's summary,
# and how many soft lockups the console had.
summarize() {
	local f accel sum n
	for f in "$1"/*.host.log; do
		accel=$(grep -a -o -m1 'booting deb-boot ([^ ]*' "$f" | sed 's/.*(//; s/,$//')
		sum=$(grep -a -o 'deb-boot: [0-9]* passed.*skipped' "$f" | tail -n 1)
		n=$(grep -a -c 'watchdog: BUG: soft lockup' "$f" || true)
		printf '%-18s %-18s %-40s soft lockups: %s\n' "${f##*/}" "$accel" "${sum:-no summary}" "$n"
	done
}

if [ "${1:-}" = --summarize ]; then
	summarize "${2:?--summarize DIR}"
	exit 0
fi
runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS: a positive number, not '$runs'"
mkdir -p "$out"
for mode in multi single; do
	for i in $(seq "$runs"); do
		log "tcg-text-poke: $mode $i/$runs"
		TCG_THREAD=$mode DEB_TESTS="mlh:mlh_unload mlh:mlh_reload" VM_TIMEOUT=150 \
			"$S/checks/deb-boot.sh" > "$out/$mode-$i.host.log" 2>&1 || true
	done
done
summarize "$out" | tee "$out/summary.txt"
