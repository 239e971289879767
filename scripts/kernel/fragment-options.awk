# SPDX-License-Identifier: GPL-2.0
# The options a set of kconfig fragments asks for, one line each, as the
# last fragment to mention it sets it ("CONFIG_X=v" or "# CONFIG_X is not
# set"), in the order of first mention.  scripts/kernel/build-kernel.sh
# checks each against the .config.
#   awk -f fragment-options.awk FRAGMENT...

/^CONFIG_[A-Za-z0-9_]+=/ {
	split($0, kv, "=")
	key = kv[1]
}

/^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
	key = $2
}

key != "" {
	last[key] = $0
	order[++n] = key
	key = ""
}

END {
	for (i = 1; i <= n; i++)
		if (!seen[order[i]]++)
			print last[order[i]]
}
