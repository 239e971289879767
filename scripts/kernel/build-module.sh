#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the companion module out of tree against one kernel, in a copy of
# module/ under build/module/NAME, so that builds against several trees
# never share object files and module/ stays clean; and mlh_contexts'
# helper module (selftests/mlh/fire/) in build/module/NAME-fire.
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

# build SRC DIR KO: the module of SRC's Kbuild built in DIR (a copy of
# SRC), signed if the tree signs modules; DIR/KO must come out of it.
build() {
	local src=$1 dir=$2 ko=$2/$3 hash
	mkdir -p "$dir"
	rsync -a --delete --include='*/' --include='*.c' --include='*.h' \
		--include=Kbuild --include=Makefile --exclude='*' "$src/" "$dir/"
	make -s -C "$KDIR" M="$dir" ${cc:+"CC=$cc"} modules
	[ -f "$ko" ] || die "no ${ko##*/} in $dir"
	# Under lockdown a kernel with module signing refuses an unsigned
	# module (module_sig_check()): sign it with the tree's own key, as
	# 'make modules_install' signs in-tree modules.  Trees without the
	# key (distro headers) leave it unsigned; it loads there unless
	# signatures are forced.
	if grep -qx CONFIG_MODULE_SIG=y "$KDIR/.config" 2>/dev/null &&
		[ -f "$KDIR/certs/signing_key.pem" ]; then
		hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$KDIR/.config")
		"$KDIR/scripts/sign-file" "$hash" "$KDIR/certs/signing_key.pem" \
			"$KDIR/certs/signing_key.x509" "$ko" ||
			die "could not sign $ko with $KDIR's key"
	fi
	log "module: $ko ($(modinfo -F vermagic "$ko"))"
}

cc=$(kernel_cc)
# mlh_contexts' helper first, in a directory of its own (fire/): the
# companion module's directory is rsync'd with --delete.
build "$ROOT/selftests/mlh/fire" "$OUT-fire" mlh_fire.ko
build "$MODULE_SRC" "$OUT" mmap_lock_hold.ko
