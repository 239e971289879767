#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The stock base, side by side with the patched tree: build/stock/linux
# is a worktree of build/linux at tag 'base', configured like the test
# kernel in build/stock/obj/test (STOCK and STOCK_OBJ in lib.sh, which
# says why there).  By default only modules_prepare runs, enough to
# build the companion module against stock 6.1.192; --full builds the
# stock kernel too (for booting it).
# Usage: scripts/kernel/prepare-stock.sh [--full]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

git -C "$LINUX" rev-parse -q --verify base >/dev/null ||
	die "$LINUX is not prepared: run 'make prepare'"

# The worktree used to be build/stock itself, built in build/obj/stock.
if [ -e "$BUILD/stock/.git" ]; then
	log "stock: moving the worktree to $STOCK"
	git -C "$LINUX" worktree remove --force "$BUILD/stock" 2>/dev/null || true
	rm -rf "$BUILD/stock" "$BUILD/obj/stock"
fi

base=$(git -C "$LINUX" rev-parse base)
if [ ! -d "$STOCK/.git" ] && [ ! -f "$STOCK/.git" ]; then
	rm -rf "$STOCK"
	mkdir -p "${STOCK%/*}"
	git -C "$LINUX" worktree prune
	log "stock: checking out base into $STOCK"
	git -C "$LINUX" worktree add -q --detach "$STOCK" base
elif [ "$(git -C "$STOCK" rev-parse HEAD)" != "$base" ]; then
	git -C "$STOCK" checkout -q --detach -f base
fi

targets="modules_prepare"
[ "${1:-}" = --full ] && targets="bzImage modules"
TARGETS=$targets "$S/kernel/build-kernel.sh" "$STOCK" "$STOCK_OBJ" \
	"$S/kernel/kconfig/test.config"
