#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of the console log judge (vm/parse-log.sh, parse-log.awk)
# and the splat scanner (vm/scan-splats.sh): crafted console logs in,
# counts and exit status checked. Prints TAP and a final
# "N passed, N failed" line.
set -euo pipefail
# Keep the real results directory out of it.
RESULTS=$(mktemp -d)
export RESULTS
source "$(dirname "$0")/../lib.sh"

parser=$S/vm/parse-log.sh
scanner=$S/vm/scan-splats.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$RESULTS"' EXIT

# check [--expect FILE] DESCRIPTION "P F S" EXIT_STATUS < LOG
check() {
	local expect=()
	if [[ $1 == --expect ]]; then
		expect=(--expect "$2")
		shift 2
	fi
	local desc=$1 want=$2 want_rc=$3 rc=0 got ok=0 name=case$((tap_n + 1))
	cat >"$tmp/log"
	"$parser" ${expect[@]+"${expect[@]}"} "$tmp/log" "$name" >"$tmp/out" 2>&1 || rc=$?
	got=$(cat "$RESULTS/$name.counts" 2>/dev/null || echo none)
	[[ $got == "$want" && $rc == "$want_rc" ]] || ok=1
	tap_check $ok "$desc" "want counts '$want' exit $want_rc, got '$got' exit $rc; parser said:
$(sed 's/^/  /' "$tmp/out")"
}

# check_scan DESCRIPTION SPLATS EXIT_STATUS < LOG: scan-splats.sh must
# print exactly SPLATS on stdout (one line) and exit EXIT_STATUS.
check_scan() {
	local desc=$1 want=$2 want_rc=$3 rc=0 got ok=0
	cat >"$tmp/log"
	"$scanner" "$tmp/log" >"$tmp/out" 2>"$tmp/err" || rc=$?
	got=$(cat "$tmp/out")
	[[ $got == "$want" && $rc == "$want_rc" ]] || ok=1
	tap_check $ok "$desc" "want stdout '$want' exit $want_rc, got '$got' exit $rc; stderr:
$(sed 's/^/  /' "$tmp/err")"
}

boot='[    0.000000] Linux version 6.1.192 (root@host) #1 SMP PREEMPT_DYNAMIC
[    0.000000] Command line: console=ttyS0 panic=-1
[    1.234567] Run /init as init process
@@VMTEST-START@@ 6.1.192'
end='@@DMESG-BEGIN@@
[    0.000000] Linux version 6.1.192 (root@host) #1 SMP PREEMPT_DYNAMIC
@@DMESG-END@@
@@PLAN-EXIT rc=0@@'

echo "1..35"

check "passing log" "2 0 0" 0 <<EOF
$boot
@@TEST-BEGIN trivial@@
1..2
ok 1 a
ok 2 b

@@TEST-END trivial rc=0@@
$end
EOF

check "not ok is a failure" "1 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
1..2
ok 1 a
not ok 2 b
@@TEST-END t rc=1@@
$end
EOF

bug='[    5.000100] BUG: sleeping function called from invalid context at mm/mmap.c:100
[    5.000200] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 77, name: t
[    5.000300] Call Trace:
[    5.000400]  <TASK>
[    5.000500]  dump_stack_lvl+0x45/0x5e
[    5.000600]  </TASK>'
check "BUG: splat fails, counted once despite the dmesg dump" "2 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
ok 1 a
$bug
ok 2 b
@@TEST-END t rc=0@@
@@DMESG-BEGIN@@
$bug
@@DMESG-END@@
@@PLAN-EXIT rc=0@@
EOF

check "missing end markers: unfinished program and no PLAN-EXIT" "1 2 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
1..3
ok 1 a
EOF

check "kselftest Totals line wins" "2 0 1" 0 <<EOF
$boot
@@TEST-BEGIN mm_split@@
TAP version 13
1..3
# Starting 3 tests from 1 test cases.
#  RUN           global.a ...
#            OK  global.a
ok 1 global.a
#  RUN           global.b ...
#      SKIP      no huge pages
#            OK  global.b
ok 2 global.b # SKIP no huge pages
ok 3 global.c
# PASSED: 3 / 3 tests passed.
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0
@@TEST-END mm_split rc=0@@
$end
EOF

