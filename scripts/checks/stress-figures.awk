# SPDX-License-Identifier: GPL-2.0
# The stress guest's figures, one line per stressor, from the "# stress:"
# lines of its console log (scripts/checks/stress.sh prints them,
# whatever the result):
#   LC_ALL=C awk -v suite=NAME -f stress-figures.awk CONSOLE_LOG

sub(/^# stress: /, "") {
	sub(/\r$/, "")
	for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		f[kv[1]] = kv[2]
	}
	if (!n++)
		printf("%s: %-10s %4s %10s %8s %9s %9s %9s  %s\n", suite, "stressor",
		       "rc", "bogo ops", "munmaps", "p50 ms", "p99 ms", "max ms",
		       "longest other window, ms")
	printf("%s: %-10s %4s %10s %8s %9.3f %9.3f %9.3f  %.3f (%s)\n", suite,
	       f["stressor"], f["rc"], f["bogo_ops"], f["munmap_count"],
	       f["munmap_p50_ns"] / 1e6, f["munmap_p99_ns"] / 1e6,
	       f["munmap_max_ns"] / 1e6, f["other_max_ns"] / 1e6, f["other_max_op"])
	if (f["munmap_max_ns"] + 0 > max + 0)
		max = f["munmap_max_ns"]
	bound = f["bound_ns"]
}
END {
	if (n)
		printf("%s: largest munmap() exclusive window %.3f ms (bound %.0f ms)\n",
		       suite, max / 1e6, bound / 1e6)
	else
		printf("%s: no stress figures in the console log\n", suite)
}
