# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source it
# Common helpers for the munmap-split scripts. Source it, do not run it:
#   source "$(dirname "$0")/lib.sh"       (an entry point in scripts/)
#   source "$(dirname "$0")/../lib.sh"    (scripts/checks, kernel, vm, ...)

# Project root, whatever the caller's working directory.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
S=$ROOT/scripts
BUILD=${BUILD:-$ROOT/build}
LINUX=${LINUX:-$BUILD/linux}
# Stock 6.1.192 (tag 'base' of build/linux), laid out like build/linux
# and build/obj/test one level down: from its object tree the sources are
# at the same relative path, ../../linux, so ccache (CCACHE_BASEDIR below)
# serves it the objects the patched builds compiled, for every file the
# series does not touch.
STOCK=$BUILD/stock/linux
STOCK_OBJ=$BUILD/stock/obj/test
# The results directory of this run: set by results_begin, inherited by
# every script the run starts.
RESULTS=${RESULTS:-}

# The base the series targets: Debian's linux-source-6.1, this exact upload
# (scripts/kernel/source-tarball.sh finds or fetches its tarball).
BASE_PKG=linux-source-6.1
BASE_PKG_VERSION=6.1.192-2
BASE_SHA256=4d415b3d364834fd818270e88813e90323bbfce4f519a0e6bd4940ddcd7df693
BASE_KERNELVERSION=6.1.192

# A second kernel the companion module builds against: Debian's
# linux-source-6.12, this exact upload (scripts/kernel/prepare-612.sh).
K612_PKG=linux-source-6.12
K612_PKG_VERSION=6.12.118-1~deb12u1
K612_SHA256=c93391b6a4884e6428ffbfbb8ce6340229ad28dc421e9f19bc081740b1ab34b2
K612_KERNELVERSION=6.12.118
# Its sources and its object tree, prepared for external modules.
K612_SRC=$BUILD/linux-6.12
K612_OBJ=$BUILD/obj/module-6.12

# The selftest tarball ('make selftests-tar') as the guest stages use it
# (checks/tarball.sh, checks/deb-boot.sh): boot.sh --file it and
# --file vm/guest/selftests-tarball, and give the plan the line below.
SELFTESTS_TAR=$BUILD/munmap-split-selftests.tar.gz

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# need CMD PACKAGE: stop with an install hint when CMD is missing.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install Debian package '$2' (or run 'make deps')"
}

# selftests_tar_build: (re)build $SELFTESTS_TAR against $LINUX's headers,
# the log in $RESULTS/tarball-build.log.
selftests_tar_build() {
	make -s -C "$ROOT/selftests" KSRC="$LINUX" OUT="$BUILD/selftests" \
		TAR="$SELFTESTS_TAR" gen_tar > "$RESULTS/tarball-build.log"
}

# selftests_tar_run_test "C:P ...": the plan line that unpacks and runs
# the tarball in the guest with the module loaded, one -t per word (none:
# every program).
selftests_tar_run_test() {
	local t args=''
	for t in $1; do
		args+=" -t $t"
	done
	echo "run_test selftests_tarball selftests-tarball /opt/tests/bin/${SELFTESTS_TAR##*/}" \
		"-m /opt/tests/modules/mmap_lock_hold.ko$args"
}

jobs_count() { nproc 2>/dev/null || echo 2; }

# results_begin TARGET: make $RESULTS this run's own directory,
# build/results/TARGET-YYYYmmdd-HHMMSS, with build/results/TARGET-latest
# pointing at it, unless a run that started this script set it already
# (make test's stages all write into make test's directory).  Earlier
# runs are left alone: 'make test' keeps the last 'make bench' results.
results_begin() {
	if [[ -n $RESULTS ]]; then
		mkdir -p "$RESULTS"
		export RESULTS
		return 0
	fi
	local top=$BUILD/results stamp dir n=1
	stamp=$(date +%Y%m%d-%H%M%S)
	mkdir -p "$top"
	dir=$top/$1-$stamp
	while ! mkdir "$dir" 2>/dev/null; do
		n=$((n + 1))
		dir=$top/$1-$stamp.$n
	done
	ln -sfn "${dir##*/}" "$top/$1-latest"
	RESULTS=$dir
	export RESULTS
}

# Record one suite's result for the final summary line.
# record_counts SUITE PASSED FAILED SKIPPED
record_counts() {
	mkdir -p "$RESULTS"
	printf '%s %s %s\n' "$2" "$3" "$4" > "$RESULTS/$1.counts"
}

# The TAP counter every check shares: one test point per call, numbered
# from 1, then tap_done records the suite's counts.
#   tap_ok DESCRIPTION                 "ok N DESCRIPTION"
#   tap_fail DESCRIPTION [DIAGNOSTIC]  "not ok N DESCRIPTION", then the
#                                      diagnostic, each line as "# ..."
#   tap_skip DESCRIPTION REASON        "ok N DESCRIPTION # SKIP REASON"
#   tap_check OK DESCRIPTION [DIAG]    tap_ok if OK is 0 (an exit status),
#                                      else tap_fail
#   tap_add PASSED FAILED SKIPPED      counts of a sub-suite that printed
#                                      its own test points
#   tap_done SUITE                     record_counts SUITE; false if any
#                                      test point failed
#   tap_summary                        "N passed, N failed" (the closing
#                                      line of the scripts/tests checks),
#                                      false if any failed
tap_n=0 tap_passed=0 tap_failed=0 tap_skipped=0

