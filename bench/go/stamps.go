// bench/go/stamps.go: Go's time.Parse (RFC3339Nano, as client-go reads log timestamps) on
// the timestamp benchmark's file (bench/stamps_bench.lua): every line parsed in 5 passes;
// prints "best_ns_per_parse checksum" (the sum of seconds and nanoseconds).
// Usage: stamps FILE
package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: stamps FILE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	best := 1e18
	var check uint64
	for pass := 0; pass < 5; pass++ {
		var sum uint64
		t0 := time.Now()
		for _, s := range lines {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			sum += uint64(t.Unix()) + uint64(t.Nanosecond())
		}
		ns := float64(time.Since(t0).Nanoseconds()) / float64(len(lines))
		if ns < best {
			best = ns
		}
		check = sum
	}
	fmt.Printf("%.1f %d\n", best, check)
}
