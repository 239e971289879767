#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bench figures quoted in the patch messages, the cover letter and the
# README are those of the committed run
# (Documentation/results/bench/bench.json): each patch below, and
# README.md's generated block, must contain, verbatim, what
# scripts/bench/quote.py prints for its figures today, so a new committed
# run that is not quoted again, or a figure typed by hand, fails here.  With no committed run,
# no patch may quote bench figures at all.
# Prints TAP and a final "N passed, N failed" line.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

json=$ROOT/Documentation/results/bench/bench.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# PATCH-SUBJECT-PART:WHAT, one per quoted block.
quoted=(
	"keep-mmap_lock-exclusive-when-unmapping-spec:special"
	"always-downgrade-mmap_lock-when-the-caller-a:growsdown"
	"keep-the-old-mapping-when-a-MAP_FIXED-mmap-f:map_fixed"
	"unmap-a-contiguous-segment-with-one-downgrad:shmdt"
	"optionally-unmap-a-large-munmap-range-in-pie:pieces"
	"cover-letter:table"
	"cover-letter:pieces"
	"README:pieces"
)
echo "1..${#quoted[@]}"

for q in "${quoted[@]}"; do
	part=${q%%:*} what=${q#*:}
	if [[ $part == README ]]; then
		patch=$ROOT/README.md
	else
		patch=$(compgen -G "$ROOT/patches/[0-9][0-9][0-9][0-9]-*$part*.patch" | head -n 1) || true
	fi
	if [[ -z $patch ]]; then
		tap_fail "$what: a patch named *$part*" "no such patch in patches/"
		continue
	fi
	name=${patch##*/}
	if [[ ! -f $json ]]; then
		# The header line every quote starts with.
		rc=0
		! grep -q '^Measured with make bench' "$patch" || rc=1
		tap_check $rc "$name quotes no bench figures: none committed" \
			"it quotes figures of a run that is not committed"
		continue
	fi
	python3 "$S/bench/quote.py" "$json" "$what" > "$tmp/want"
	# The block must appear as consecutive lines of the message.
	rc=0
	python3 - "$tmp/want" "$patch" <<-'EOF' || rc=$?
	import sys
	want = open(sys.argv[1]).read().rstrip("\n")
	sys.exit(0 if want in open(sys.argv[2]).read() else 1)
	EOF
	tap_check $rc "$name quotes quote.py $what of the committed run" \
		"re-quote it: python3 scripts/bench/quote.py $json $what"
done

tap_summary
