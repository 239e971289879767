#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of the installed selftests' runner (selftests/run_kselftest.sh)
# on an installed tree of fake programs, a fake /proc/sys and fake module
# tools: the programs run in order (the module loaded, then unloaded for
# those in needs-module-absent.txt, the benchmark only when asked), the
# one summary line sums them, every sysctl is put back after a program
# that changed it and crashed, and the module ends as it was found.  Also:
# every /proc/sys file the selftests' sources name is in the runner's
# list.  Under busybox too, when it is installed, as in the guest.
# Prints TAP and a final "N passed, N failed" line.
# shellcheck disable=SC2016 # the fake programs' code, expanded when they run
set -euo pipefail
tmp=$(mktemp -d)
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$tmp"' EXIT

inst=$tmp/inst
mkdir -p "$inst/mm" "$inst/mlh" "$inst/bench" "$tmp/bin"
cp "$ROOT"/selftests/{run_kselftest.sh,run.sh,ktap.awk,run.awk} "$inst/"
for c in mm mlh bench; do echo timeout=5 > "$inst/$c/settings"; done
printf '%s\n' mm:plain mm:crash_after_sysctl mlh:needs_module mlh:reload \
	bench:bench > "$inst/kselftest-list.txt"
echo mlh:reload > "$inst/needs-module-absent.txt"

# Each program notes its name, and the module's state, in the order file.
prog() {
	local path=$inst/$1
	shift
	{
		echo '#!/bin/sh'
		echo 'state=absent; [ -d "$MLH_SYSFS" ] && state=loaded'
		echo "echo \"\${0##*/} \$state \${MLH_KO:-}\" >> '$tmp/order'"
		printf '%s\n' "$@"
	} > "$path"
	chmod +x "$path"
}
prog mm/plain 'echo 1..1; echo ok 1 plain'
# Changes a sysctl, then crashes before it could put it back.
prog mm/crash_after_sysctl 'echo 1..1; echo 1 > "$SYSCTL_DIR/vm/max_map_count"; kill -SEGV $$'
prog mlh/needs_module 'echo 1..1' \
	'if [ -d "$MLH_SYSFS" ]; then echo ok 1 loaded; else echo "ok 1 # SKIP no module"; fi'
prog mlh/reload 'echo 1..1' \
	'if [ -d "$MLH_SYSFS" ]; then echo "not ok 1 still loaded"; else echo ok 1 absent; fi'
prog bench/bench 'echo 1..1; echo ok 1 bench'

# The module tools: loading makes the module's sysfs directory.
for t in insmod modprobe; do
	printf '#!/bin/sh\necho "%s $*" >> "%s/modlog"; mkdir "$MLH_SYSFS"\n' "$t" "$tmp" > "$tmp/bin/$t"
