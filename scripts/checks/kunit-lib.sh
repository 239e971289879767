# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# kunit.py in the patched tree, as scripts/checks/kunit.sh and
# scripts/checks/mutants.sh both run it.  Source it after lib.sh.

# kunit_run OBJ JSON [KUNITCONFIG...]: build the series' KUnit kernel in
# OBJ (incrementally) and run it in QEMU, KVM when it really works, TCG
# otherwise; kunit/.kunitconfig plus each extra fragment.  kunit.py's
# output goes to stdout, its report to JSON; returns its exit status.
kunit_run() {
	local obj=$1 json=$2 cc frag
	local args=(--kunitconfig="$ROOT/kunit/.kunitconfig")
	shift 2
	for frag in "$@"; do
		args+=(--kunitconfig="$frag")
	done

	# An oops in a test case panics and ends the guest at once, instead
	# of leaving the suite to wait out KUnit's per-case timeout.
	args+=(--qemu_args "-smp 2" --kernel_args oops=panic --kernel_args panic=-1)
	if [ "$("$S/vm/kvm-works.sh")" = kvm ]; then
		args+=(--qemu_args "-accel kvm" --qemu_args "-cpu host")
	fi
	cc=$(kernel_cc)
	[ -z "$cc" ] || args+=(--make_options="CC=$cc")

	mkdir -p "$obj"
	rm -f "$json"
	(cd "$LINUX" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
		--build_dir="$obj" --jobs="$(jobs_count)" \
		--timeout="${KUNIT_TIMEOUT:-300}" --json="$json" "${args[@]}")
}

# kunit_json counts|failed JSON: see scripts/checks/kunit-json.py.
kunit_json() {
	python3 "$S/checks/kunit-json.py" "$@"
}
