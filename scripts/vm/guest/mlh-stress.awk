# SPDX-License-Identifier: GPL-2.0
# In the stress guest: judge one stressor's exclusive mmap_lock windows
# from the module's debugfs stats file (vm/guest/mlh-stress runs it):
#   awk -v s=STRESSOR -v max_ns=BOUND -v rc=STRESS_NG_STATUS -v bogo=OPS \
#       -f mlh-stress.awk /sys/kernel/debug/mmap_lock_hold/stats
# Prints the "# stress:" figures line for the host, then TAP result 2:
# the module recorded munmap() windows, missed no window's close, and
# none of them was longer than max_ns.  Exits 1 when that fails.

function ms(ns) { return sprintf("%.3f ms", ns / 1e6) }
{ split($1, kv, "=") }
kv[1] == "windows" || kv[1] == "dropped" || kv[1] == "replaced" {
	tot[kv[1]] = kv[2]
}
kv[1] == "op" && kv[2] == "munmap" {
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		m[kv[1]] = kv[2]
	}
}
# For comparison, the longest window of any other operation.
kv[1] == "op" && kv[2] != "munmap" && match($0, / max_ns=[0-9]+/) {
	v = substr($0, RSTART + 8, RLENGTH - 8) + 0
	if (v > omax) {
		omax = v
		oop = kv[2]
	}
}
END {
	printf("# stress: stressor=%s rc=%s bogo_ops=%s windows=%.0f dropped=%.0f replaced=%.0f munmap_count=%.0f munmap_p50_ns=%.0f munmap_p99_ns=%.0f munmap_max_ns=%.0f bound_ns=%.0f munmap_hist=%s other_max_ns=%.0f other_max_op=%s\n",
	       s, rc, bogo, tot["windows"], tot["dropped"], tot["replaced"],
	       m["count"], m["p50_ns"], m["p99_ns"], m["max_ns"], max_ns,
	       m["hist"] == "" ? "-" : m["hist"], omax, oop == "" ? "-" : oop)
	# stress-ng always unmaps: no window at all means nothing was checked.
	if (tot["windows"] + 0 == 0 || m["count"] + 0 == 0) {
		printf("not ok 2 %s: the module recorded %.0f windows, %.0f of munmap(): nothing checked\n",
		       s, tot["windows"], m["count"])
		exit 1
	}
	fig = sprintf("max %s, p99 %s, %.0f windows%s", ms(m["max_ns"]),
		      ms(m["p99_ns"]), m["count"],
		      tot["dropped"] + 0 ? sprintf(", %.0f not measured (dropped)", tot["dropped"]) : "")
	# An open window overwritten: the module missed a close.
	if (tot["replaced"] + 0) {
		printf("not ok 2 %s: the module missed %.0f window closes (replaced): %s\n",
		       s, tot["replaced"], fig)
		exit 1
	}
	if (m["max_ns"] + 0 > max_ns + 0) {
		printf("not ok 2 %s: munmap() held mmap_lock exclusively over %s: %s\n",
		       s, ms(max_ns), fig)
		exit 1
	}
	printf("ok 2 %s: munmap() exclusive windows within %s: %s\n", s, ms(max_ns), fig)
}
