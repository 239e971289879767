#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test VM (busybox sh); also installed as /bin/run_test.
#
# As /init: mount the pseudo filesystems, run /opt/tests/plan with sh from
# /opt/tests, and print the markers parse-log.awk reads on the console:
#   @@VMTEST-START@@
#   @@TEST-BEGIN NAME@@ ... @@TEST-END NAME rc=N@@   one per run_test
#   @@TEST-TIMEOUT NAME after=Ns@@                   before its TEST-END
#   @@KMEMLEAK-BEGIN@@ ... @@KMEMLEAK-END scan=ok|failed@@
#                       only if the kernel has kmemleak: its report
#   @@DMESG-BEGIN@@ ... @@DMESG-END@@
#   @@PLAN-EXIT rc=N@@
# then reboot -f, which ends qemu (it runs with -no-reboot).
#
# Kernel command line:
#   vmtest.shell=1      interactive shell instead of the plan
#   vmtest.timeout=N    default per-program timeout, seconds (600)
#
# In the plan: run_test [-t SECONDS] NAME CMD [ARGS...]
# runs CMD with stdin from /dev/null and its output on the console, between
# the TEST markers, and returns CMD's exit status.

PATH=/opt/tests/bin:/bin:/sbin:/usr/bin:/usr/sbin
export PATH

run_test() {
	t=${VMTEST_TIMEOUT:-600}
	if [ "$1" = -t ]; then
		t=$2
		shift 2
	fi
	# The host parses NAME as one word between the markers.
	name=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._:+-' '_')
	shift
	if [ -z "$name" ] || [ $# -eq 0 ]; then
		echo "usage: run_test [-t SECONDS] NAME CMD [ARGS...]" >&2
		return 2
	fi
	echo "@@TEST-BEGIN $name@@"
	start=$(date +%s)
	# -k: a program that ignores SIGTERM must still end.
	timeout -k 10 "$t" "$@" </dev/null 2>&1
	rc=$?
	# Leave the marker on its own line even after output with no newline.
	echo
	if { [ $rc -eq 143 ] || [ $rc -eq 137 ]; } &&
		[ $(($(date +%s) - start)) -ge "$t" ]; then
		echo "@@TEST-TIMEOUT $name after=${t}s@@"
	fi
	echo "@@TEST-END $name rc=$rc@@"
	return $rc
}

case ${0##*/} in
run_test)
	run_test "$@"
	exit $?
	;;
esac

# Everything below runs as PID 1, which must never exit.

mount -t devtmpfs devtmpfs /dev
# Without /dev/console in the archive the kernel gave us no stdio.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t devpts devpts /dev/pts
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
# /sys/kernel/security/lockdown tells mlh_controls the lockdown level.
if grep -qw securityfs /proc/filesystems; then
	mount -t securityfs securityfs /sys/kernel/security
fi
if grep -qw hugetlbfs /proc/filesystems; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs hugetlbfs /dev/hugepages
fi
hostname vmtest

shell=0
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	vmtest.shell=1) shell=1 ;;
	vmtest.timeout=*) VMTEST_TIMEOUT=${arg#*=} ;;
	esac
done
export VMTEST_TIMEOUT

echo "@@VMTEST-START@@ $(uname -r)"
if [ $shell = 1 ]; then
	echo "vmtest: shell requested; tests are in /opt/tests, plan: sh /opt/tests/plan"
	# cttyhack gives the shell a controlling tty, so Ctrl-C works.
	setsid cttyhack sh -l
	rc=$?
elif [ -f /opt/tests/plan ]; then
	(cd /opt/tests && sh ./plan) </dev/null
	rc=$?
else
	echo "vmtest: no /opt/tests/plan"
	rc=127
fi

# kmemleak (CONFIG_DEBUG_KMEMLEAK, the debug kernel) scans by itself 60 s
# after boot, then every 10 minutes: too seldom for the plan's leaks.
# mm/kmemleak.c reports an object at a scan only if it is MSECS_MIN_AGE
# (5 s) old by then and its contents did not change since the previous
# scan, which the first scan of a new object records: wait, scan twice.
kmemleak=/sys/kernel/debug/kmemleak
if [ -e $kmemleak ]; then
	start=$(date +%s)
	sleep 6
	if echo scan >$kmemleak && echo scan >$kmemleak; then
		scan=ok
	else
		scan=failed
	fi
	echo "vmtest: kmemleak: scan $scan, $(($(date +%s) - start)) s"
	# A leak of 6.1 itself at boot, not of the code under test: ACPI
	# cannot load the guest's DSDT (the test configs have no PCI:
	# "Unable to load the System Description Tables"), so ACPICA
	# destroys its four caches before slab_sysfs_init(), and 6.1's
	# kmem_cache_destroy() then frees neither the kmem_cache nor its
	# kmem_cache_node (sysfs_slab_release() does nothing while
	# slab_state < FULL; mainline frees them).  Excused by the function
	# that created them; the results name every object excused.
	echo "@@KMEMLEAK-IGNORE acpi_ut_create_caches@@"
	echo "@@KMEMLEAK-BEGIN@@"
	cat $kmemleak
	echo "@@KMEMLEAK-END scan=$scan@@"
fi

echo "@@DMESG-BEGIN@@"
dmesg
echo "@@DMESG-END@@"
echo "@@PLAN-EXIT rc=$rc@@"
sync
reboot -f
# reboot should not return; if it does, try sysrq, then idle as PID 1.
echo b >/proc/sysrq-trigger
while :; do sleep 3600; done
