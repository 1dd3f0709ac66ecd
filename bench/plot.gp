# bench/plot.gp: the benchmark charts; the benchmark that writes the data runs this when
# gnuplot is installed. chart='stream' (the default): log streaming throughput and peak RSS
# per reader (bench/stream_bench.lua). chart='lifecycle': client CPU per pod, peak RSS and
# wall time against pods in flight per client, and kwhisk's RSS against pods in total
# (bench/lifecycle_bench.lua).
# Usage: gnuplot -e "dat='BUILD/bench-results/stream.dat'; out='bench/stream.png'; size='200 MiB'" \
#          bench/plot.gp
#        gnuplot -e "chart='lifecycle'; dat='BUILD/bench-results/lifecycle.dat'; \
#          out='bench/lifecycle.png'; size='1000 pods'; memk='100'" bench/plot.gp
if (!exists("chart")) chart = 'stream'
set terminal pngcairo size 1000,420 font ",10" noenhanced
if (chart eq 'lifecycle') {
  set terminal pngcairo size 1000,760 font ",10" noenhanced
}
set output out
if (chart eq 'stream') {
  set multiplot layout 1,2 title "Reading a timestamped pod log of ".size." over loopback (nginx), median of interleaved rounds"
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
}
if (chart eq 'lifecycle') {
  set multiplot layout 2,2 title "Pod lifecycle on kwhisk sim: ".size.", create -> watch Ready -> delete, K in flight"
  set grid
  set logscale x
  set xtics (1, 10, 100, 1000)
  set xlabel "pods in flight (K)"
  set key top left
  set style data linespoints
  set yrange [0:*]
  set title "client CPU per pod, ms (lower is better)"
  plot dat index 0 using 1:2 title "kwhisk" lc rgb "#3b75af" pt 7, \
       '' index 0 using 1:5 title "client-node" lc rgb "#9bbb59" pt 5, \
       '' index 0 using 1:8 title "python3-kubernetes" lc rgb "#c0504d" pt 9
  set title "client peak RSS, MiB (lower is better)"
  plot dat index 0 using 1:3 title "kwhisk" lc rgb "#3b75af" pt 7, \
       '' index 0 using 1:6 title "client-node" lc rgb "#9bbb59" pt 5, \
       '' index 0 using 1:9 title "python3-kubernetes" lc rgb "#c0504d" pt 9
  set title "wall time, s (sim and client share 2 cores)"
  plot dat index 0 using 1:4 title "kwhisk" lc rgb "#3b75af" pt 7, \
       '' index 0 using 1:7 title "client-node" lc rgb "#9bbb59" pt 5, \
       '' index 0 using 1:10 title "python3-kubernetes" lc rgb "#c0504d" pt 9
  set title "kwhisk peak RSS, MiB, against K and against pods in total (K = ".memk.")"
  set xlabel "pods in flight (blue) / pods in total (orange)"
  unset logscale x
  set xtics autofreq
  plot dat index 0 using 1:3 title "against K" lc rgb "#3b75af" pt 7, \
       '' index 1 using 1:2 title "against pods in total" lc rgb "#f79646" pt 13
  unset multiplot
}
