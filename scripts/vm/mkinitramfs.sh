#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test VM's initramfs (gzip'd newc cpio).
#
# Usage: mkinitramfs.sh [--host-bin PATH]... [--host-dir DIR]...
#                       STAGING_DIR OUT.cpio.gz
#   STAGING_DIR   copied to /opt/tests: bin/ (static test programs),
#                 modules/*.ko and the plan script vm-init.sh runs
#   --host-bin PATH   also a program of this machine, at the same absolute
#                 path, with the shared libraries ldd resolves for it (at
#                 the paths ldd prints) and its ELF interpreter: a Debian
#                 binary such as /usr/bin/stress-ng then runs in the guest
#   --host-dir DIR    also a directory of this machine, at the same
#                 absolute path, symlinks followed: data a host program
#                 reads (the C headers bpftrace parses tracepoints with)
#   BUSYBOX       static busybox to use (default /bin/busybox)
#   SOURCE_DATE_EPOCH   timestamp of every file (default 0)
#
# Layout: /bin/busybox plus applet symlinks, /init (vm-init.sh), also
# reachable as /bin/run_test, empty /dev /proc /sys /tmp, /opt/tests.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

usage() { die "usage: $0 [--host-bin PATH]... [--host-dir DIR]... STAGING_DIR OUT.cpio.gz"; }
host_bins=() host_dirs=()
while (($#)) && [[ $1 == --* ]]; do
	case $1 in
	--host-bin)
		(($# >= 2)) || usage
		host_bins+=("$2")
		shift 2
		;;
	--host-dir)
		(($# >= 2)) || usage
		[[ $2 == /* && -d $2 ]] || die "--host-dir $2: not an absolute path to a directory"
		host_dirs+=("$2")
		shift 2
		;;
	*) usage ;;
	esac
done
(($# == 2)) || usage
staging=$1 out=$2
[[ -d $staging ]] || die "no staging directory $staging"
need cpio cpio
need gzip gzip

busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || die "no $busybox: install busybox-static"

# elf_interp ELF: print the PT_INTERP path of a 64-bit ELF (the dynamic
# loader, e.g. /lib64/ld-linux-x86-64.so.2); print nothing for a static
# one.
elf_interp() {
	local phoff phentsize phnum i ph off size
	phoff=$(od -An -tu8 -j32 -N8 "$1")
	phentsize=$(od -An -tu2 -j54 -N2 "$1")
	phnum=$(od -An -tu2 -j56 -N2 "$1")
	for ((i = 0; i < phnum; i++)); do
		ph=$((phoff + i * phentsize))
		(($(od -An -tu4 -j$ph -N4 "$1") == 3)) || continue
		off=$(od -An -tu8 -j$((ph + 8)) -N8 "$1")
		size=$(od -An -tu8 -j$((ph + 32)) -N8 "$1")
		# The path is NUL-terminated inside the segment.
		dd if="$1" bs=1 skip=$((off)) count=$((size)) status=none | tr -d '\0'
		return 0
	done
}

# has_interp ELF: true if a 64-bit ELF is dynamically linked. Debian's
# plain 'busybox' package is, and would not run in the VM, which has no
# libc.
has_interp() {
	[[ -n $(elf_interp "$1") ]]
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

install -m 0755 "$S/vm/vm-init.sh" "$tree/init"
ln -sf /init "$tree/bin/run_test"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tree/etc/passwd"
printf 'root:x:0:\n' >"$tree/etc/group"

# The kernel opens /dev/console before running /init; creating it needs
# root. Without it /init gets its stdio after mounting devtmpfs.
if (($(id -u) == 0)); then
	mknod -m 0600 "$tree/dev/console" c 5 1
fi

cp -R "$staging/." "$tree/opt/tests/"

# add_file PATH: copy a file of this machine to the same path in the
# tree, symlinks followed (Debian's /lib64/ld-linux-x86-64.so.2 points
# into /lib, which is a symlink itself on a merged-/usr system).  A
# busybox applet of the same name goes first: it is a symlink to the
# absolute /bin/busybox, and cp would write through it to this machine's.
add_file() {
	mkdir -p "$tree$(dirname "$1")"
	rm -f "$tree$1"
	cp -L "$1" "$tree$1"
}

# add_host_bin PATH: the program, its ELF interpreter and every library
# ldd resolves. The guest has no ld.so.cache, so its loader searches only
# its built-in directories: a library found elsewhere (ld.so.conf, an
# RPATH, a glibc-hwcaps subdirectory the guest CPU may not have) stops
# the build here rather than the program in the guest.
add_host_bin() {
	local bin=$1 interp lib dir sysdirs
	[[ $bin == /* && -f $bin && -x $bin ]] ||
		die "--host-bin $bin: not an absolute path to an executable"
	add_file "$bin"
	interp=$(elf_interp "$bin")
	[[ -n $interp ]] || return 0
	[[ -f $interp ]] || die "$bin: no interpreter $interp on this machine"
	add_file "$interp"
	need ldd libc-bin
	# The loader's default search path, from its own --help (glibc 2.33+);
	# without that list, trust the usual multiarch and plain directories.
	sysdirs=$("$interp" --help 2>/dev/null |
		awk '/\(system search path\)$/ { print $1 }')
	[[ -n $sysdirs ]] ||
		sysdirs=$(printf '%s\n' /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib)
	while read -r lib; do
		[[ $lib == /* ]] || die "$bin: ldd cannot resolve $lib"
		dir=$(dirname "$lib")
		grep -qxF "$dir" <<<"$sysdirs" ||
			die "$bin: $lib is outside the loader's search path (${sysdirs//$'\n'/ })"
		add_file "$lib"
	done < <(ldd "$bin" | awk '
		$2 == "=>" && $3 == "not" { print $1; next }	# "libx.so => not found"
		$2 == "=>" && $3 ~ /^\// { print $3 }')
	log "initramfs: $bin with $(ldd "$bin" | grep -c '=> /') libraries and $interp"
}
for bin in "${host_bins[@]}"; do
	add_host_bin "$bin"
done
for dir in "${host_dirs[@]}"; do
	mkdir -p "$tree$(dirname "$dir")"
	cp -RL "$dir" "$tree$dir"
done

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
