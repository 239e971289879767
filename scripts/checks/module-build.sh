#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The companion module must build out of tree against the patched tree
# and against stock 6.1.192 alike (so the two kernels can be compared in
# one run).  One result per tree.
# Usage: scripts/checks/module-build.sh   (records suite 'module-build')
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

results_begin module-build

# check NAME CMD...: one result, CMD's output in module-build-NAME.log.
check() {
	local name=$1 out=$RESULTS/module-build-$1.log rc=0
	shift
	"$@" > "$out" 2>&1 || rc=$?
	tap_check $rc "module builds against $name" "$(tail -n 15 "$out")"
}

stock_module() {
	"$S/kernel/prepare-stock.sh" && "$S/kernel/build-module.sh" "$STOCK_OBJ" stock
}

check patched "$S/kernel/build-module.sh" "$BUILD/obj/test" patched
check stock stock_module
tap_done module-build
