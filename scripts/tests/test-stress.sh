#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-check of the stress stage's host side: vm/mkinitramfs.sh
# --host-bin (a dynamic program with its libraries and loader, checked in
# the archive and, as root, run in a chroot of it) and the guest scripts
# of checks/stress.sh (vm/guest/: run with busybox against a fake
# stress-ng and a fake module debugfs; their TAP judged by
# vm/parse-log.sh). Prints TAP and a final "N passed, N failed" line.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
RESULTS=$tmp/results
export RESULTS
source "$(dirname "$0")/../lib.sh"

# result DESCRIPTION OK [DIAGNOSTIC]: one TAP line; OK is 1 for a pass.
result() {
	tap_check $(($2 != 1)) "$1" "${3:-}"
}

# unpack CPIO.GZ DIR (an empty DIR if there is no archive)
unpack() {
	mkdir -p "$2"
	[[ -f $1 ]] || return 0
	(cd "$2" && gzip -dc "$1" | cpio -id --quiet 2>/dev/null) || true
}

echo "1..17"

busybox=${BUSYBOX:-/bin/busybox}
mkdir -p "$tmp/staging"
echo 'echo plan' >"$tmp/staging/plan"

# A dynamically linked program of this machine: coreutils' env.
dyn=''
for p in /usr/bin/env /bin/env; do
	if [[ -x $p ]] && ldd "$p" 2>/dev/null | grep -q '=> /'; then
		dyn=$p
		break
	fi
done

if [[ ! -x $busybox ]] || ! command -v cpio >/dev/null; then
	for d in "old usage still works" "--host-bin: program, libraries, loader" \
		"--host-bin: replaces a busybox applet, not busybox" \
		"--host-bin: runs in a chroot of the archive" \
		"--host-bin: a static program brings nothing else" \
		"--host-bin: a relative path is refused"; do
		tap_skip "mkinitramfs $d" "no $busybox or cpio"
	done
else
	rc=0
	"$S/vm/mkinitramfs.sh" "$tmp/staging" "$tmp/plain.cpio.gz" \
		>"$tmp/out" 2>&1 || rc=$?
	unpack "$tmp/plain.cpio.gz" "$tmp/plain"
	ok=0
	[[ $rc == 0 && -f $tmp/plain/opt/tests/plan && ! -e $tmp/plain/lib64 ]] && ok=1
	result "mkinitramfs old usage still works" $ok "$(cat "$tmp/out")"

	if [[ -z $dyn ]]; then
		tap_skip "mkinitramfs --host-bin: program, libraries, loader" "no dynamic env(1)"
		tap_skip "mkinitramfs --host-bin: replaces a busybox applet, not busybox" "no dynamic env(1)"
		tap_skip "mkinitramfs --host-bin: runs in a chroot of the archive" "no dynamic env(1)"
	else
		# A regression here writes through the applet symlink to this
		# machine's busybox: keep a copy to put back.
		cp -p "$busybox" "$tmp/busybox.orig"
		rc=0
		"$S/vm/mkinitramfs.sh" --host-bin "$dyn" "$tmp/staging" \
			"$tmp/dyn.cpio.gz" >"$tmp/out" 2>&1 || rc=$?
		if ! cmp -s "$busybox" "$tmp/busybox.orig"; then
			cp -p "$tmp/busybox.orig" "$busybox"
			echo "# mkinitramfs.sh overwrote $busybox: restored" >&2
			rc=99
		fi
		unpack "$tmp/dyn.cpio.gz" "$tmp/dyn"
		missing=''
		interp=$(ldd "$dyn" | awk '$1 ~ /^\// && $2 ~ /^\(/ { print $1 }')
		for f in "$dyn" "$interp" $(ldd "$dyn" | awk '$3 ~ /^\// { print $3 }'); do
			[[ -f $tmp/dyn$f && ! -L $tmp/dyn$f ]] || missing+=" $f"
		done
		ok=0
		[[ $rc == 0 && -n $interp && -z $missing ]] && ok=1
		result "mkinitramfs --host-bin: program, libraries, loader" $ok \
			"exit $rc, interpreter '$interp', missing:${missing:- none}; $(cat "$tmp/out")"
		# env is a busybox applet too: a symlink to the absolute
		# /bin/busybox, which must not be written through.
		ok=0
		cmp -s "$tmp/dyn/bin/busybox" "$busybox" &&
			cmp -s "$dyn" "$tmp/dyn$dyn" && ! cmp -s "$dyn" "$busybox" && ok=1
		result "mkinitramfs --host-bin: replaces a busybox applet, not busybox" $ok
		if (($(id -u) == 0)) && command -v chroot >/dev/null; then
			got=$(chroot "$tmp/dyn" "$dyn" -i MARK=works "$dyn" 2>&1 | grep MARK || true)
			ok=0
			[[ $got == MARK=works ]] && ok=1
			result "mkinitramfs --host-bin: runs in a chroot of the archive" $ok "got '$got'"
		else
			tap_skip "mkinitramfs --host-bin: runs in a chroot of the archive" "not root"
		fi
	fi

	rc=0
	"$S/vm/mkinitramfs.sh" --host-bin "$busybox" "$tmp/staging" \
		"$tmp/static.cpio.gz" >"$tmp/out" 2>&1 || rc=$?
	unpack "$tmp/static.cpio.gz" "$tmp/static"
	ok=0
	[[ $rc == 0 && -f $tmp/static$busybox && ! -e $tmp/static/lib64 &&
		! -e $tmp/static/lib ]] && ok=1
	result "mkinitramfs --host-bin: a static program brings nothing else" $ok "$(cat "$tmp/out")"

	rc=0
	"$S/vm/mkinitramfs.sh" --host-bin env "$tmp/staging" \
		"$tmp/rel.cpio.gz" >"$tmp/out" 2>&1 || rc=$?
	ok=0
	[[ $rc != 0 && ! -e $tmp/rel.cpio.gz ]] && ok=1
	result "mkinitramfs --host-bin: a relative path is refused" $ok "exit $rc; $(cat "$tmp/out")"
