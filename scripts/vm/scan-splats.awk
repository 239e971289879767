# SPDX-License-Identifier: GPL-2.0
# Count the kernel splats of a plain kernel log, every line the kernel's
# (scripts/vm/scan-splats.sh runs it):
#   LC_ALL=C awk -v splat_out=/dev/stderr -f scripts/vm/splats.awk \
#       -f scripts/vm/scan-splats.awk LOGFILE
# Prints the number of splats; exits 1 if there is any.

BEGIN { splat_prefix = ARGV[1] }

{
	sub(/\r+$/, "")
	gsub(/\r/, "")
	splat_context($0)
	splat_scan($0, 0)
}

END {
	if (splat_n) {
		printf("%s: %d kernel splat(s):\n", splat_prefix, splat_n) > splat_out
		for (i = 1; i <= splat_n; i++)
			printf("%s:     %s\n", splat_prefix, splat_msg[i]) > splat_out
	}
	print splat_n + 0
	exit (splat_n > 0)
}
