#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make bench': stock vs patched exclusive mmap_lock hold times.
# Not built yet: it needs the companion module that measures the
# exclusive windows (module/) and the benchmark scenarios.  Say so
# instead of printing figures nobody measured.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

die "the benchmark is not built yet: it needs the hold-time module (module/) and the bench scenarios; 'make test' runs everything that exists today"
