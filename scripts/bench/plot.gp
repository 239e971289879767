# SPDX-License-Identifier: GPL-2.0
#
# The plot of 'make bench': exclusive mmap_lock hold against the size of
# the range, one panel per scenario, stock and patched.  The whole call is
# drawn thin and dotted: where the exclusive line meets it, the call held
# the lock exclusively throughout.
#
# Usage: gnuplot -e "datafile='bench-plot.dat'" -e "outfile='bench.png'" \
#                -e "names='munmap growsdown ...'" scripts/bench/plot.gp
# datafile and names come from scripts/bench/report.py: one block per
# scenario (in the order of names), columns size_gib stock_excl_ms
# patched_excl_ms stock_call_ms patched_call_ms, '?' where missing.

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

# Stock under patched, larger, so that both show where they coincide.
set style line 1 lc rgb "#c0392b" lw 3 pt 6 ps 1.6 dt 1
set style line 2 lc rgb "#2471a3" lw 1.5 pt 7 ps 0.8 dt 1
set style line 3 lc rgb "#c0392b" lw 1.5 pt 0 dt 3
set style line 4 lc rgb "#2471a3" lw 1.5 pt 0 dt 2

set multiplot layout rows, cols \
	title "Exclusive mmap_lock hold per call: stock 6.1.192 vs patched (QEMU TCG, medians)" \
	font "sans,11"
do for [i = 1:n] {
	set title word(names, i) font "sans,10"
	if (i == 1) { set key } else { unset key }
	plot datafile index (i - 1) using 1:2 with linespoints ls 1 title "stock, exclusive", \
	     ''       index (i - 1) using 1:3 with linespoints ls 2 title "patched, exclusive", \
	     ''       index (i - 1) using 1:4 with lines ls 3 title "stock, whole call", \
	     ''       index (i - 1) using 1:5 with lines ls 4 title "patched, whole call"
}
unset multiplot
