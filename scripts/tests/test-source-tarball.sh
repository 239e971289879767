#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of scripts/kernel/source-tarball.sh without the archive: a
# stub apt-get "downloads" a .deb built here (dpkg-deb --build), so the
# fetch, the cache, the hash check and the errors are all exercised.
# Prints TAP and a final "N passed, N failed" line.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BUILD=$tmp/build
source "$(dirname "$0")/../lib.sh"
need dpkg-deb dpkg

PKG=munmap-split-test-source
VER=1.0-2
st=$S/kernel/source-tarball.sh

# The package: usr/src/PKG.tar.xz, as Debian's linux-source-* ship it.
mkdir -p "$tmp/pkg/DEBIAN" "$tmp/pkg/usr/src" "$tmp/src/linux"
echo 'VERSION = 6' > "$tmp/src/linux/Makefile"
tar -C "$tmp/src" -cJf "$tmp/pkg/usr/src/$PKG.tar.xz" linux
printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: test <t@invalid>\nDescription: test\n' \
	"$PKG" "$VER" > "$tmp/pkg/DEBIAN/control"
dpkg-deb -Zxz --build "$tmp/pkg" "$tmp/${PKG}_${VER}_all.deb" >/dev/null
SHA=$(sha256sum "$tmp/pkg/usr/src/$PKG.tar.xz" | cut -d' ' -f1)

# apt-get: "download PKG=VER" copies the .deb into the working directory,
# as the real one does, and logs every call; APT_FAIL=1 fails like a
# machine without package lists.
mkdir -p "$tmp/bin"
cat > "$tmp/bin/apt-get" <<EOF
#!/bin/bash
echo "\$*" >> "$tmp/apt-calls"
[ "\${APT_FAIL:-0}" = 1 ] && { echo "E: Unable to locate package" >&2; exit 100; }
[ "\$1 \$3" = "download $PKG=$VER" ] || exit 100
cp "$tmp/${PKG}_${VER}_all.deb" .
EOF
chmod +x "$tmp/bin/apt-get"
export PATH=$tmp/bin:$PATH

want=$BUILD/pkgs/$PKG/$VER/$PKG.tar.xz
rc=0
out=$("$st" "$PKG" "$VER" "$SHA" 2>"$tmp/err") || rc=$?
ok=1
((rc == 0)) && [[ $out == "$want" ]] && cmp -s "$want" "$tmp/pkg/usr/src/$PKG.tar.xz" &&
	[[ $(cat "$tmp/apt-calls") == "download -q $PKG=$VER" ]] &&
	! compgen -G "$BUILD/pkgs/$PKG/*.deb" >/dev/null && ok=0
tap_check $ok "not installed: fetched with 'apt-get download' only, tarball unpacked, .deb dropped" \
	"exit $rc; out '$out'; $(cat "$tmp/err"); calls: $(cat "$tmp/apt-calls" 2>/dev/null)"

rm -f "$tmp/apt-calls"
rc=0
out=$("$st" "$PKG" "$VER" "$SHA" 2>"$tmp/err") || rc=$?
ok=1
((rc == 0)) && [[ $out == "$want" && ! -e $tmp/apt-calls ]] && ok=0
tap_check $ok "second run: the checked tarball is reused, apt is not asked" \
	"exit $rc; out '$out'; $(cat "$tmp/err")"

# A cached tarball that was altered is not trusted: fetched again.
echo junk >> "$want"
rc=0
out=$("$st" "$PKG" "$VER" "$SHA" 2>"$tmp/err") || rc=$?
ok=1
((rc == 0)) && [[ $out == "$want" ]] && [[ -s $tmp/apt-calls ]] &&
	cmp -s "$want" "$tmp/pkg/usr/src/$PKG.tar.xz" && ok=0
tap_check $ok "an altered cached tarball is fetched again" \
	"exit $rc; out '$out'; $(cat "$tmp/err")"

rc=0
bad=0000000000000000000000000000000000000000000000000000000000000000
out=$("$st" "$PKG" "$VER" "$bad" 2>"$tmp/err") || rc=$?
ok=1
((rc != 0)) && [[ -z $out ]] && grep -q "does not match sha256 $bad" "$tmp/err" && ok=0
tap_check $ok "another upload (hash differs): refused, nothing printed" \
	"exit $rc; out '$out'; $(cat "$tmp/err")"

rm -rf "$BUILD/pkgs"
rc=0
out=$(APT_FAIL=1 "$st" "$PKG" "$VER" "$SHA" 2>"$tmp/err") || rc=$?
ok=1
((rc != 0)) && [[ -z $out ]] && grep -q "cannot download $PKG=$VER" "$tmp/err" &&
	grep -q "KERNEL_SRC" "$tmp/err" && ok=0
tap_check $ok "apt cannot fetch it: stops, says what to run or set" \
	"exit $rc; out '$out'; $(cat "$tmp/err")"

rc=0
"$st" "$PKG" "$VER" >/dev/null 2>"$tmp/err" || rc=$?
ok=1
((rc != 0)) && grep -q usage "$tmp/err" && ok=0
tap_check $ok "missing argument: usage" "exit $rc; $(cat "$tmp/err")"

tap_summary
