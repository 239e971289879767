#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a test kernel and initramfs in QEMU, the console to a log file.
#
# Usage: run-vm.sh --kernel BZIMAGE --initrd CPIO.GZ --name NAME
#                  [--timeout SECONDS] [--smp N] [--mem SIZE] [--append ARGS]
#   --timeout   kill the guest after this long, a failure "guest hung" (900)
#   --smp/--mem qemu -smp/-m (2, 2G)
#   --append    extra kernel command line, e.g. vmtest.timeout=120
#   ACCEL=kvm|tcg   skip KVM detection (see kvm-works.sh)
#   TCG_THREAD=single|multi  under TCG, one host thread for all vCPUs or
#                   one each (QEMU's default, multi); see deb-boot.sh for
#                   the kernel that needs single
#   VM_VERBOSE=1    stream the whole console to stderr, not just progress
#
# The console goes to $RESULTS/NAME.console.log, qemu's own messages to
# $RESULTS/NAME.qemu.log.  Exit status: 0 when qemu ended by itself with
# status 0, 124 when the guest hung (the log then ends with
# @@HOST-TIMEOUT N@@), else qemu's.  Judging the log is parse-log.sh's
# (boot.sh runs both).  QEMU runs in its own session, so that a hung
# guest can be killed with all it started; on any exit of this script,
# Ctrl-C included, that session is killed too.
# With vmtest.shell=1 in --append the guest gives a shell on this
# terminal instead (Ctrl-A X quits); no timeout.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

usage() {
	die "usage: $0 --kernel BZIMAGE --initrd CPIO.GZ --name NAME [--timeout SECONDS] [--smp N] [--mem SIZE] [--append ARGS]"
}

kernel='' initrd='' name='' timeout=900 smp=2 mem=2G append=''
while (($#)); do
	(($# >= 2)) || usage
	case $1 in
	--kernel) kernel=$2 ;;
	--initrd) initrd=$2 ;;
	--name) name=$2 ;;
	--timeout) timeout=$2 ;;
	--smp) smp=$2 ;;
	--mem) mem=$2 ;;
	--append) append=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[[ -n $kernel && -n $initrd && -n $name ]] || usage
[[ -f $kernel ]] || die "no kernel at $kernel"
[[ -f $initrd ]] || die "no initramfs at $initrd"
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout takes seconds"
need qemu-system-x86_64 qemu-system-x86

accel=$("$S/vm/kvm-works.sh" --kernel "$kernel")
if [[ $accel == kvm ]]; then cpu=host; else cpu=max; fi
if [[ $accel == tcg && -n ${TCG_THREAD:-} ]]; then
	[[ $TCG_THREAD =~ ^(single|multi)$ ]] ||
		die "TCG_THREAD=$TCG_THREAD: single or multi"
	accel=tcg,thread=$TCG_THREAD
fi

results_begin "$name"
log=$RESULTS/$name.console.log
qlog=$RESULTS/$name.qemu.log
# Oopses stay non-fatal so one bad test does not hide the rest; the
# parser finds them. A panic reboots at once and -no-reboot ends qemu.
cmdline="console=ttyS0 panic=-1${append:+ $append}"
qemu=(qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem"
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" -no-reboot)

if [[ " $append " == *" vmtest.shell=1 "* ]]; then
	log "interactive guest ($accel); Ctrl-A X quits; console also in $log"
	exec "${qemu[@]}" -nographic -nodefaults \
		-chardev "stdio,id=con,mux=on,signal=off,logfile=$log" \
		-serial chardev:con -mon chardev=con
fi

log "booting $name ($accel, timeout ${timeout}s); console: $log"
: >"$log"
start=$SECONDS
qpid='' tailpid=''
# stop: end the guest's session and the progress stream, if still there.
# shellcheck disable=SC2317 # the EXIT trap
stop() {
	[[ -z $qpid ]] || kill -KILL -- "-$qpid" 2>/dev/null || true
	[[ -z $tailpid ]] || kill "$tailpid" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
setsid "${qemu[@]}" -display none -nodefaults -monitor none \
	-serial "file:$log" </dev/null >"$qlog" 2>&1 &
qpid=$!

# Progress on stderr: markers, top-level TAP results, splat headers.
if [[ ${VM_VERBOSE:-0} == 1 ]]; then
	filter=(cat)
else
	filter=(grep --line-buffered -aE '@@|^(not )?ok |BUG:|WARNING:|Oops|Kernel panic|Call Trace:')
fi
tail -n +1 -s 0.5 --pid="$qpid" -F "$log" > >("${filter[@]}" >&2 || true) 2>/dev/null &
tailpid=$!

rc=0
deadline_wait "$qpid" "$((start + timeout - SECONDS))" || rc=$?
qpid=''
if ((rc == 124)); then
	printf '\n@@HOST-TIMEOUT %d@@\n' "$timeout" >>"$log"
	warn "guest hung: killed after ${timeout}s"
elif ((rc != 0)); then
	warn "qemu exited with status $rc: $(tail -n 3 "$qlog")"
fi
elapsed=$((SECONDS - start))
# tail ends by itself once qemu is gone; give it a moment to drain.
for _ in 1 2 3 4; do kill -0 "$tailpid" 2>/dev/null || break; sleep 0.5; done
kill "$tailpid" 2>/dev/null || true
tailpid=''
log "$name: guest ran ${elapsed}s ($accel)"
exit "$rc"
