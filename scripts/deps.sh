#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the project needs, if any is missing.
# Usage: scripts/deps.sh [--check] [--bench] [--deb] [--package NAME]
#   --check   only report what is missing
#   --bench   also what 'make bench' needs (gnuplot, for the plot;
#             bpftrace, for the module's twin in the guests)
#   --deb     also what 'make deb' needs (bindeb-pkg)
#   --package NAME  also this package (scripts/deb.sh: linux-config-6.1)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Build a kernel, run it in QEMU, and package the guest's userspace
# (stress-ng runs in the guest too); dkms checks module/dkms.conf
# (scripts/checks/module-612.sh; linux-source-6.12 is installed there).
PKGS=(
	gcc make flex bison bc libelf-dev libssl-dev openssl dwarves
	cpio xz-utils python3 python3-ply python3-git perl git quilt kmod rsync
	qemu-system-x86 busybox-static libc6-dev ccache
	stress-ng dkms
)
# Only 'make bench' draws a plot and runs scripts/mmap-lock-hold.bt.
BENCH_PKGS=(gnuplot-nox bpftrace)
# bindeb-pkg runs dpkg-buildpackage, as root through fakeroot.
DEB_PKGS=(dpkg-dev fakeroot)

check=0
while (($#)); do
	case $1 in
	--check) check=1 ;;
	--bench) PKGS+=("${BENCH_PKGS[@]}") ;;
	--deb) PKGS+=("${DEB_PKGS[@]}") ;;
	--package)
		(($# >= 2)) || die "--package NAME"
		PKGS+=("$2")
		shift ;;
	*) die "usage: $0 [--check] [--bench] [--deb] [--package NAME]" ;;
	esac
	shift
done

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ $check = 1 ]; then
	printf 'missing: %s\n' "${missing[*]}"
	exit 1
fi

command -v apt-get >/dev/null ||
	die "missing packages (${missing[*]}) and no apt-get: install them by hand"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		die "missing packages: run as root: apt-get install ${missing[*]}"
	SUDO=sudo
fi

mkdir -p "$BUILD"
log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
	>"$BUILD/apt.log" 2>&1; then
	# A fresh machine has no package lists yet.
	$SUDO apt-get update -q >>"$BUILD/apt.log" 2>&1 || true
	if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
		>>"$BUILD/apt.log" 2>&1; then
		tail -5 "$BUILD/apt.log" >&2
		die "apt-get install failed; see $BUILD/apt.log"
	fi
fi
