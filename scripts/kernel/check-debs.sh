#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What 'make deb' built must be installable as it is: the image package
# with the kernel, its config and System.map, and the modules of that
# release; the headers package with a tree external modules (DKMS) build
# against; both for this release.  Prints one line per check, 'ok' or
# 'FAILED', then the packages; exits 1 if a check failed.
# Usage: scripts/kernel/check-debs.sh DIR RELEASE
# shellcheck disable=SC2317 # has() and contents() run through check "$@"
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

[ $# -eq 2 ] || die "usage: $0 DIR RELEASE"
dir=$1 release=$2
bad=0
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok      $what"
	else
		echo "FAILED  $what"
		bad=1
	fi
}

# The paths a package installs ("./boot/x" as "/boot/x", links too),
# listed once into a file: 'grep -q' on the pipe would stop reading early
# and fail it with SIGPIPE under pipefail.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
contents() {
	local list=$tmp/${1##*/}.list
	[ -f "$list" ] ||
		dpkg-deb --contents "$1" | awk '{ sub(/^\./, "", $6); print $6 }' > "$list"
	cat "$list"
}
has() { contents "$1" > "$tmp/c" && grep -qx "$2" "$tmp/c"; }
# deb_of PACKAGE: its file in DIR (one, or none).
deb_of() { compgen -G "$dir/${1}_*.deb" | head -n 1; }
image=$(deb_of "linux-image-$release" || true)
headers=$(deb_of "linux-headers-$release" || true)
check "linux-image-$release built" test -n "$image"
check "linux-headers-$release built" test -n "$headers"
[ $bad -eq 0 ] || exit 1

check "image: /boot/vmlinuz-$release" has "$image" "/boot/vmlinuz-$release"
check "image: /boot/config-$release" has "$image" "/boot/config-$release"
check "image: /boot/System.map-$release" has "$image" "/boot/System.map-$release"
check "image: /lib/modules/$release/modules.order" has "$image" "/lib/modules/$release/modules.order"
# The series is in: its sysctl's handler is a symbol of this kernel.
check "image: the series is in (munmap_piece_kbytes in System.map)" \
	sh -c "dpkg-deb --fsys-tarfile '$image' | tar -xOf - './boot/System.map-$release' | grep -q munmap_piece"
check "headers: /usr/src/linux-headers-$release/Makefile" \
	has "$headers" "/usr/src/linux-headers-$release/Makefile"
check "headers: /lib/modules/$release/build -> the headers" \
	has "$headers" "/lib/modules/$release/build"
check "headers: modpost, for DKMS builds" \
	has "$headers" "/usr/src/linux-headers-$release/scripts/mod/modpost"

echo
for deb in "$dir"/*.deb; do
	printf '%-60s %6d KiB  %s\n' "${deb##*/}" $(($(stat -c %s "$deb") / 1024)) \
		"$(dpkg-deb -f "$deb" Description | head -n 1)"
done
exit $bad