check "nested KTAP results are not counted" "1 0 0" 0 <<EOF
$boot
@@TEST-BEGIN ktap@@
KTAP version 1
1..1
    KTAP version 1
    1..2
    ok 1 sub1
    not ok 2 sub2 # SKIP nope
ok 1 suite
@@TEST-END ktap rc=0@@
$end
EOF

check "timeout is a failure" "1 1 0" 1 <<EOF
$boot
@@TEST-BEGIN slow@@
ok 1 a
@@TEST-TIMEOUT slow after=60s@@
@@TEST-END slow rc=143@@
$end
EOF

check "non-zero exit with no TAP failure is a failure" "1 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
ok 1 a
@@TEST-END t rc=1@@
$end
EOF

check "host-killed hung guest" "1 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
ok 1 a
@@TEST-END t rc=0@@
@@HOST-TIMEOUT 900@@
EOF

check "test output cannot fake a splat, a timestamped one counts" "3 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
BUG: this line is test output
ok 1 a
# WARNING: also test output
ok 2 b
[    6.100000] WARNING: CPU: 0 PID: 70 at mm/mmap.c:2300 do_vmi_munmap+0x1/0x2
ok 3 c
@@TEST-END t rc=0@@
$end
EOF

check "@@SPLAT-IGNORE@@ excuses an expected splat" "1 0 0" 0 <<EOF
$boot
@@SPLAT-IGNORE WARNING: CPU: .* at lib/test_expected@@
@@TEST-BEGIN t@@
[    6.100000] WARNING: CPU: 0 PID: 70 at lib/test_expected.c:10 f+0x1/0x2
ok 1 a
@@TEST-END t rc=0@@
$end
EOF

check "a plan that ran nothing fails" "0 1 0" 1 <<EOF
$boot
$end
EOF

check "exit 4 (KSFT_SKIP) without output is a skip" "0 0 1" 0 <<EOF
$boot
@@TEST-BEGIN t@@
@@TEST-END t rc=4@@
$end
EOF

