#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the companion module out of tree against one kernel, in a copy of
# module/ under build/module/NAME, so that builds against several trees
# never share object files and module/ stays clean.
# Usage: scripts/kernel/build-module.sh KDIR NAME
#   KDIR  a prepared 6.1.y tree or its O= object directory
#   NAME  test, stock, ...: output in build/module/NAME/mmap_lock_hold.ko
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

[ $# -eq 2 ] || die "usage: $0 KDIR NAME"
KDIR=$1
OUT=$BUILD/module/$2
[ -f "$KDIR/Makefile" ] || die "$KDIR is not a prepared kernel tree"
need rsync rsync

mkdir -p "$OUT"
rsync -a --delete --include='*/' --include='*.c' --include='*.h' \
	--include=Kbuild --include=Makefile --exclude='*' "$ROOT/module/" "$OUT/"
cc=$(kernel_cc)
make -s -C "$KDIR" M="$OUT" ${cc:+"CC=$cc"} modules
[ -f "$OUT/mmap_lock_hold.ko" ] || die "no mmap_lock_hold.ko in $OUT"
log "module: $OUT/mmap_lock_hold.ko ($(modinfo -F vermagic "$OUT/mmap_lock_hold.ko"))"
