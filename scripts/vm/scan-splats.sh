#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Find the kernel splats in a plain kernel log, such as the serial console
# kunit.py saves in BUILD_DIR/test.log. Every line counts as kernel output,
# with or without a printk timestamp; KTAP lines (KUnit's results and its
# "# test: EXPECTATION FAILED at ..." diagnostics) never are splats. What
# a splat is, and how report lines group and dedupe: scripts/vm/splats.awk,
# the same rules parse-log.awk applies to test VM consoles.
#
# Usage: scan-splats.sh LOGFILE
#   stdout  exactly one line: the number of splats found
#   stderr  each splat with context, then a one-line summary of each
#   exit    0 no splat, 1 splats found, 2 usage error or unreadable
#           LOGFILE (then nothing on stdout)
set -euo pipefail

if (($# != 1)) || [[ $1 == -* ]]; then
	echo "usage: $0 LOGFILE" >&2
	exit 2
fi
if [[ ! -f $1 || ! -r $1 ]]; then
	echo "error: cannot read $1" >&2
	exit 2
fi

export LC_ALL=C
exec awk -v splat_out=/dev/stderr -f "$(dirname "$0")/splats.awk" \
	-f "$(dirname "$0")/scan-splats.awk" "$1"
