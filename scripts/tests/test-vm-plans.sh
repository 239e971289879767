#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of the plans the guest stages write, without a kernel:
# checks/vmtest.sh --write-plan (the lists of selftests/Makefile
# around the module's load and unload, VM_SYSCTL, VM_EXPECT, VM_ONLY,
# VM_ENV).  Prints TAP
# and a final "N passed, N failed" line.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
RESULTS=$tmp/results
export RESULTS
source "$(dirname "$0")/../lib.sh"

# The plan's run_test lines, "NAME CMD..." each.
runs() { sed -n 's/^run_test //p' "$1"; }

rc=0
"$S/checks/vmtest.sh" --write-plan "$tmp/plan" >"$tmp/out" 2>&1 || rc=$?
{
	echo "module_load insmod /opt/tests/modules/mmap_lock_hold.ko"
	for p in $(make -s -C "$ROOT/selftests" list); do echo "$p $p"; done
	for p in $(make -s -C "$ROOT/selftests" list-bench); do
		echo "$p env RUNS=1 BENCH_SIZES=16M BENCH_CAP=16M BENCH_KERNEL=smoke $p"
	done
	echo "module_unload rmmod mmap_lock_hold"
	for p in $(make -s -C "$ROOT/selftests" list-unloaded); do echo "$p $p"; done
} >"$tmp/want"
ok=1
((rc == 0)) && runs "$tmp/plan" | cmp -s - "$tmp/want" &&
	grep -qx 'export MUNMAP_SPLIT_EXPECT=patched' "$tmp/plan" && ok=0
tap_check $ok "vmtest: load, 'list', 'list-bench' once small, unload, 'list-unloaded'; series' rules" \
	"exit $rc; $(cat "$tmp/out"); plan:
$(cat "$tmp/plan" 2>/dev/null)"

ok=1
[[ $(grep -c '^run_test mlh_reload ' "$tmp/plan") == 1 ]] &&
	[[ $(runs "$tmp/plan" | grep -n '^module_unload ' | cut -d: -f1) -lt \
		$(runs "$tmp/plan" | grep -n '^mlh_reload ' | cut -d: -f1) ]] && ok=0
tap_check $ok "vmtest: mlh_reload once, after the unload"

rc=0
VM_SYSCTL="vm.overcommit_memory=2 vm.max_map_count=1000" VM_EXPECT=stock \
	"$S/checks/vmtest.sh" --write-plan "$tmp/plan2" >"$tmp/out" 2>&1 || rc=$?
ok=1
((rc == 0)) && [[ $(runs "$tmp/plan2" | head -n 3) == "sysctl_vm.overcommit_memory sysctl -w vm.overcommit_memory=2
sysctl_vm.max_map_count sysctl -w vm.max_map_count=1000
module_load insmod /opt/tests/modules/mmap_lock_hold.ko" ]] &&
	grep -qx 'export MUNMAP_SPLIT_EXPECT=stock' "$tmp/plan2" && ok=0
tap_check $ok "vmtest: VM_SYSCTL first, one result each; VM_EXPECT" "exit $rc; $(cat "$tmp/out" "$tmp/plan2" 2>/dev/null)"

rc=0
VM_SYSCTL='vm.x=1;reboot' "$S/checks/vmtest.sh" --write-plan "$tmp/plan3" >"$tmp/out" 2>&1 || rc=$?
rc2=0
VM_EXPECT=any "$S/checks/vmtest.sh" --write-plan "$tmp/plan4" >>"$tmp/out" 2>&1 || rc2=$?
ok=1
((rc != 0 && rc2 != 0)) && [[ ! -s $tmp/plan3 && ! -e $tmp/plan4 ]] && ok=0
tap_check $ok "vmtest: a sysctl that is not KEY=VALUE, an unknown VM_EXPECT: refused" \
	"exit $rc, $rc2; $(cat "$tmp/out")"

# VM_ONLY as the lockdown and 6.12 stages pass it: spaces or newlines.
for sep in ' ' $'\n'; do
	rc=0
	VM_ONLY="mlh_controls${sep}mlh_reload" VM_ENV="MLH_EXPECT_LOCKDOWN=1" \
		"$S/checks/vmtest.sh" --write-plan "$tmp/plan5" >"$tmp/out" 2>&1 || rc=$?
	ok=1
	((rc == 0)) && [[ $(runs "$tmp/plan5") == "module_load insmod /opt/tests/modules/mmap_lock_hold.ko
mlh_controls mlh_controls
module_unload rmmod mmap_lock_hold
mlh_reload mlh_reload" ]] && grep -qx 'export MLH_EXPECT_LOCKDOWN=1' "$tmp/plan5" && ok=0
	tap_check $ok "vmtest: VM_ONLY (separated by '${sep/$'\n'/\\n}') keeps those programs in order; VM_ENV exported" \
		"exit $rc; $(cat "$tmp/out" "$tmp/plan5" 2>/dev/null)"
done

rc=0
VM_ONLY="mlh_nothing" "$S/checks/vmtest.sh" --write-plan "$tmp/plan6" >"$tmp/out" 2>&1 || rc=$?
rc2=0
VM_ENV='X=1;reboot' "$S/checks/vmtest.sh" --write-plan "$tmp/plan7" >>"$tmp/out" 2>&1 || rc2=$?
ok=1
((rc != 0 && rc2 != 0)) && [[ ! -e $tmp/plan6 && ! -e $tmp/plan7 ]] && ok=0
tap_check $ok "vmtest: VM_ONLY naming no selftest, VM_ENV not KEY=VALUE: refused" \
	"exit $rc, $rc2; $(cat "$tmp/out")"

tap_summary
