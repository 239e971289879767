#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of the one TAP judge (selftests/ktap.awk): the same program
# output, run by selftests/run.sh on this machine and judged from a guest's
# console by vm/parse-log.sh, must count the same, as given, for every way
# kselftest reports (Totals with xfail, xpass, error, skip; bare TAP;
# SKIP/TODO directives; a short plan; exit 4; a crash; no output; a
# timeout).  run.sh also runs under busybox when it is installed, as in
# the guest.  Prints TAP and a final "N passed, N failed" line.
set -euo pipefail
tmp=$(mktemp -d)
RESULTS=$tmp/results
export RESULTS
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$tmp"' EXIT

runner=$ROOT/selftests/run.sh
bb=''
if command -v busybox >/dev/null; then
	bb=$tmp/bb
	mkdir "$bb"
	for t in sh awk timeout sed head tail tee cat date rm; do
		ln -s "$(command -v busybox)" "$bb/$t"
	done
fi

# judge NAME "P F S" EXIT_STATUS [SLEEP] < OUTPUT: a program printing
# OUTPUT, then sleeping SLEEP seconds (past run.sh's 1 s timeout), then
# exiting with EXIT_STATUS, must count "P F S" by run.sh (with the host's
# tools, and busybox's) and in a guest's log.
judge() {
	local name=$1 want=$2 status=$3 nap=${4:-0} got rc ok=0 diag=''
	local prog=$tmp/$name log=$tmp/$name.console
	cat >"$tmp/$name.out"
	{
		echo '#!/bin/sh'
		echo "cat '$tmp/$name.out'"
		((nap == 0)) || echo "sleep $nap"
		echo "exit $status"
	} >"$prog"
	chmod +x "$prog"

	rc=0
	got=$(sh "$runner" -t 1 "$prog" 2>&1 | tail -n 1) || rc=$?
	read -r -a c <<<"$want"
	if [[ $got != "${c[0]} passed, ${c[1]} failed, ${c[2]} skipped" ]]; then
		ok=1 diag+="run.sh: $got (exit $rc)"$'\n'
	fi
	if [[ -n $bb ]]; then
		got=$(PATH=$bb "$bb/sh" "$runner" -t 1 "$prog" 2>&1 | tail -n 1) || true
		[[ $got == "${c[0]} passed, ${c[1]} failed, ${c[2]} skipped" ]] ||
			ok=1 diag+="run.sh under busybox: $got"$'\n'
	fi

	# The same output as the guest's run_test prints it.
	{
		echo '@@VMTEST-START@@ 6.1.192'
		echo "@@TEST-BEGIN $name@@"
		cat "$tmp/$name.out"
		echo
		if ((nap > 0)); then
			echo "@@TEST-TIMEOUT $name after=1s@@"
			echo "@@TEST-END $name rc=143@@"
		else
			echo "@@TEST-END $name rc=$status@@"
		fi
		echo '@@DMESG-BEGIN@@'
		echo '@@DMESG-END@@'
		echo '@@PLAN-EXIT rc=0@@'
	} >"$log"
	"$S/vm/parse-log.sh" "$log" "$name" >"$tmp/$name.parse" 2>&1 || true
	got=$(cat "$RESULTS/$name.counts" 2>/dev/null || echo none)
	[[ $got == "$want" ]] || ok=1 diag+="parse-log: $got"$'\n'
	tap_check $ok "$name: $want" "want $want; ${diag%$'\n'}"
}

echo "1..11"

judge totals "3 3 3" 1 <<'EOF'
TAP version 13
1..10
# Totals: pass:2 fail:1 xfail:1 xpass:1 skip:3 error:1
EOF

judge totals-pass "4 0 1" 0 <<'EOF'
TAP version 13
1..5
# Totals: pass:3 fail:0 xfail:1 xpass:0 skip:1 error:0
EOF

judge xpass-only "1 1 0" 0 <<'EOF'
1..2
# Totals: pass:1 fail:0 xfail:0 xpass:1 skip:0 error:0
EOF

judge bare-tap "3 1 1" 1 <<'EOF'
TAP version 13
1..5
ok 1 a
not ok 2 b
ok 3 c # SKIP no reason
not ok 4 d # TODO later
ok 5 e
    not ok 1 nested, not counted
EOF

judge short-plan "1 1 0" 0 <<'EOF'
1..3
ok 1 a
EOF

judge exit-skip "0 0 1" 4 <<'EOF'
TAP version 13
1..0 # SKIP needs root
EOF

judge crash-midway "1 1 0" 139 <<'EOF'
1..2
ok 1 a
EOF

judge crash-after-totals "2 1 0" 134 <<'EOF'
1..2
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0
EOF

judge no-output "1 0 0" 0 </dev/null

judge exit-nonzero-silent "0 1 0" 2 </dev/null

judge timeout "1 1 0" 0 3 <<'EOF'
1..2
ok 1 a
EOF

tap_summary
