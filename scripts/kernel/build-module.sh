#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the companion module out of tree against one kernel, in a copy of
# module/ under build/module/NAME, so that builds against several trees
# never share object files and module/ stays clean.
# Usage: scripts/kernel/build-module.sh KDIR NAME
#   KDIR  a prepared 6.1.y tree or its O= object directory
#   NAME  test, stock, ...: output in build/module/NAME/mmap_lock_hold.ko
# Env:  MODULE_SRC=the module's sources (module/; the evidence scripts
#         point it at a deliberately broken copy)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

[ $# -eq 2 ] || die "usage: $0 KDIR NAME"
KDIR=$1
OUT=$BUILD/module/$2
[ -f "$KDIR/Makefile" ] || die "$KDIR is not a prepared kernel tree"
need rsync rsync
MODULE_SRC=${MODULE_SRC:-$ROOT/module}
[ -f "$MODULE_SRC/Kbuild" ] || die "MODULE_SRC: no Kbuild in $MODULE_SRC"

mkdir -p "$OUT"
rsync -a --delete --include='*/' --include='*.c' --include='*.h' \
	--include=Kbuild --include=Makefile --exclude='*' "$MODULE_SRC/" "$OUT/"
cc=$(kernel_cc)
make -s -C "$KDIR" M="$OUT" ${cc:+"CC=$cc"} modules
[ -f "$OUT/mmap_lock_hold.ko" ] || die "no mmap_lock_hold.ko in $OUT"
# Under lockdown a kernel with module signing refuses an unsigned module
# (module_sig_check()): sign it with the tree's own key, as 'make
# modules_install' signs in-tree modules.  Trees without the key (distro
# headers) leave it unsigned; it loads there unless signatures are forced.
if grep -qx CONFIG_MODULE_SIG=y "$KDIR/.config" 2>/dev/null &&
	[ -f "$KDIR/certs/signing_key.pem" ]; then
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$KDIR/.config")
	"$KDIR/scripts/sign-file" "$hash" "$KDIR/certs/signing_key.pem" \
		"$KDIR/certs/signing_key.x509" "$OUT/mmap_lock_hold.ko" ||
		die "could not sign $OUT/mmap_lock_hold.ko with $KDIR's key"
fi
log "module: $OUT/mmap_lock_hold.ko ($(modinfo -F vermagic "$OUT/mmap_lock_hold.ko"))"
