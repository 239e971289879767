# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# What the evidence scripts that show a guest check failing share.
# Source after scripts/lib.sh.

# evidence_dir NAME: Documentation/results/evidence/NAME, made, and
# emptied of what an earlier run wrote (README.md is written by hand).
evidence_dir() {
	local out=$ROOT/Documentation/results/evidence/$1
	mkdir -p "$out"
	rm -f "$out"/*.log "$out"/*.txt "$out"/*.diff "$out"/*.plan
	echo "$out"
}

# module_mutant DIR FILE SED DIFF: module/ copied to DIR with the sed
# script SED applied to FILE (a file of module/), the change written to
# DIFF; stops if SED changed nothing.
module_mutant() {
	local dir=$1 file=$2 sed=$3 diff=$4
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$ROOT/module/." "$dir/"
	sed -i "$sed" "$dir/$file"
	if diff -u --label "a/module/$file" --label "b/module/$file" \
		"$ROOT/module/$file" "$dir/$file" > "$diff"; then
		die "the mutant did not apply to module/$file: update ${0##*/}"
	fi
}

# guest_verdict OUT SUITE NAME DUE CHECK [ENV...]: run the guest check
# script CHECK with VM_NAME=SUITE-NAME and ENV; keep its output as
# OUT/NAME.host.log and the guest's console and results in OUT; print
# one line: NAME, pass or fail, DUE (pass or fail), ok or WRONG, the
# guest's counts.
guest_verdict() {
	local out=$1 suite=$2-$3 name=$3 due=$4 check=$5 rc=0 got
	shift 5
	log "${suite}: must $due"
	env "$@" VM_NAME="$suite" "$check" > "$out/$name.host.log" 2>&1 || rc=$?
	cp "$BUILD/results/$suite-latest/$suite.console.log" \
		"$BUILD/results/$suite-latest/$suite.results.txt" "$out/"
	got=$( ((rc == 0)) && echo pass || echo fail)
	printf '%-12s %-5s (due: %s) %s %s\n' "$name" "$got" "$due" \
		"$( [ "$got" = "$due" ] && echo ok || echo WRONG)" \
		"$(grep -a -o "$suite: [0-9]* passed[^(]*" "$out/$name.host.log" | tail -n 1)"
}
