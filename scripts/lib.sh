# SPDX-License-Identifier: GPL-2.0
# Common helpers for the munmap-split scripts. Source it, do not run it.

# Project root, whatever the caller's working directory.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
RESULTS=${RESULTS:-$BUILD/results}
LINUX=${LINUX:-$BUILD/linux}

# The base the series targets: Debian's linux-source-6.1, this exact upload.
BASE_PKG=linux-source-6.1
BASE_PKG_VERSION=6.1.192-2
BASE_TARBALL=/usr/src/linux-source-6.1.tar.xz
BASE_SHA256=4d415b3d364834fd818270e88813e90323bbfce4f519a0e6bd4940ddcd7df693
BASE_KERNELVERSION=6.1.192

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# need CMD PACKAGE: stop with an install hint when CMD is missing.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install Debian package '$2' (or run 'make deps')"
}

# Record one suite's result for the final summary line.
# record_counts SUITE PASSED FAILED SKIPPED
record_counts() {
	mkdir -p "$RESULTS"
	printf '%s %s %s\n' "$2" "$3" "$4" > "$RESULTS/$1.counts"
}

jobs_count() { nproc 2>/dev/null || echo 2; }

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
