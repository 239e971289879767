# SPDX-License-Identifier: GPL-2.0
#
# The plot of 'make bench': exclusive mmap_lock hold against the size of
# the range, one panel per scenario, one colour per kernel.  The whole
# call is drawn thin and dashed: where the exclusive line meets it, the
# call held the lock exclusively throughout.
#
# Usage: gnuplot -e "datafile='bench-plot.dat'" -e "outfile='bench.png'" \
#                -e "names='munmap growsdown ...'" \
#                -e "kernels='stock patched 6.12'" scripts/bench/plot.gp
# datafile, names and kernels come from scripts/bench/report.py: one
# block per scenario (in the order of names), columns size_gib, then each
# kernel's exclusive ms, then each kernel's call ms, '?' where missing.

n = words(names)
cols = (n > 8) ? 5 : (n > 4) ? 4 : n
rows = (n + cols - 1) / cols

set terminal pngcairo size 420 * cols, 330 * rows + 40 font "sans,9"
set output outfile
# Scenario names have underscores, not subscripts.
set termoption noenhanced
set datafile missing "?"

# One x range for every panel, also those with a single size (capped).
stats datafile using 1 nooutput
xmin = STATS_min / 1.6
xmax = STATS_max * 1.6

set logscale x 2
set logscale y 10
set format x "%g"
set format y "%g"
set xlabel "size (GiB)" offset 0, 0.5
set ylabel "ms" offset 1.5, 0
set grid xtics ytics lc rgb "#dddddd"
set key top left box opaque samplen 2 font "sans,8"
set xrange [xmin:xmax]
set offsets 0, 0, graph 0.1, graph 0.1

# The first kernel (stock) widest, so that every line shows where they
# coincide.
nk = words(kernels)
array colour[3] = ["#c0392b", "#2471a3", "#1e8449"]
kcolour(j) = colour[(j - 1) % 3 + 1]
kwidth(j) = 3.0 / j
# dt (N) would be a dash pattern, not dash type N
kdash(j) = j + 1

set multiplot layout rows, cols \
	title "Exclusive mmap_lock hold per call, kernels ".kernels." (QEMU TCG, medians)" \
	font "sans,11"
do for [i = 1:n] {
	set title word(names, i) font "sans,10"
	if (i == 1) { set key } else { unset key }
	plot for [j = 1:nk] datafile index (i - 1) using 1:(column(1 + j)) \
		with linespoints lc rgb kcolour(j) lw (kwidth(j)) pt (6 + (j > 1)) \
		ps (1.8 / j) dt 1 title (word(kernels, j).", exclusive"), \
	     for [j = 1:nk] datafile index (i - 1) using 1:(column(1 + nk + j)) \
		with lines lc rgb kcolour(j) lw 1.5 dt kdash(j) \
		title (word(kernels, j).", whole call")
}
unset multiplot