done
printf '#!/bin/sh\necho "rmmod $*" >> "%s/modlog"; rmdir "$MLH_SYSFS"\n' "$tmp" > "$tmp/bin/rmmod"
printf '#!/bin/sh\n[ "$1" = -n ] && echo /lib/modules/x/updates/dkms/mmap_lock_hold.ko\nexit 0\n' > "$tmp/bin/modinfo"
chmod +x "$tmp/bin"/*

SYSCTL_DIR=$tmp/sys
MLH_SYSFS=$tmp/module
export SYSCTL_DIR MLH_SYSFS

# run NAME [RUNNER ARGS...]: a fresh /proc/sys and module, the runner's
# output in $tmp/NAME.out, its exit status in $rc, its last line in $last.
run() {
	local name=$1
	shift
	rm -rf "$SYSCTL_DIR" "$tmp/order" "$tmp/modlog"
	mkdir -p "$SYSCTL_DIR/vm"
	echo 65530 > "$SYSCTL_DIR/vm/max_map_count"
	echo 0 > "$SYSCTL_DIR/vm/overcommit_memory"
	touch "$tmp/order" "$tmp/modlog"
	rc=0
	MODULE_TOOLS=$tmp/bin $shell "$inst/run_kselftest.sh" "$@" > "$tmp/$name.out" 2>&1 || rc=$?
	last=$(tail -n 1 "$tmp/$name.out")
}

# check NAME: one result per shell.
checks() {
	local sh_name=$1

	rm -rf "$MLH_SYSFS"
	run default
	tap_check "$( [[ $last == '3 passed, 1 failed, 0 skipped' && $rc == 1 ]]; echo $?)" \
		"$sh_name: one summary line for both phases, exit 1 on a failure" \
		"last line '$last', exit $rc"
	want="plain loaded /lib/modules/x/updates/dkms/mmap_lock_hold.ko
crash_after_sysctl loaded /lib/modules/x/updates/dkms/mmap_lock_hold.ko
needs_module loaded /lib/modules/x/updates/dkms/mmap_lock_hold.ko
reload absent /lib/modules/x/updates/dkms/mmap_lock_hold.ko"
	tap_check "$( [[ $(cat "$tmp/order") == "$want" ]]; echo $?)" \
		"$sh_name: list order, the module loaded then unloaded, no bench, MLH_KO set" \
		"$(cat "$tmp/order")"
	tap_check "$( [[ $(cat "$SYSCTL_DIR/vm/max_map_count") == 65530 ]]; echo $?)" \
		"$sh_name: a sysctl changed by a crashed program is restored" \
		"max_map_count $(cat "$SYSCTL_DIR/vm/max_map_count")"
	tap_check "$( [[ ! -d $MLH_SYSFS ]]; echo $?)" \
		"$sh_name: the module unloaded at the end, as found" "$(cat "$tmp/modlog")"

	mkdir -p "$MLH_SYSFS"
	run was-loaded -t mm:plain -t mlh:reload
	tap_check "$( [[ $last == '2 passed, 0 failed, 0 skipped' && $rc == 0 && -d $MLH_SYSFS &&
		$(cat "$tmp/order") == "plain loaded"*"reload absent"* ]]; echo $?)" \
		"$sh_name: a module loaded before is unloaded for the phase, and loaded again" \
		"last '$last', exit $rc; $(cat "$tmp/order" "$tmp/modlog")"

	rm -rf "$MLH_SYSFS"
	run no-module -n -t mlh:needs_module
	tap_check "$( [[ $last == '0 passed, 0 failed, 1 skipped' && ! -s $tmp/modlog ]]; echo $?)" \
		"$sh_name: -n: no module loaded, its programs SKIP" "last '$last'; $(cat "$tmp/modlog")"

	run bench -t bench:bench
	tap_check "$( [[ $last == '1 passed, 0 failed, 0 skipped' && $(cat "$tmp/order") == bench* ]]; echo $?)" \
		"$sh_name: -t runs the benchmark when asked" "last '$last'"

	run unknown -t mm:nothing
	tap_check "$( [[ $rc == 2 ]] && grep -q "no program 'mm:nothing'" "$tmp/unknown.out"; echo $?)" \
		"$sh_name: an unknown -t is an error" "exit $rc: $(cat "$tmp/unknown.out")"
}

shells=(bash)
command -v busybox >/dev/null && shells+=(busybox)
echo "1..$((8 * ${#shells[@]} + 1))"
for s in "${shells[@]}"; do
	if [[ $s == busybox ]]; then
		# As in the guest: busybox's tools and its sh.
		bb=$tmp/bb
		mkdir -p "$bb"
		for t in sh awk timeout sed head tail tee cat date rm grep mktemp id \
			dirname printf tr; do
			ln -sf "$(command -v busybox)" "$bb/$t"
		done
		shell="$bb/sh"
		PATH=$bb:$PATH checks busybox
	else
		shell=bash
		checks bash
	fi
done

# Every sysctl file the programs name is one the runner restores.
listed=$(sed -n "/^SYSCTLS='/,/'$/p" "$ROOT/selftests/run_kselftest.sh")
missing=''
while read -r f; do
	grep -qw "${f#/proc/sys/}" <<<"$listed" || missing+=" $f"
done < <(grep -rhoE '/proc/sys/[a-z_/]+' "$ROOT"/selftests/*/*.c | sort -u)
tap_check "$( [[ -z $missing ]]; echo $?)" \
	"every /proc/sys file of the selftests is in run_kselftest.sh's SYSCTLS" "missing:$missing"

tap_summary
