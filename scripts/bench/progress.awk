# SPDX-License-Identifier: GPL-2.0
# One '# bench:' line of munmap_bench, short, for the progress that
# scripts/bench.sh prints while a guest runs:
#   awk -f progress.awk <<<"$line"

{
	for (i = 1; i <= NF; i++)
		if (split($i, p, "=") == 2)
			kv[p[1]] = p[2]
	reader = "n/a"
	if (kv["reader_progress"] >= 0)
		reader = sprintf("%.0f%%", 100 * kv["reader_progress"])
	size = kv["size"] / 1048576
	size = size % 1024 ? size " MiB" : size / 1024 " GiB"
	printf("    %-7s %-13s %8s run %s: call %9.2f ms, exclusive %9.2f ms (%s), reader %s\n",
	       kv["kernel"], kv["scenario"], size, kv["run"],
	       kv["call_ns"] / 1e6, kv["window_ns"] / 1e6,
	       kv["lock"], reader)
}
