#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make test': everything from a fresh clone to one closing line.
#   script self-checks -> deps -> prepare build/linux -> quilt
#   -> checkpatch -> bisect builds
#   -> KUnit in QEMU -> KUnit on broken kernels -> the module against
#   the patched and stock trees -> the module against 6.12, and dkms
#   -> a 6.12 kernel booted with the module's selftests, and under lockdown
#   -> in-VM tests (module loaded) -> the module's controls in a guest
#   under lockdown=integrity -> the selftest tarball in a guest
#   -> stress-ng in the VM (module recording) -> the stock kernel, where
#   munmap_hold must tell the two rule sets apart
#   -> 'N passed, N failed, N skipped'
# Results: build/results/test-<time>/ (build/results/test-latest), one
# <suite>.counts per stage (stage and summary: scripts/lib.sh), the logs,
# stages.tsv (counts and seconds per stage) and summary.txt.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

results_begin test
start=$SECONDS

prepare() {
	"$S/deps.sh" && "$S/kernel/prepare-tree.sh" && record_counts prepare 1 0 0
}

stage tooling "$S/checks/tooling.sh"
if stage prepare prepare; then
	stage quilt "$S/checks/quilt.sh"
	stage checkpatch "$S/checks/checkpatch.sh"
	if stage bisect "$S/checks/bisect.sh"; then
		stage kunit "$S/checks/kunit.sh" &&
			stage mutants "$S/checks/mutants.sh"
		stage module-build "$S/checks/module-build.sh"
		stage module-612 "$S/checks/module-612.sh" &&
			stage vm-612 "$S/checks/vm612.sh" &&
			stage lockdown-612 env VM_NAME=lockdown-612 \
				KERNEL="$BUILD/obj/test-6.12/arch/x86/boot/bzImage" \
				"$S/checks/lockdown.sh"
		stage vmtest "$S/checks/vmtest.sh"
		stage lockdown "$S/checks/lockdown.sh"
		stage tarball "$S/checks/tarball.sh"
		stage stress "$S/checks/stress.sh"
		stage stock "$S/checks/stock.sh"
	else
		log "the series does not build: KUnit and in-VM tests not run"
	fi
fi

log "make test took $((SECONDS - start)) s (results: $RESULTS)"
record_run test $((SECONDS - start))
summary
