#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a Debian linux-source tarball that is exactly the
# pinned upload: its sha256 is checked, whatever the path.
#
#   1. /usr/src/PKG.tar.xz, if the installed package is that upload (its
#      tarball's sha256 matches);
#   2. otherwise the tarball out of PKG_VERSION_all.deb, fetched with
#      'apt-get download' into build/pkgs/PKG/ and unpacked there.
#
# The second path never installs, upgrades or downgrades a system package
# and needs no root: a machine whose linux-source-6.1 moved on to a newer
# Debian revision (6.1.192-3, say) still builds the series on 6.1.192-2.
# Usage: scripts/kernel/source-tarball.sh PKG VERSION SHA256
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

(($# == 3)) || die "usage: $0 PKG VERSION SHA256"
pkg=$1 version=$2 sha=$3
name=$pkg.tar.xz
dir=$BUILD/pkgs/$pkg

matches() { [ -f "$1" ] && echo "$sha  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }

installed=/usr/src/$name
if matches "$installed"; then
	echo "$installed"
	exit 0
fi
if matches "$dir/$version/$name"; then
	echo "$dir/$version/$name"
	exit 0
fi

have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
log "$pkg: installed ${have:-none}, the base is $version: fetching it into $dir"
need apt-get apt
need dpkg-deb dpkg
rm -rf "$dir"
mkdir -p "$dir/$version"

download() {
	(cd "$dir" && apt-get download -q "$pkg=$version") >"$dir/apt.log" 2>&1
}

if ! download; then
	# A fresh machine may have no package lists yet.
	if [ "$(id -u)" -eq 0 ]; then
		apt-get update -q >>"$dir/apt.log" 2>&1 || true
		download || true
	fi
fi
debs=("$dir"/"${pkg}"_*_all.deb)
[ -f "${debs[0]}" ] || {
	tail -3 "$dir/apt.log" >&2
	die "cannot download $pkg=$version (see $dir/apt.log): run 'apt-get update' as root if the package lists are missing, put ${pkg}_${version}_all.deb in $dir, or set KERNEL_SRC=/path/to/linux"
}

dpkg-deb --fsys-tarfile "${debs[0]}" |
	tar -x -O "./usr/src/$name" > "$dir/$version/$name.tmp" ||
	die "${debs[0]} has no usr/src/$name"
mv "$dir/$version/$name.tmp" "$dir/$version/$name"
rm -f "${debs[@]}"
matches "$dir/$version/$name" ||
	die "$pkg $version from apt does not match sha256 $sha: the archive's upload is not the series' base"
echo "$dir/$version/$name"
