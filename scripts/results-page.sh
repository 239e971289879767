#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make results-page': Documentation/results.md, the one page with the
# figures of the last runs, generated from the raw results committed in
# Documentation/results/ (scripts/results/page.py says which files), and
# the README's block of the bench's vm.munmap_piece_kbytes figures.
# Usage: scripts/results-page.sh [--take RUN_DIR]...
#   --take RUN_DIR  first copy the small raw files of that run, e.g.
#                   build/results/test-latest or bench-latest, into
#                   Documentation/results/<target>/ (replacing the
#                   previous run's); commit them with the page.  Runs of
#                   make deb and make deb-check are taken too, as the
#                   record Documentation/hardware.md links to.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RAW=$ROOT/Documentation/results
PAGE=$ROOT/Documentation/results.md

# take RUN_DIR: the run's raw files that the page is made from.
take() {
	local dir target f n=0
	dir=$(cd "$1" && pwd -P) || die "no run directory $1"
	target=${dir##*/}
	target=${target%-[0-9]*-[0-9]*}
	[[ $target =~ ^(test|test-debug|bench|deb|deb-boot)$ ]] ||
		die "$1: a run of make test, test-debug, bench, deb or deb-check (build/results/test-*, test-debug-*, bench-*, deb-*, deb-boot-*)"
	rm -rf "${RAW:?}/$target"
	mkdir -p "$RAW/$target"
	# The deb-boot console too: the guest's TAP lines are the record
	# Documentation/hardware.md quotes (the test consoles are too big).
	for f in run.txt stages.tsv summary.txt bench.json twin.json twin.md deb.txt "$dir"/*.plan \
		"$dir"/*.results.txt "$dir"/*.figures deb-boot.console.log; do
		f=${f##*/}
		[[ -f $dir/$f ]] || continue
		cp "$dir/$f" "$RAW/$target/"
		n=$((n + 1))
	done
	((n)) || die "$1: no raw results in it"
	log "took $n files of $dir into ${RAW#"$ROOT/"}/$target"
}

while (($#)); do
	[[ $1 == --take && $# -ge 2 ]] || die "usage: $0 [--take RUN_DIR]..."
	take "$2"
	shift 2
done
mkdir -p "$RAW"
python3 "$S/results/page.py" "$RAW" "$PAGE"
log "wrote ${PAGE#"$ROOT/"}"
# The README's one quote of the bench: the knob's figures.
if [[ -f $RAW/bench/bench.json ]]; then
	python3 "$S/bench/quote.py" "$RAW/bench/bench.json" pieces |
		python3 "$S/results/fill-block.py" "$ROOT/README.md" bench-pieces
else
	echo "No committed make bench run." |
		python3 "$S/results/fill-block.py" "$ROOT/README.md" bench-pieces
fi
log "wrote the bench-pieces block of README.md"
