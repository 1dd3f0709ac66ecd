# bench/plot.gp: the chart of the log streaming benchmark (bench/stream_bench.lua writes the
# data and runs this when gnuplot is installed): throughput and peak RSS per reader.
# Usage: gnuplot -e "dat='BUILD/bench-results/stream.dat'; out='bench/stream.png'; size='200 MiB'" \
#          bench/plot.gp
set terminal pngcairo size 1000,420 font ",10" noenhanced
set output out
set multiplot layout 1,2 title "Reading a timestamped pod log of ".size." over loopback (nginx), best of 3"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set grid ytics
set xtics rotate by -30 nomirror
set yrange [0:*]
unset key
set title "throughput, MB/s (higher is better)"
plot dat using 2:xtic(1) linecolor rgb "#3b75af", \
     '' using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.7 notitle
set title "peak RSS, MiB (lower is better)"
plot dat using 4:xtic(1) linecolor rgb "#c0504d", \
     '' using 0:4:(sprintf("%.0f", $4)) with labels offset 0,0.7 notitle
unset multiplot