fi

# checks/stress.sh --write-guest: the plan without any kernel.
rc=0
"$S/checks/stress.sh" --write-guest "$tmp/guest" --duration 50 \
	--munmap-max-ms 7 >"$tmp/out" 2>&1 || rc=$?
ok=0
if [[ $rc == 0 && -x $tmp/guest/bin/mlh-stress && -x $tmp/guest/bin/mlh-no-special ]]; then
	runs=$(grep -c '^run_test -t [0-9]* stress_[a-z]* mlh-stress [a-z]* 5 2 7000000$' \
		"$tmp/guest/plan" || true)
	[[ $runs == 10 ]] && grep -q '^run_test module_load insmod ' "$tmp/guest/plan" &&
		grep -q '^run_test module_unload rmmod mmap_lock_hold$' "$tmp/guest/plan" &&
		ok=1
fi
result "stress.sh --write-guest: 10 stressors, 5 s each, bound in ns" $ok \
	"exit $rc; $(cat "$tmp/out" "$tmp/guest/plan" 2>/dev/null)"

rc=0
"$S/checks/stress.sh" --write-guest "$tmp/g2" --duration 9 >"$tmp/out" 2>&1 || rc=$?
rc2=0
STRESS_MUNMAP_MAX_MS=0 "$S/checks/stress.sh" --write-guest "$tmp/g3" \
	>>"$tmp/out" 2>&1 || rc2=$?
ok=0
[[ $rc != 0 && $rc2 != 0 && ! -e $tmp/g2 && ! -e $tmp/g3 ]] && ok=1
result "stress.sh refuses < 1 s per stressor and a zero bound" $ok "$(cat "$tmp/out")"

# The guest script under busybox, as in the VM: a fake stress-ng (exit
# status FAKE_RC) and a fake module debugfs (FAKE_MAX: the munmap max_ns;
# FAKE_MUNMAP=0: no munmap line), judged by vm/parse-log.sh.
if [[ ! -x $busybox || ! -x $tmp/guest/bin/mlh-stress ]]; then
	for i in 1 2 3 4 5 6 7 8 9; do
		tap_skip "mlh-stress case $i" "no $busybox or no guest script"
	done
else
	mkdir -p "$tmp/bb"
	for a in $("$busybox" --list); do
		ln -s "$busybox" "$tmp/bb/$a"
	done
	cat >"$tmp/bb/stress-ng" <<'EOF'
