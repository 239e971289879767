#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The companion module on a running Linux 6.12: build a 6.12 kernel from
# Debian's linux-source-6.12 (scripts/kernel/prepare-612.sh extracts it)
# with the 6.1 test kernel's own fragment, kconfig/test.config, and
# kconfig/test-612.config (per-VMA lock statistics) in
# build/obj/test-6.12, boot it, and run every selftest of the module
# (mlh_*) there, the module built against that tree.  The munmap
# selftests are the series' and stay on 6.1.
# Usage: scripts/checks/vm612.sh         (records suite 'vm-612')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

OBJ=$BUILD/obj/test-6.12
results_begin vm-612

fail() {
	log "vm-612: $1 (log: $2)"
	tail -n 20 "$2" >&2
	record_counts vm-612 0 1 0
	exit 1
}

"$S/kernel/prepare-612.sh" > "$RESULTS/vm-612-prepare.log" 2>&1 ||
	fail "the 6.12 tree could not be prepared" "$RESULTS/vm-612-prepare.log"
log "vm-612: building Linux $K612_KERNELVERSION in ${OBJ#"$ROOT/"} (kconfig/test.config, test-612.config; incremental)"
"$S/kernel/build-kernel.sh" "$K612_SRC" "$OBJ" "$S/kernel/kconfig/test.config" \
	"$S/kernel/kconfig/test-612.config" > "$RESULTS/vm-612-build.log" 2>&1 ||
	fail "Linux $K612_KERNELVERSION did not build" "$RESULTS/vm-612-build.log"

only=$({ make -s -C "$ROOT/selftests" list; make -s -C "$ROOT/selftests" list-unloaded; } |
	grep '^mlh_')
VM_NAME=vm-612 KERNEL=$OBJ/arch/x86/boot/bzImage VM_ONLY=$only \
	exec "$S/checks/vmtest.sh"
