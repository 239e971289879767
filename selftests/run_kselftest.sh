#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The runner of the installed selftests ('make -C selftests install', or
# the tarball of 'make selftests-tar'): no kernel tree, no compiler, only
# sh, awk and timeout(1) (busybox is enough).  Run it as root from any
# directory:
#
#	./run_kselftest.sh [-m MODULE.ko | -n] [-t COLLECTION:PROGRAM]... [-l]
#
#   -m FILE  the companion module to load (default: the one installed
#            for the running kernel, as DKMS installs it: modinfo -n)
#   -n       run without the module: the programs that need it SKIP
#   -t C:P   run only these programs (as listed by -l); repeatable
#   -l       list the programs and stop
#
# Order: first every program that needs the module loaded (it is loaded
# if it is not), then the module is unloaded and the programs that load
# it themselves run (needs-module-absent.txt).  The module ends as it was
# found: loaded again if it was loaded before, unloaded otherwise.  The
# benchmark (bench:munmap_bench) runs only when asked for with -t.
#
# Each collection's 'settings' gives its programs' timeout.  Every
# sysctl a program may change (SYSCTLS below; a tooling test checks the
# list against the sources) is saved first and written back at the end,
# also after a crash, a timeout or Ctrl-C.  The last line is the summary
# of every program:
#
#	N passed, N failed, N skipped
#
# and the exit status is 1 if anything failed.
#
# For the runner's own test (scripts/tests/test-selftests-install.sh):
# SYSCTL_DIR (/proc/sys), MLH_SYSFS (/sys/module/mmap_lock_hold) and
# MODULE_TOOLS (a directory with insmod, rmmod, modprobe and modinfo, in
# place of the system's: busybox's sh runs its own applets whatever PATH
# says).

SYSCTLS='vm/max_map_count vm/overcommit_memory vm/overcommit_kbytes
vm/overcommit_ratio vm/nr_hugepages vm/nr_overcommit_hugepages
vm/munmap_piece_kbytes'
MODULE=mmap_lock_hold
SYSCTL_DIR=${SYSCTL_DIR:-/proc/sys}
MLH_SYSFS=${MLH_SYSFS:-/sys/module/$MODULE}

dir=$(cd "$(dirname "$0")" && pwd) || exit 2
cd "$dir" || exit 2

usage() {
	sed -n 's/^#	\(\.\/run_kselftest.sh .*\)/usage: \1/p' "$0" >&2
	exit 2
}

ko=
ko_given=
use_module=1
only=
list_only=
while getopts m:nt:lh opt; do
	case $opt in
	m) ko=$OPTARG ko_given=1 ;;
	n) use_module= ;;
	t) only="$only $OPTARG" ;;
	l) list_only=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

# The programs to run, in list order: all but the benchmark, or those -t
# names (each must exist).
selected() {
	if [ -z "$only" ]; then
		grep -v '^bench:' kselftest-list.txt
		return
	fi
	for t in $only; do
		grep -qxF "$t" kselftest-list.txt || {
			echo "run_kselftest.sh: no program '$t' (see -l)" >&2
			return 1
		}
	done
	for t in $only; do echo "$t"; done
}
tests=$(selected) || exit 2
if [ -n "$list_only" ]; then
	cat kselftest-list.txt
	exit 0
fi

# run.sh's arguments for the programs of $1 (a list): each collection's
# timeout, then its programs.
run_args() {
	last=
	for t in $1; do
		c=${t%%:*}
		if [ "$c" != "$last" ]; then
			printf ' -t %s' "$(sed -n 's/^timeout=//p' "$c/settings")"
			last=$c
		fi
		printf ' %s/%s' "$c" "${t#*:}"
	done
}

saved=$(mktemp) || exit 2
for s in $SYSCTLS; do
	[ -r "$SYSCTL_DIR/$s" ] && printf '%s %s\n' "$s" "$(cat "$SYSCTL_DIR/$s")"
done > "$saved"

module_loaded() { [ -d "$MLH_SYSFS" ]; }
# modtool TOOL ARGS...: kmod's TOOL, or MODULE_TOOLS' one.
modtool() {
	tool=$1
	shift
	"${MODULE_TOOLS:+$MODULE_TOOLS/}$tool" "$@"
}
was_loaded=
module_loaded && was_loaded=1
if [ -n "$use_module" ] && [ -z "$ko" ]; then
	ko=$(modtool modinfo -n "$MODULE" 2>/dev/null)
fi

# The file given with -m, or the installed module by name (modprobe
# finds it, compressed or not, as DKMS installed it).
load_module() {
	if [ -n "$ko_given" ]; then
		modtool insmod "$ko"
	else
		modtool modprobe "$MODULE"
	fi
}

# At the end, whatever happened: sysctls and the module as found.
restore() {
	while read -r s v; do
		[ "$(cat "$SYSCTL_DIR/$s")" = "$v" ] && continue
		echo "# restoring $(echo "$s" | tr / .) = $v"
		echo "$v" > "$SYSCTL_DIR/$s" ||
			echo "# could not restore $s to $v" >&2
	done < "$saved"
	rm -f "$saved" "$saved.out"
	if [ -n "$was_loaded" ] && ! module_loaded; then
		load_module || echo "# could not load $MODULE again" >&2
	elif [ -z "$was_loaded" ] && module_loaded; then
		modtool rmmod "$MODULE" || echo "# could not unload $MODULE" >&2
	fi
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

[ "$(id -u)" = 0 ] ||
	echo "# not root: most programs will SKIP (they need root)"

passed=0 failed=0 skipped=0
# phase NAME LIST: run LIST with run.sh and add up its counts; a run
# that prints no summary line counts as one failure.
phase() {
	[ -n "$2" ] || return 0
	echo "# $1"
	# shellcheck disable=SC2046 # run_args prints separate words
	sh ./run.sh -p "# $1: " $(run_args "$2") | tee "$saved.out"
	counts=$(sed -n "s/^# $1: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p" "$saved.out")
	[ -n "$counts" ] || counts='0 1 0'
	# shellcheck disable=SC2086 # three numbers
	set -- $counts
	passed=$((passed + $1))
	failed=$((failed + $2))
	skipped=$((skipped + $3))
}

absent=
loaded=
for t in $tests; do
	if grep -qxF "$t" needs-module-absent.txt; then
		absent="$absent $t"
	else
		loaded="$loaded $t"
	fi
done

# mlh_unload and mlh_reload load the module from this file themselves.
if [ -n "$ko" ]; then
	MLH_KO=$ko
	export MLH_KO
fi
if [ -n "$use_module" ] && ! module_loaded; then
	if [ -z "$ko" ]; then
		echo "# $MODULE is not installed for $(uname -r): its programs will SKIP;"
		echo "# build it from module/ (README) or give it with -m FILE.ko"
	elif ! load_module; then
		echo "# could not load $MODULE${ko:+ from $ko}: its programs will SKIP"
	fi
fi
phase "with the module loaded" "$loaded"

if [ -n "$absent" ] && module_loaded && ! modtool rmmod "$MODULE"; then
	echo "# could not unload $MODULE: the programs that load it will SKIP"
fi
phase "with the module unloaded" "$absent"

# Put things back before the summary, which must be the last line.
trap - EXIT
restore
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