#!/bin/sh
echo "stress-ng: info:  [99] args: $*"
echo "stress-ng: info:  [99] dispatching hogs: 2 $1"
echo "stress-ng: metrc: [99] stressor       bogo ops real time  usr time  sys time   bogo ops/s     bogo ops/s"
echo "stress-ng: metrc: [99] ${1#--}                 4321      5.00      0.10      4.90       864.20         864.20"
exit "${FAKE_RC:-0}"
EOF
	chmod +x "$tmp/bb/stress-ng"

	# guest_case DESCRIPTION "P F S" [ENV=VALUE...]
	guest_case() {
		local desc=$1 want=$2 got dbg=$tmp/dbg$tap_n rc=0
		shift 2
		mkdir -p "$dbg"
		# shellcheck disable=SC2016 # expanded by the inner sh
		env "$@" sh -c '
		max=${FAKE_MAX:-1500000}
		cat >"$1/stats" <<EOS
version=1
enabled=1
tgid=0
windows=${FAKE_WINDOWS:-300}
opened=300
closed_release=10
closed_downgrade=290
open=0
dropped=0
replaced=${FAKE_REPLACED:-0}
ops=2
op=mmap class=syscall nr=9 count=150 min_ns=1000 p50_ns=20000 p99_ns=90000 max_ns=400000 sum_ns=5000000 hist=10:1
EOS
		[ "${FAKE_MUNMAP:-1}" = 0 ] ||
			echo "op=munmap class=syscall nr=11 count=150 min_ns=1000 p50_ns=30000 p99_ns=200000 max_ns=$max sum_ns=9000000 hist=10:1" >>"$1/stats"
		printf "%s\n" "exclusive mmap_lock windows" "recording: on" "" "op count" "munmap 150" "" "munmap: ns" >"$1/summary"
		' sh "$dbg"
		[[ ${*: -1} == NODEBUGFS=1 ]] && rm -rf "$dbg"
		{
			echo '@@VMTEST-START@@ 6.1.192'
			echo '@@TEST-BEGIN stress_vm@@'
			(env "$@" MLH_DEBUGFS="$dbg" TMPDIR="$tmp" PATH="$tmp/bb" \
				"$tmp/bb/sh" "$tmp/guest/bin/mlh-stress" vm 5 2 7000000 \
				--vm-bytes 8M) || rc=$?
			echo "@@TEST-END stress_vm rc=$rc@@"
			echo '@@PLAN-EXIT rc=0@@'
		} >"$tmp/log$tap_n" 2>&1
		"$S/vm/parse-log.sh" "$tmp/log$tap_n" "g$tap_n" >"$tmp/out" 2>&1 || true
		got=$(cat "$RESULTS/g$tap_n.counts" 2>/dev/null || echo none)
		ok=0
		[[ $got == "$want" ]] && ok=1
		result "mlh-stress: $desc" $ok "want '$want', got '$got'; log:
$(cat "$tmp/log$tap_n")"
	}

	guest_case "passed, windows within the bound" "2 0 0" FAKE_MAX=1500000
	# The figures line the host reads, from that run.
	ok=0
	grep -q '^# stress: stressor=vm rc=0 bogo_ops=4321 windows=300 dropped=0 replaced=0 munmap_count=150 munmap_p50_ns=30000 munmap_p99_ns=200000 munmap_max_ns=1500000 bound_ns=7000000 munmap_hist=10:1 other_max_ns=400000 other_max_op=mmap$' \
		"$tmp/log$((tap_n - 1))" && ok=1
	result "mlh-stress: the '# stress:' figures line" $ok "$(grep '^# stress:' "$tmp/log$((tap_n - 1))")"
	ok=0
	grep -q '^stress-ng: info:  \[99\] args: --vm 2 --timeout 5s .* --vm-bytes 8M$' "$tmp/log$((tap_n - 2))" &&
		grep -q '^ok 1 vm: .* --vm-bytes 8M: 4321 bogo ops$' "$tmp/log$((tap_n - 2))" && ok=1
	result "mlh-stress: extra stress-ng options are passed on" $ok "$(cat "$tmp/log$((tap_n - 2))")"
	guest_case "a munmap window over the bound fails" "1 1 0" FAKE_MAX=7000001
	guest_case "stress-ng failing fails" "1 1 0" FAKE_RC=2
	guest_case "stress-ng not implemented is a skip" "1 0 1" FAKE_RC=4
	guest_case "no munmap window recorded fails" "1 1 0" FAKE_MUNMAP=0
	guest_case "a window close the module missed fails" "1 1 0" FAKE_REPLACED=1
	guest_case "no module debugfs: both fail" "0 2 0" NODEBUGFS=1
fi

tap_summary
