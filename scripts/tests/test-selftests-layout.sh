#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of the selftests' layout: each collection (mm, mlh, bench)
# is laid out like one of the kernel's tools/testing/selftests (Makefile,
# 'settings' with a timeout, 'config'), the lists the guests run name
# every program once, no file of mm/ has the name of a file of the
# kernel's own mm (6.1: vm) selftests, and mm/ builds with the kernel's
# lib.mk when dropped into a copy of its selftests directory (that one
# SKIPs before 'make prepare' has made build/linux).  Prints TAP and a
# final "N passed, N failed" line.
set -euo pipefail
tmp=$(mktemp -d)
RESULTS=$tmp/results
export RESULTS
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$tmp"' EXIT

st=$ROOT/selftests
ksft=$LINUX/tools/testing/selftests

echo "1..6"

ok=0 diag=''
for c in mm mlh bench; do
	for f in Makefile settings config; do
		[[ -s $st/$c/$f ]] || { ok=1 diag+="$c/$f missing"$'\n'; }
	done
	grep -qE '^timeout=[0-9]+$' "$st/$c/settings" 2>/dev/null ||
		{ ok=1 diag+="$c/settings: no timeout=SECONDS"$'\n'; }
	grep -q '^include \.\./lib\.mk$' "$st/$c/Makefile" 2>/dev/null ||
		{ ok=1 diag+="$c/Makefile does not include ../lib.mk"$'\n'; }
done
tap_check $ok "each collection: Makefile on ../lib.mk, settings with a timeout, config" "$diag"

mapfile -t list < <(make -s -C "$st" list)
mapfile -t unloaded < <(make -s -C "$st" list-unloaded)
mapfile -t bench < <(make -s -C "$st" list-bench)
programs=()
for f in "$st"/mm/*.c "$st"/mlh/*.c "$st"/bench/*.c; do
	f=${f##*/}
	[[ $f == *_util.c || $f == *_scenario.c ]] || programs+=("${f%.c}")
done
all=$(printf '%s\n' "${programs[@]}" | sort)
got=$(printf '%s\n' "${list[@]}" "${unloaded[@]}" "${bench[@]}" | sort)
ok=0
[[ $got == "$all" ]] || ok=1
tap_check $ok "list, list-unloaded, list-bench: every program once" \
	"programs: ${programs[*]}; listed: ${got//$'\n'/ }"

ok=0
[[ ${list[-1]} == mlh_unload ]] || ok=1
tap_check $ok "mlh_unload last of the programs run with the module loaded" "${list[*]}"

# The files of the kernel's own mm selftests (vm/ until 6.2), and those
# of upstream's that this project once copied the name of.
ok=0 clash=''
taken=(vm_util.c vm_util.h)
if [[ -d $ksft ]]; then
	for f in "$ksft"/vm/* "$ksft"/mm/*; do
		[[ -e $f ]] && taken+=("${f##*/}")
	done
fi
for f in "$st"/mm/*; do
	f=${f##*/}
	# The names every collection has.
	[[ $f == Makefile || $f == settings || $f == config ]] && continue
	for t in "${taken[@]}"; do
		if [[ $f == "$t" ]]; then
			clash+=" $f"
			break
		fi
	done
done
[[ -z $clash ]] || ok=1
tap_check $ok "selftests/mm: no file named like one of the kernel's mm selftests (${#taken[@]} names)" \
	"clash:$clash"

ok=0
bad=$(grep -l -e '\.\./module/' -e 'vm_util' "$st"/*/*.[ch] || true)
[[ -z $bad ]] || ok=1
tap_check $ok "sources include by name, not by a path out of their collection" "$bad"

if [[ -f $ksft/lib.mk && -f $ksft/kselftest_harness.h ]]; then
	mkdir -p "$tmp/k/tools/testing/selftests"
	cp "$ksft/lib.mk" "$ksft/kselftest_harness.h" "$ksft/kselftest.h" \
		"$tmp/k/tools/testing/selftests/"
	cp -r "$st/mm" "$st/mlh" "$tmp/k/tools/testing/selftests/"
	# OUTPUT given: the kernel's lib.mk sets it only at MAKELEVEL 0,
	# and make test runs this under make.
	out=$(make -C "$tmp/k/tools/testing/selftests/mm" \
		OUTPUT="$tmp/k/tools/testing/selftests/mm" \
		MODULE_DIR="$ROOT/module" \
		"$tmp/k/tools/testing/selftests/mm/munmap_errno" 2>&1) && ok=0 || ok=1
	[[ -x $tmp/k/tools/testing/selftests/mm/munmap_errno ]] || ok=1
	tap_check $ok "selftests/mm builds with the kernel's own lib.mk" "$out"
else
	tap_skip "selftests/mm builds with the kernel's own lib.mk" "no $ksft/lib.mk: run 'make prepare'"
fi

tap_summary
