#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare build/linux: a git tree whose commit tagged 'base' is Linux
# 6.1.192, with the series of patches/ applied on top by 'git am'.
#
# The base is Debian's linux-source-6.1 6.1.192-2 tarball (sha256 checked;
# scripts/kernel/source-tarball.sh finds or fetches it),
# or the git tree named by KERNEL_SRC.  The result is cached: when neither
# the base nor the series changed, the tree is left as it is.  A tree with
# work that is not in patches/ yet is never thrown away: export it first
# (make export), or pass FORCE=1.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

BRANCH=munmap-split
STAMP=$LINUX/.git/munmap-split.stamp

# Fixed identity and dates make the base commit the same on every machine.
base_commit_env() {
	export GIT_AUTHOR_NAME="Debian linux-source" GIT_AUTHOR_EMAIL="nobody@invalid"
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
	export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
}

# An identifier of the base: the tarball's hash or the user's commit.
base_id() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		printf 'git:%s\n' "$(git -C "$KERNEL_SRC" rev-parse HEAD)"
	else
		printf 'deb:%s\n' "$BASE_SHA256"
	fi
}

series_id() {
	{
		base_id
		cat "$ROOT/patches/series"
		while read -r p; do
			case "$p" in ''|'#'*) continue ;; esac
			cat "$ROOT/patches/$p"
		done < "$ROOT/patches/series"
	} | sha256sum | cut -d' ' -f1
}

check_version() {
	local dir=$1 v p
	v=$(sed -n 's/^VERSION = //p' "$dir/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = //p' "$dir/Makefile")
	[ "$v.$p" = "6.1" ] ||
		die "$dir is Linux $v.$p, the series targets 6.1.y (6.1.192)"
}

# Create $LINUX with the base commit, from the package or KERNEL_SRC.
make_base() {
	local tmp=$LINUX.tmp

	rm -rf "$tmp"
	if [ -n "${KERNEL_SRC:-}" ]; then
		git -C "$KERNEL_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
			die "KERNEL_SRC=$KERNEL_SRC is not a git tree"
		check_version "$KERNEL_SRC"
		log "base: cloning $KERNEL_SRC ($(git -C "$KERNEL_SRC" describe --always HEAD))"
		git clone -q --shared --no-checkout "$KERNEL_SRC" "$tmp"
		git -C "$tmp" checkout -q -b "$BRANCH" HEAD
	else
		local tarball
		tarball=$("$S/kernel/source-tarball.sh" "$BASE_PKG" "$BASE_PKG_VERSION" "$BASE_SHA256")
		log "base: extracting $BASE_PKG $BASE_PKG_VERSION"
		mkdir -p "$tmp"
		tar -C "$tmp" --strip-components=1 -xf "$tarball"
		check_version "$tmp"
		git -C "$tmp" init -q -b "$BRANCH"
		# Debian's top-level .gitignore ignores every top-level path.
		git -C "$tmp" add -f -A
		(base_commit_env
		 git -C "$tmp" commit -q -m "Linux $BASE_KERNELVERSION ($BASE_PKG $BASE_PKG_VERSION)")
	fi
	git -C "$tmp" tag -f base >/dev/null
	rm -rf "$LINUX"
	mv "$tmp" "$LINUX"
}

base_matches() {
	[ -f "$LINUX/.git/munmap-split.base" ] &&
		[ "$(cat "$LINUX/.git/munmap-split.base")" = "$(base_id)" ]
}

# Refuse to drop commits or edits that are not in patches/ yet.
check_no_local_work() {
	[ "${FORCE:-0}" = 1 ] && return 0
	local head
	[ -n "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ] &&
		die "$LINUX has uncommitted changes: commit and 'make export', or FORCE=1 to discard them"
	head=$(git -C "$LINUX" rev-parse HEAD)
	if [ -f "$STAMP" ] && [ "$(sed -n 2p "$STAMP")" != "$head" ]; then
		die "$LINUX has commits that are not in patches/: 'make export' first, or FORCE=1 to discard them"
	fi
}

apply_series() {
	local -a files=()
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		files+=("$ROOT/patches/$p")
	done < "$ROOT/patches/series"

	# git am records a committer; a fresh machine may have no identity.
	if [ -z "$(git -C "$LINUX" config user.email || true)" ]; then
		export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-munmap-split}
		export GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-munmap-split@localhost}
	fi
	git -C "$LINUX" am --abort >/dev/null 2>&1 || true
	git -C "$LINUX" checkout -q -f -B "$BRANCH" base
	git -C "$LINUX" clean -q -f -d
	log "applying ${#files[@]} patches with git am"
	[ ${#files[@]} -eq 0 ] && return 0
	git -C "$LINUX" am -q --keep-cr "${files[@]}" ||
		die "git am failed on the series; see 'git -C $LINUX am --show-current-patch'"
}

write_stamp() {
	printf '%s\n%s\n' "$1" "$(git -C "$LINUX" rev-parse HEAD)" > "$STAMP"
}

main() {
	local want
	mkdir -p "$BUILD"
	[ -f "$ROOT/patches/series" ] || die "patches/series is missing"
	want=$(series_id)
	# After 'make export': the tree is the series, just record that.
	if [ "${1:-}" = "--stamp-only" ]; then
		write_stamp "$want"
		return 0
	fi

	if [ -d "$LINUX/.git" ] && base_matches; then
		if [ -f "$STAMP" ] && [ "$(sed -n 1p "$STAMP")" = "$want" ] &&
		   [ "$(sed -n 2p "$STAMP")" = "$(git -C "$LINUX" rev-parse HEAD)" ]; then
			log "build/linux is up to date with patches/ (cached)"
			return 0
		fi
		check_no_local_work
	else
		[ -d "$LINUX" ] && check_no_local_work
		make_base
		base_id > "$LINUX/.git/munmap-split.base"
	fi
	apply_series
	write_stamp "$want"
	log "build/linux: $(git -C "$LINUX" rev-list --count base..HEAD) patches on base"
}

main "$@"
