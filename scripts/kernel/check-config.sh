#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that a .config has every option the kconfig fragments ask for
# (the last fragment to mention an option wins, fragment-options.awk):
# kconfig silently drops an option whose dependencies are not met, and
# a dropped debug or test option would void the tests.  Prints one
# warning per option that did not survive; exits 1 if any did not.
# Usage: scripts/kernel/check-config.sh CONFIG FRAGMENT...
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

[ $# -ge 2 ] || die "usage: $0 CONFIG FRAGMENT..."
config=$1
shift
[ -f "$config" ] || die "$config: no such .config"

bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$config" || {
			warn "'$line' did not survive (got: $(grep "^${line%%=*}=" "$config" || echo unset))"
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$config" || {
			warn "$opt should be unset"; bad=1; } ;;
	esac
done < <(awk -f "$S/kernel/fragment-options.awk" "$@")
exit $bad
