#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The evidence behind the mm_count claim of "mm/mmap: add KUnit tests for
# the munmap gather and complete phases": run the KUnit suite, instrumented
# by kunit-mm-leak.py, as it is and without its exit callback, in one
# kernel, and write the counts to Documentation/results/evidence/.
#   scripts/evidence/kunit-mm-leak.sh [OUTPUT]
# Uses build/linux (make prepare) in a throwaway worktree; about one KUnit
# build and boot.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

need qemu-system-x86_64 qemu-system-x86
[ -d "$LINUX/.git" ] || die "$LINUX is not prepared: run 'make prepare'"
out=${1:-$ROOT/Documentation/results/evidence/kunit-mm-leak.txt}

tree=$BUILD/evidence/linux
obj=$BUILD/evidence/obj/kunit
cleanup() { git -C "$LINUX" worktree remove --force "$tree" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
mkdir -p "$(dirname "$tree")" "$obj" "$(dirname "$out")"
git -C "$LINUX" worktree add --detach -q "$tree" HEAD
python3 "$S/evidence/kunit-mm-leak.py" "$tree/mm/munmap_kunit.c"

log "kunit-mm-leak: building and running the instrumented suite"
cc=$(kernel_cc)
rc=0
(cd "$tree" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--build_dir="$obj" --jobs="$(jobs_count)" --timeout=600 \
	--kunitconfig="$ROOT/kunit/.kunitconfig" --raw_output=all \
	${cc:+--make_options="CC=$cc"}) > "$obj/run.log" 2>&1 || rc=$?
lines=$(grep -o 'vms_leak: .*' "$obj/run.log" || true)
[ "$(printf '%s\n' "$lines" | grep -c 'suite=')" -eq 2 ] ||
	die "kunit-mm-leak: expected two vms_leak lines (kunit.py exit $rc), see $obj/run.log"
{
	echo "# scripts/evidence/kunit-mm-leak.sh on $(git -C "$LINUX" log -1 --format='%h %s')"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), kunit.py --arch=x86_64 under QEMU"
	printf '%s\n' "$lines"
} > "$out"
cat "$out"
