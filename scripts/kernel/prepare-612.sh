#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Linux 6.12 tree prepared for building external modules, so that the
# companion module is built against a second kernel line:
#   build/linux-6.12          Debian's linux-source-6.12 (K612_* in lib.sh:
#                             the exact upload, its sha256), extracted
#   build/obj/module-6.12     x86_64 defconfig + kconfig/module-612.config,
#                             olddefconfig, 'make modules_prepare'
# The tarball is the installed package's if that is the pinned upload,
# else fetched without installing it (scripts/kernel/source-tarball.sh);
# if neither works, the script stops and says so.  Re-running reuses both
# trees while the tarball and the fragment are unchanged.
# Usage: scripts/kernel/prepare-612.sh
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

FRAGMENT=$S/kernel/kconfig/module-612.config
STAMP=$K612_OBJ/.munmap-split.stamp

extract() {
	local tmp=$K612_SRC.tmp v tarball
	tarball=$("$S/kernel/source-tarball.sh" "$K612_PKG" "$K612_PKG_VERSION" "$K612_SHA256")
	log "6.12: extracting $K612_PKG $K612_PKG_VERSION"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -C "$tmp" --strip-components=1 -xf "$tarball"
	v=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p;s/^SUBLEVEL = //p' "$tmp/Makefile" | paste -sd.)
	[ "$v" = "$K612_KERNELVERSION" ] ||
		die "$tarball is Linux $v, expected $K612_KERNELVERSION"
	echo "$K612_SHA256" > "$tmp/.munmap-split.sha256"
	rm -rf "$K612_SRC"
	mv "$tmp" "$K612_SRC"
}

# What the trees are made of: rebuild when it changes.
stamp_id() {
	{ echo "$K612_SHA256"; cat "$FRAGMENT"; } | sha256sum | cut -d' ' -f1
}

configure_and_prepare() {
	local cc line bad=0
	cc=$(kernel_cc)
	mk() { make -s -C "$K612_SRC" O="$K612_OBJ" ARCH=x86_64 ${cc:+"CC=$cc"} "$@"; }

	rm -rf "$K612_OBJ"
	mkdir -p "$K612_OBJ"
	mk defconfig >/dev/null
	"$K612_SRC/scripts/kconfig/merge_config.sh" -m -O "$K612_OBJ" \
		"$K612_OBJ/.config" "$FRAGMENT" >/dev/null
	mk olddefconfig >/dev/null
	while IFS= read -r line; do
		grep -qxF "$line" "$K612_OBJ/.config" || {
			warn "'$line' did not survive (got: $(grep "^${line%%=*}=" "$K612_OBJ/.config" || echo unset))"
			bad=1
		}
	done < <(awk -f "$S/kernel/fragment-options.awk" "$FRAGMENT" | grep '^CONFIG_')
	[ $bad -eq 0 ] || die "configuration of $K612_OBJ does not match $FRAGMENT"
	log "6.12: make modules_prepare in $K612_OBJ"
	mk -j"$(jobs_count)" modules_prepare
}

main() {
	local want
	want=$(stamp_id)
	if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] &&
	   [ -f "$K612_SRC/Makefile" ] && [ -f "$K612_OBJ/include/generated/autoconf.h" ]; then
		log "6.12: $K612_OBJ is up to date (cached)"
		return 0
	fi
	need make make
	# The sources only change with the tarball.
	[ "$(cat "$K612_SRC/.munmap-split.sha256" 2>/dev/null || true)" = "$K612_SHA256" ] ||
		extract
	configure_and_prepare
	printf '%s\n' "$want" > "$STAMP"
	log "6.12: $K612_OBJ ready (Linux $K612_KERNELVERSION)"
}

main "$@"
