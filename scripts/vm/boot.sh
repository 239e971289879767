#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot this kernel with this plan and these files in a QEMU guest, and
# judge what it printed: the one way every guest stage runs (vmtest,
# stress, bench, the stock kernel, ...).
#
# Usage: boot.sh --name NAME --kernel BZIMAGE --plan FILE
#                [--module KDIR] [--file PATH]... [--host-bin PATH]...
#                [--host-dir DIR]...
#                [--expect FILE] [--append ARGS] [--timeout SECONDS]
#                [--smp N] [--mem SIZE]
#   --name      the suite: staged in build/vm/NAME, packed into
#               build/vm/NAME.cpio.gz, results $RESULTS/NAME.*
#   --plan      the script the guest's /init runs with sh from /opt/tests:
#               one 'run_test [-t SECONDS] NAME CMD [ARGS...]' per program
#               (scripts/vm/vm-init.sh)
#   --module    build the companion module against KDIR, the kernel's own
#               object tree (vermagic carries that tree's git hash), into
#               build/module/NAME; the guest has it at
#               /opt/tests/modules/mmap_lock_hold.ko, and mlh_contexts'
#               helper next to it (mlh_fire.ko)
#   --file      a file for /opt/tests/bin, on the guest's PATH: a static
#               test program, a guest script
#   --host-bin  a program of this machine with its libraries, at its own
#               path (mkinitramfs.sh --host-bin)
#   --host-dir  a directory of this machine, at its own path
#               (mkinitramfs.sh --host-dir)
#   --expect    the cases that must fail on this kernel (parse-log.awk)
#   --append, --timeout, --smp, --mem: as run-vm.sh's (timeout 900 s)
# Results: $RESULTS/NAME.console.log (the guest's console),
# NAME.qemu.log, NAME.results.txt (the per-program table), NAME.counts.
# Exit status 0 when nothing failed.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

usage() {
	die "usage: $0 --name NAME --kernel BZIMAGE --plan FILE [--module KDIR] [--file PATH]... [--host-bin PATH]... [--host-dir DIR]... [--expect FILE] [--append ARGS] [--timeout SECONDS] [--smp N] [--mem SIZE]"
}

name='' kernel='' plan='' kdir='' expect=''
files=() host_args=() vm_args=()
while (($#)); do
	(($# >= 2)) || usage
	case $1 in
	--name) name=$2 ;;
	--kernel) kernel=$2 ;;
	--plan) plan=$2 ;;
	--module) kdir=$2 ;;
	--file) files+=("$2") ;;
	--host-bin) host_args+=(--host-bin "$2") ;;
	--host-dir) host_args+=(--host-dir "$2") ;;
	--expect) expect=$2 ;;
	--append | --timeout | --smp | --mem) vm_args+=("$1" "$2") ;;
	*) usage ;;
	esac
	shift 2
done
[[ -n $name && -n $kernel && -n $plan ]] || usage
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "--name $name: letters, digits, '.', '_' and '-' only"
[[ -f $kernel ]] || die "$kernel not found: build it first ('make kernel' for the test kernel)"
[[ -f $plan ]] || die "no plan $plan"
results_begin "$name"

staging=$BUILD/vm/$name
initrd=$BUILD/vm/$name.cpio.gz
rm -rf "$staging"
mkdir -p "$staging/bin" "$staging/modules"
cp "$plan" "$staging/plan"
for f in ${files[@]+"${files[@]}"}; do
	[[ -f $f ]] || die "--file $f: no such file"
	cp "$f" "$staging/bin/"
done
if [[ -n $kdir ]]; then
	log "$name: building the module against $kdir"
	"$S/kernel/build-module.sh" "$kdir" "$name"
	cp "$BUILD/module/$name/mmap_lock_hold.ko" \
		"$BUILD/module/$name-fire/mlh_fire.ko" "$staging/modules/"
fi

"$S/vm/mkinitramfs.sh" ${host_args[@]+"${host_args[@]}"} "$staging" "$initrd"
# The guest's exit status is the judge's to weigh: a hung guest left
# its marker in the log.
"$S/vm/run-vm.sh" --kernel "$kernel" --initrd "$initrd" --name "$name" \
	${vm_args[@]+"${vm_args[@]}"} || true
"$S/vm/parse-log.sh" ${expect:+--expect "$expect"} \
	"$RESULTS/$name.console.log" "$name"
