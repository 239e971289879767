# SPDX-License-Identifier: GPL-2.0
# One '# bench:', '# bench-cost:' or '# bench-na:' line of munmap_bench,
# short, for the progress that scripts/bench.sh prints while a guest runs:
#   awk -f progress.awk <<<"$line"

function pct(x) {
	return x < 0 ? "n/a" : sprintf("%.0f%%", 100 * x)
}

function mib(n) {
	n = n / 1048576
	return n % 1024 ? n " MiB" : n / 1024 " GiB"
}

{
	for (i = 1; i <= NF; i++)
		if (split($i, p, "=") == 2)
			kv[p[1]] = p[2]
}

/# bench-cost: / {
	printf("    %-7s cost %-17s run %s: %.1f ns per mmap() + munmap() (%d iterations)\n",
	       kv["kernel"], kv["variant"], kv["run"], kv["ns_per_op"],
	       kv["iterations"])
	next
}

/# bench-na: / {
	sub(/.* why=/, "")
	printf("    %-7s %-16s %8s: n/a, %s\n", kv["kernel"], kv["scenario"],
	       mib(kv["size"]), $0)
	next
}

/# bench: / {
	knob = kv["piece_kb"] > 0 ? sprintf(" [pieces of %d KiB]", kv["piece_kb"]) : ""
	if (kv["load"] == "writer") {
		what = sprintf("faulter %s, mapper %s",
			       pct(kv["faulter_progress"]), pct(kv["mapper_progress"]))
	} else {
		what = sprintf("exclusive %9.2f ms (%s%s), reader %s",
			       kv["window_ns"] / 1e6, kv["lock"],
			       kv["windows"] > 1 ? ", " kv["windows"] " windows" : "",
			       pct(kv["reader_progress"] == "" ? -1 : kv["reader_progress"]))
	}
	printf("    %-7s %-16s %8s run %s: call %9.2f ms, %s%s\n",
	       kv["kernel"], kv["scenario"], mib(kv["size"]), kv["run"],
	       kv["call_ns"] / 1e6, what, knob)
}