tap_ok() {
	tap_n=$((tap_n + 1)) tap_passed=$((tap_passed + 1))
	printf 'ok %d %s\n' "$tap_n" "$1"
}

tap_fail() {
	tap_n=$((tap_n + 1)) tap_failed=$((tap_failed + 1))
	printf 'not ok %d %s\n' "$tap_n" "$1"
	[[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/# /'
}

tap_skip() {
	tap_n=$((tap_n + 1)) tap_skipped=$((tap_skipped + 1))
	printf 'ok %d %s # SKIP %s\n' "$tap_n" "$1" "$2"
}

tap_check() {
	if [[ $1 == 0 ]]; then
		tap_ok "$2"
	else
		tap_fail "$2" "${3:-}"
	fi
}

tap_add() {
	tap_passed=$((tap_passed + $1)) tap_failed=$((tap_failed + $2))
	tap_skipped=$((tap_skipped + $3))
}

tap_done() {
	record_counts "$1" "$tap_passed" "$tap_failed" "$tap_skipped"
	((tap_failed == 0))
}

tap_summary() {
	echo "$((tap_passed + tap_skipped)) passed, $tap_failed failed"
	((tap_failed == 0))
}

# deadline_wait PID SECONDS: wait at most SECONDS for PID, a command
# started in the background in its own session (setsid CMD... & pid=$!),
# and return its exit status. Past the deadline SIGKILL its whole process
# group and return 124; a process stuck in the kernel may never die, so
# give up on it (with a warning) 5 s after the kill. Never hangs.
deadline_wait() {
	local pid=$1 deadline=$((SECONDS + $2)) rc=0
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		# No "Killed" job report from bash, now or later: callers warn
		# themselves.
		disown "$pid" 2>/dev/null || true
		deadline=$((SECONDS + 5))
		{
			kill -KILL -- "-$pid" "$pid" || true
			while kill -0 "$pid" && ((SECONDS < deadline)); do
				sleep 0.2
			done
		} 2>/dev/null
		kill -0 "$pid" 2>/dev/null && warn "pid $pid will not die; leaving it"
		return 124
	fi
	{ wait "$pid"; } 2>/dev/null || rc=$?
	return "$rc"
}

# The compiler for kernel builds.  ccache makes the bisect builds cheap:
# stepping through the series rebuilds the same files again and again.
# CCACHE=0 turns it off.  Use as ${cc:+"CC=$cc"}.
kernel_cc() {
	if [ "${CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
		echo "ccache gcc"
	fi
}

# Paths under the project are hashed relative to it, so another clone of
# the project (CI's) reuses the objects this one compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}

# The stage runner of 'make test' and 'make test-debug'.
# stage SUITE CMD...: run CMD, make sure SUITE has counts afterwards (a
# stage that stops without recording anything counts as one failure),
# and note its duration in $RESULTS/stages.tsv:
#   SUITE PASSED FAILED SKIPPED SECONDS
# Returns CMD's exit status.
stage() {
	local suite=$1 t0=$SECONDS rc=0 secs
	shift
	log "[$suite] ${*#"$ROOT/"}"
	"$@" || rc=$?
	[ -f "$RESULTS/$suite.counts" ] || record_counts "$suite" 0 1 0
	secs=$((SECONDS - t0))
	printf '%s %s %s\n' "$suite" "$(cat "$RESULTS/$suite.counts")" "$secs" |
		tr ' ' '\t' >> "$RESULTS/stages.tsv"
	log "[$suite] done in $secs s (rc=$rc)"
	return $rc
}

# record_run TARGET SECONDS: facts of this run, KEY=VALUE lines in
# $RESULTS/run.txt, for the results page (scripts/results-page.sh).
record_run() {
	{
		echo "target=$1"
		echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "seconds=$2"
		echo "commit=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "host_cpus=$(jobs_count)"
		echo "host_kernel=$(uname -r)"
		echo "accel=$(cat "$BUILD/kvm-mode" 2>/dev/null || echo unknown)"
	} > "$RESULTS/run.txt"
}

# summary: the counts of every suite of this run, in the order they ran
# (stages.tsv; suites recorded outside a stage come after, by name), then
# the closing line 'N passed, N failed, N skipped'.  Also written to
# $RESULTS/summary.txt.  False if anything failed or nothing recorded.
summary() {
	local pass=0 fail=0 skip=0 suites=0 f name p x s
	local -a names=()
	[ ! -f "$RESULTS/stages.tsv" ] || mapfile -t names < <(cut -f1 "$RESULTS/stages.tsv")
	for f in "$RESULTS"/*.counts; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .counts)
		[[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
	done
	local text
	text=$(printf '%-14s %7s %7s %7s' suite passed failed skipped)
	for name in "${names[@]}"; do
		read -r p x s < "$RESULTS/$name.counts"
		text+=$'\n'$(printf '%-14s %7d %7d %7d' "$name" "$p" "$x" "$s")
		pass=$((pass + p)) fail=$((fail + x)) skip=$((skip + s))
		suites=$((suites + 1))
	done
	if [ $suites -eq 0 ]; then
		text+=$'\n'"no suite recorded results in $RESULTS"
		fail=1
	fi
	text+=$'\n'"$pass passed, $fail failed, $skip skipped"
	printf '%s\n' "$text" | tee "$RESULTS/summary.txt"
	[ $fail -eq 0 ]
}