check "oops is one splat, the panic after it another; plus unfinished, no PLAN-EXIT" "1 4 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
ok 1 a
[    7.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008
[    7.000001] #PF: supervisor read access in kernel mode
[    7.000002] PGD 0 P4D 0
[    7.000003] Oops: 0000 [#1] PREEMPT SMP
[    7.000004] Call Trace:
[    7.000005]  <TASK>
[    7.000006]  </TASK>
[    7.000007] ---[ end trace 0000000000000000 ]---
[    7.000008] Kernel panic - not syncing: Fatal exception
EOF

lockdep='[    8.000000] ======================================================
[    8.000001] WARNING: possible circular locking dependency detected
[    8.000002] 6.1.192 #1 Not tainted
[    8.000003] ------------------------------------------------------'
for i in $(seq 10 70); do
	lockdep+=$'\n'"[    8.0000$i]        lock chain line $i"
done
lockdep+=$'\n''[    8.000090] Call Trace:
[    8.000091]  <TASK>
[    8.000092]  </TASK>'
check "long lockdep report is one splat" "1 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
ok 1 a
$lockdep
@@TEST-END t rc=0@@
$end
EOF

check "a lone Call Trace and CRLF line ends" "1 1 0" 1 < <(sed 's/$/\r/' <<EOF
$boot
[    2.000000] INFO: trying to register non-static key.
[    2.000001] Call Trace:
[    2.000002]  <TASK>
@@TEST-BEGIN t@@
ok 1 a
@@TEST-END t rc=0@@
$end
EOF
)

# kmemleak: vm-init.sh prints /sys/kernel/debug/kmemleak after the plan.
leak1='unreferenced object 0xffff888004a1c000 (size 64):
  comm "insmod", pid 61, jiffies 4294702011 (age 120.520s)
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b a5  kkkkkkkkkkkkkkk.
  backtrace:
    [<ffffffff81456789>] kmalloc_trace+0x26/0x90
    [<ffffffffa0001234>] mlh_stats_init+0x1d/0x50 [mmap_lock_hold]
    [<ffffffff81001234>] do_one_initcall+0x5d/0x230'
leak2='unreferenced object 0xffff888004a1d000 (size 32):
  comm "mlh_reload", pid 90, jiffies 4294703000 (age 100.000s)
  hex dump (first 32 bytes):
    01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace:
    [<ffffffff81456789>] kmalloc_trace+0x26/0x90'
kml_sum='[  130.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
pass1="$boot
@@TEST-BEGIN t@@
ok 1 a
@@TEST-END t rc=0@@"

check "kmemleak: each unreferenced object fails once, its summary line not again" "1 2 0" 1 <<EOF
$pass1
$kml_sum
vmtest: kmemleak: scan ok, 14 s
@@KMEMLEAK-BEGIN@@
$leak1
$leak2
@@KMEMLEAK-END scan=ok@@
@@DMESG-BEGIN@@
$kml_sum
@@DMESG-END@@
@@PLAN-EXIT rc=0@@
EOF

check "kmemleak: an empty report passes" "1 0 0" 0 <<EOF
$pass1
@@KMEMLEAK-BEGIN@@
@@KMEMLEAK-END scan=ok@@
$end
EOF

check "kmemleak: a failed scan is a failure" "1 1 0" 1 <<EOF
$pass1
@@KMEMLEAK-BEGIN@@
@@KMEMLEAK-END scan=failed@@
$end
EOF

check "kmemleak: leaks found and no report read is a failure" "1 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
[   61.000000] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
ok 1 a
@@TEST-END t rc=0@@
@@DMESG-BEGIN@@
[   61.000000] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
@@DMESG-END@@
@@PLAN-EXIT rc=0@@
EOF

check "kmemleak: test output cannot open a report or fake a leak" "1 0 0" 0 <<EOF
$boot
@@TEST-BEGIN t@@
@@KMEMLEAK-BEGIN@@
$leak1
kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
@@KMEMLEAK-END scan=failed@@
ok 1 a
@@TEST-END t rc=0@@
$end
EOF

check "kmemleak: a splat amid the report counts; a report cut short fails" "1 4 0" 1 <<EOF
$pass1
@@KMEMLEAK-BEGIN@@
$leak2
[  140.000000] BUG: KASAN: use-after-free in kmemleak_seq_show+0x1/0x2
EOF

check "kmemleak: @@KMEMLEAK-IGNORE@@ excuses the leaks it names, not others" "1 1 0" 1 <<EOF
$pass1
@@KMEMLEAK-IGNORE mlh_stats_init@@
@@KMEMLEAK-BEGIN@@
$leak1
$leak2
@@KMEMLEAK-END scan=ok@@
$end
EOF

check "kmemleak: test output cannot excuse a leak" "1 1 0" 1 <<EOF
$boot
@@TEST-BEGIN t@@
@@KMEMLEAK-IGNORE .@@
ok 1 a
@@TEST-END t rc=0@@
@@KMEMLEAK-BEGIN@@
$leak2
@@KMEMLEAK-END scan=ok@@
$end
EOF

# Expectations: cases that must fail on the kernel under test (the stock
# stage, checks/stock.expect).
cat >"$tmp/expect" <<'EOF2'
# NAME  PROGRAM  ENVIRONMENT  CASE...
hold-patched  munmap_hold  MUNMAP_SPLIT_EXPECT=patched  hold.growsdown.munmap hold.pfnmap.munmap
hold-stock    munmap_hold  MUNMAP_SPLIT_EXPECT=stock    -
EOF2
hold() { # hold NAME RC RESULT...: one munmap_hold run, kselftest style
	local name=$1 rc=$2 r i=0
	shift 2
	echo "@@TEST-BEGIN $name@@"
	echo "TAP version 13"
	echo "1..$#"
	for r in "$@"; do
		i=$((i + 1))
		case $r in
		skip) echo "ok $i # SKIP no huge pages" ;;
		not:*) echo "not ok $i hold.${r#not:}.munmap" ;;
		*) echo "ok $i hold.$r.munmap" ;;
		esac
	done
	echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0"
	echo "@@TEST-END $name rc=$rc@@"
}

check --expect "$tmp/expect" "expect: must-fail cases that fail pass, their exit status too" "6 0 0" 0 <<EOF
$boot
$(hold hold-patched 1 anon not:growsdown not:pfnmap)
$(hold hold-stock 0 anon growsdown pfnmap)
$end
EOF

check --expect "$tmp/expect" "expect: a must-fail case that passes fails" "2 1 0" 1 <<EOF
$boot
$(hold hold-patched 1 anon growsdown not:pfnmap)
$end
EOF

