#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print "kvm" if KVM can really run a guest here, else "tcg".
#
# Usage: kvm-works.sh [--force] [--kernel BZIMAGE]
#   --force             probe again even if the cached answer is fresh
#   --kernel BZIMAGE    also check that KVM boots this kernel to a panic
#   ACCEL=kvm|tcg       skip detection and print that
#   KVM_PROBE_TIMEOUT   seconds before the probe guest counts as hung (10;
#                       the kernel probe gets three times as long)
#
# An accessible /dev/kvm is not enough: on nested hosts qemu may abort at
# start-up (-cpu host) or the guest may hang once firmware runs. So boot
# SeaBIOS into a 512-byte boot sector that writes to isa-debug-exit, with
# the -cpu run-vm.sh uses; no kernel is needed, so this works before the
# build. The answer is cached in $BUILD/kvm-mode ("kvm" or "tcg") for an
# hour; $BUILD/kvm-mode.kernel marks a kvm answer that a kernel confirmed.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

force=0 kernel=''
while (($#)); do
	case $1 in
	--force) force=1 ;;
	--kernel) kernel=${2:?--kernel needs a file}; shift ;;
	*) die "usage: $0 [--force] [--kernel BZIMAGE]" ;;
	esac
	shift
done

if [[ -n "${ACCEL:-}" ]]; then
	[[ $ACCEL == kvm || $ACCEL == tcg ]] || die "ACCEL must be kvm or tcg, not '$ACCEL'"
	echo "$ACCEL"
	exit 0
fi

cache=$BUILD/kvm-mode
if ((!force)) && [[ -n $(find "$cache" -mmin -60 2>/dev/null) ]]; then
	mode=$(<"$cache")
	# A firmware-only "kvm" is not enough once a kernel is at hand.
	if [[ $mode == tcg || ($mode == kvm && (-z $kernel || -e $cache.kernel)) ]]; then
		echo "$mode"
		exit 0
	fi
fi

need qemu-system-x86_64 qemu-system-x86

# bounded SECS LOG CMD...: run CMD in its own session, output to LOG, and
# set $rc to its exit status, or 124 if it had to be killed (see
# deadline_wait in lib.sh). The output goes to a file so a stuck qemu
# cannot hold the caller's $(...) open.
bounded() {
	local secs=$1 out=$2
	shift 2
	# The inner bash reports a qemu abort into LOG instead of ours.
	setsid bash -c '"$@"; exit $?' bounded "$@" </dev/null >"$out" 2>&1 &
	rc=0
	deadline_wait "$!" "$secs" || rc=$?
}

qemu_kvm=(qemu-system-x86_64 -accel kvm -cpu host -m 256 -display none
	-monitor none -no-reboot)

# Firmware only: real mode at 0x7c00 does mov al,0x2a; out 0xf4,al; hlt.
# isa-debug-exit turns the 0x2a into qemu exit status 0x2a*2+1 = 85.
probe_bios() {
	{
		printf '\xb0\x2a\xe6\xf4\xf4\xeb\xfd'
		head -c 503 /dev/zero
		printf '\x55\xaa'
	} >"$tmp/boot.img"
	bounded "$timeout" "$tmp/bios.log" "${qemu_kvm[@]}" -nodefaults -serial none \
		-drive "file=$tmp/boot.img,format=raw,if=ide" \
		-device isa-debug-exit,iobase=0xf4,iosize=1
	((rc == 85)) && return
	if ((rc == 124)); then
		warn "KVM probe: firmware guest hung"
	else
		warn "KVM probe: qemu status $rc: $(grep -v '^bounded: ' "$tmp/bios.log" | tail -n 1)"
	fi
	return 1
}

# A kernel without initrd panics at mount time and reboots (-no-reboot:
# qemu exits). Catches hosts where firmware runs but kernels hang.
probe_kernel() {
	bounded "$((timeout * 3))" "$tmp/kernel.log" "${qemu_kvm[@]}" -nographic \
		-kernel "$kernel" -append 'console=ttyS0 panic=-1 loglevel=4'
	((rc == 0)) && grep -q 'Kernel panic' "$tmp/kernel.log" && return
	warn "KVM probe: kernel did not reach its panic (qemu status $rc)"
	return 1
}

timeout=${KVM_PROBE_TIMEOUT:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$cache.kernel"
mode=tcg
if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
	warn "KVM probe: /dev/kvm is missing or not accessible"
elif probe_bios; then
	mode=kvm
	if [[ -n $kernel ]]; then
		[[ -f $kernel ]] || die "no kernel at $kernel"
		if probe_kernel; then
			touch "$cache.kernel"
		else
			mode=tcg
		fi
	fi
fi
mkdir -p "$BUILD"
echo "$mode" >"$cache"
echo "$mode"
