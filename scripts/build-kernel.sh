#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build a kernel out of tree.
# Usage: scripts/build-kernel.sh SRC OBJ FRAGMENT [EXTRA_FRAGMENT...]
#
# The .config is x86_64 alldefconfig with FRAGMENT forced on top
# (KCONFIG_ALLCONFIG); every option FRAGMENT sets must survive, or the
# build stops: a silently dropped debug option would void the tests.
# EXTRA_FRAGMENTs are merged too but not checked (options of the series
# that do not exist at every commit).  Re-running is incremental.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: $0 SRC OBJ FRAGMENT [EXTRA_FRAGMENT...]"
SRC=$(cd "$1" && pwd)
OBJ=$2
FRAGMENT=$3
shift 3

mkdir -p "$OBJ"
OBJ=$(cd "$OBJ" && pwd)
allconfig=$OBJ/.allconfig.fragment
cat "$FRAGMENT" "$@" > "$allconfig.new"
mv "$allconfig.new" "$allconfig"

make_k() { make -s -C "$SRC" O="$OBJ" ARCH=x86_64 "$@"; }

make_k KCONFIG_ALLCONFIG="$allconfig" alldefconfig >/dev/null

# Every option the fragment asks for must be in the resulting .config.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$OBJ/.config" || {
			warn "$FRAGMENT: '$line' did not survive (got: $(grep "^${line%%=*}=" "$OBJ/.config" || echo unset))"
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$OBJ/.config" || {
			warn "$FRAGMENT: $opt should be unset"; bad=1; } ;;
	esac
done < "$FRAGMENT"
[ $bad -eq 0 ] || die "configuration of $OBJ does not match $FRAGMENT"

make_k -j"$(jobs_count)" bzImage modules
