#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build a kernel out of tree.
# Usage: scripts/kernel/build-kernel.sh SRC OBJ FRAGMENT... [-- EXTRA_FRAGMENT...]
#
# The .config is x86_64 alldefconfig with the fragments forced on top
# (KCONFIG_ALLCONFIG, later fragments win); every option a FRAGMENT sets
# must survive, or the build stops: a silently dropped debug option would
# void the tests.  EXTRA_FRAGMENTs are merged too but not checked (options
# of the series that do not exist at every commit).  Re-running is
# incremental.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

usage() { die "usage: $0 SRC OBJ FRAGMENT... [-- EXTRA_FRAGMENT...]"; }
[ $# -ge 3 ] || usage
SRC=$(cd "$1" && pwd)
OBJ=$2
shift 2
checked=() extra=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do checked+=("$1"); shift; done
[ $# -gt 0 ] && shift
extra=("$@")
[ ${#checked[@]} -gt 0 ] || usage

mkdir -p "$OBJ"
OBJ=$(cd "$OBJ" && pwd)
allconfig=$OBJ/.allconfig.fragment
cat "${checked[@]}" "${extra[@]}" > "$allconfig.new"
mv "$allconfig.new" "$allconfig"

cc=$(kernel_cc)
make_k() { make -s -C "$SRC" O="$OBJ" ARCH=x86_64 ${cc:+"CC=$cc"} "$@"; }

make_k KCONFIG_ALLCONFIG="$allconfig" alldefconfig >/dev/null

"$S/kernel/check-config.sh" "$OBJ/.config" "${checked[@]}" ||
	die "configuration of $OBJ does not match ${checked[*]}"

# TARGETS: what to build (modules_prepare is enough for out-of-tree modules).
read -ra targets <<<"${TARGETS:-bzImage modules}"
make_k -j"$(jobs_count)" "${targets[@]}"
