#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The companion module must build out of tree against the patched tree
# and against stock 6.1.192 alike (so the two kernels can be compared in
# one run).  One result per tree.
# Usage: scripts/module-check.sh          (records suite 'module-build')
set -euo pipefail
source "$(dirname "$0")/lib.sh"

pass=0 fail=0
check() {
	local name=$1 n_=$2
	shift 2
	if "$@" > "$RESULTS/module-build-$name.log" 2>&1; then
		echo "ok $n_ module builds against $name"
		pass=$((pass + 1))
	else
		tail -n 15 "$RESULTS/module-build-$name.log" | sed 's/^/# /'
		echo "not ok $n_ module builds against $name"
		fail=$((fail + 1))
	fi
}

mkdir -p "$RESULTS"
check patched 1 "$ROOT/scripts/build-module.sh" "$BUILD/obj/test" patched
check stock 2 bash -c '"$1/scripts/prepare-stock.sh" &&
	"$1/scripts/build-module.sh" "$2/obj/stock" stock' _ "$ROOT" "$BUILD"
record_counts module-build $pass $fail 0
[ $fail -eq 0 ]