check --expect "$tmp/expect" "expect: a must-fail case never reported (a 6.1 SKIP) fails" "2 1 1" 1 <<EOF
$boot
$(hold hold-patched 1 anon skip not:pfnmap)
$end
EOF

check --expect "$tmp/expect" "expect: other cases and programs are judged as ever" "2 2 0" 1 <<EOF
$boot
$(hold hold-patched 1 not:anon not:growsdown not:pfnmap)
@@TEST-BEGIN other@@
1..1
not ok 1 hold.growsdown.munmap
@@TEST-END other rc=1@@
$end
EOF

printf 'hold-patched munmap_hold\n' >"$tmp/bad-expect"
check --expect "$tmp/bad-expect" "expect: a line without its fields is a failure" "1 1 0" 1 <<EOF
$boot
$(hold hold-patched 0 anon)
$end
EOF

# scan-splats.sh: plain kernel logs like kunit.py's test.log, where every
# line is the kernel's, with or without printk timestamps.
kboot='Linux version 6.1.192 (root@host) #1 SMP PREEMPT_DYNAMIC
Command line: console=ttyS0 kunit_shutdown=halt
x86/fpu: x87 FPU will use FXSAVE
Run /init as init process'
ktap_pass='KTAP version 1
1..1
    KTAP version 1
    # Subtest: munmap_split
    1..2
    ok 1 vms_test_split_middle
    ok 2 vms_test_unmap_all
# munmap_split: pass:2 fail:0 skip:0 total:2
# Totals: pass:2 fail:0 skip:0 total:2
ok 1 munmap_split'

check_scan "scan-splats: clean KUnit log" 0 0 <<EOF
$kboot
$ktap_pass
reboot: System halted
EOF

# shellcheck disable=SC2001 # a prefix on every line
check_scan "scan-splats: lockdep circular locking report is one splat" 1 1 <<EOF
$(sed 's/^/[    0.400000] /' <<<"$kboot")
$lockdep
[    8.100000] ---[ end trace 0000000000000000 ]---
$(sed 's/^/[    9.000000] /' <<<"$ktap_pass")
[    9.100000] reboot: System halted
EOF

# shellcheck disable=SC2001 # a prefix off every line
check_scan "scan-splats: BUG: and its Call Trace, no timestamps, is one splat" 1 1 <<EOF
$kboot
KTAP version 1
1..1
    KTAP version 1
    # Subtest: munmap_split
    1..1
$(sed 's/^\[ *[0-9.]*\] //' <<<"$bug")
    ok 1 vms_test_split_middle
ok 1 munmap_split
reboot: System halted
EOF

check_scan "scan-splats: KUnit failures are no splats" 0 0 <<EOF
$kboot
KTAP version 1
1..1
    KTAP version 1
    # Subtest: munmap_split
    1..2
    # vms_test_split_middle: EXPECTATION FAILED at mm/munmap_kunit.c:123
    Expected ret == 0, but
        ret == -12 (0xfffffffffffffff4)
    # vms_test_split_middle: BUG: the split left two VMAs
    not ok 1 vms_test_split_middle
    # vms_test_lock: ASSERTION FAILED at mm/munmap_kunit.c:140
    # vms_test_lock: possible circular locking dependency between test locks
    not ok 2 vms_test_lock
# munmap_split: pass:0 fail:2 skip:0 total:2
# Totals: pass:0 fail:2 skip:0 total:2
not ok 1 munmap_split
reboot: System halted
EOF

check_scan "scan-splats: a WARNING and its Call Trace, dumped twice, count once" 1 1 <<EOF
$kboot
WARNING: CPU: 0 PID: 70 at mm/mmap.c:2300 do_vmi_munmap+0x1/0x2
Modules linked in:
Call Trace:
 <TASK>
 </TASK>
---[ end trace 0000000000000000 ]---
$ktap_pass
WARNING: CPU: 0 PID: 70 at mm/mmap.c:2300 do_vmi_munmap+0x1/0x2
EOF

rc=0 ok=0
"$scanner" "$tmp/nonexistent" >"$tmp/out" 2>/dev/null || rc=$?
((rc == 2)) && [[ ! -s $tmp/out ]] || ok=1
tap_check $ok "scan-splats: unreadable log is exit 2, nothing on stdout" "exit $rc"

tap_summary
