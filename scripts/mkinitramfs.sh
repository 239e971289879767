#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test VM's initramfs (gzip'd newc cpio).
#
# Usage: mkinitramfs.sh STAGING_DIR OUT.cpio.gz
#   STAGING_DIR   copied to /opt/tests: bin/ (static test programs),
#                 modules/*.ko and the plan script vm-init.sh runs
#   BUSYBOX       static busybox to use (default /bin/busybox)
#   SOURCE_DATE_EPOCH   timestamp of every file (default 0)
#
# Layout: /bin/busybox plus applet symlinks, /init (vm-init.sh), also
# reachable as /bin/run_test, empty /dev /proc /sys /tmp, /opt/tests.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

(($# == 2)) || die "usage: $0 STAGING_DIR OUT.cpio.gz"
staging=$1 out=$2
[[ -d $staging ]] || die "no staging directory $staging"
need cpio cpio
need gzip gzip

busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || die "no $busybox: install busybox-static"

# has_interp ELF: true if a 64-bit ELF has a PT_INTERP program header,
# i.e. is dynamically linked. Debian's plain 'busybox' package is, and
# would not run in the VM, which has no libc.
has_interp() {
	local phoff phentsize phnum i
	phoff=$(od -An -tu8 -j32 -N8 "$1")
	phentsize=$(od -An -tu2 -j54 -N2 "$1")
	phnum=$(od -An -tu2 -j56 -N2 "$1")
	for ((i = 0; i < phnum; i++)); do
		(($(od -An -tu4 -j$((phoff + i * phentsize)) -N4 "$1") == 3)) && return 0
	done
	return 1
}
has_interp "$busybox" && die "$busybox is dynamically linked: install busybox-static"

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,opt/tests}
chmod 1777 "$tree/tmp"

cp "$busybox" "$tree/bin/busybox"
for applet in $("$busybox" --list-full); do
	# Skip /linuxrc and anything without a directory.
	[[ $applet == */* ]] || continue
	[[ -e $tree/$applet ]] || ln -s /bin/busybox "$tree/$applet"
done

install -m 0755 "$ROOT/scripts/vm-init.sh" "$tree/init"
ln -sf /init "$tree/bin/run_test"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tree/etc/passwd"
printf 'root:x:0:\n' >"$tree/etc/group"

# The kernel opens /dev/console before running /init; creating it needs
# root. Without it /init gets its stdio after mounting devtmpfs.
if (($(id -u) == 0)); then
	mknod -m 0600 "$tree/dev/console" c 5 1
fi

cp -R "$staging/." "$tree/opt/tests/"

# Same inputs, same archive: fixed times and owners, sorted names.
find "$tree" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
mkdir -p "$(dirname "$out")"
(
	cd "$tree"
	find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --reproducible --owner=0:0 --quiet
) | gzip -9 -n >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs $out ($(du -h "$out" | cut -f1))"
