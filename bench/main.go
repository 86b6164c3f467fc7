// Command bench runs a generator in sample mode, as fast as possible, and
// prints its throughput, allocations per event and peak memory:
//
//	go run ./bench --path bench/configs/tracing-file.yml [--seed 1] [--runs 3] [--workers N]
//
// With --live the generator is paced to the wall clock and the release lag
// (p50, p99, max) is reported: --live --path bench/configs/live-timer-2k.yml.
//
// With --stages each stage (input, event plugin, formatter, output) is first
// measured alone (events/s, allocs/event); --runs 0 then skips the whole runs
// (whose peak RSS would include the stages' buffers).
//
// Each run builds the generator afresh; the figures of every run and of the
// best run are printed, one line each.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"

	_ "github.com/eventum-go/eventum/formatters"
	_ "github.com/eventum-go/eventum/inputs"
	_ "github.com/eventum-go/eventum/outputs"
	_ "github.com/eventum-go/eventum/scripts"
)

// workers is the event stage's worker count (0: the number of CPUs).
var workers = flag.Int("workers", 0, "event-stage workers (0: the number of CPUs)")

type result struct {
	lag     pipeline.LagSnapshot
	events  int64
	elapsed time.Duration
	allocs  uint64
	bytes   uint64
}

func main() {
	path := flag.String("path", "", "generator config to run (its inputs must be bounded)")
	seed := flag.Uint64("seed", 1, "random seed")
	runs := flag.Int("runs", 3, "number of runs")
	batch := flag.Int("batch-size", 10000, "batch.size")
	live := flag.Bool("live", false, "run in live mode (paced) and report release lag instead of peak speed")
	delay := flag.Float64("batch-delay", 1.0, "batch.delay in seconds")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of all runs to this file")
	stages := flag.Bool("stages", false, "measure each stage (input, event, format, output) alone, then the whole")
	memprofile := flag.String("memprofile", "", "write the heap profile taken when the heap was largest to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *path == "" {
		fmt.Fprintln(os.Stderr, "bench: --path is required")
		os.Exit(2)
	}
	if *stages {
		if err := runStages(*path, *seed, *batch); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if *runs == 0 {
			return
		}
	}
	var peak *heapPeak
	if *memprofile != "" {
		peak = startHeapPeak(20 * time.Millisecond)
	}
	var best result
	for i := 0; i < *runs; i++ {
		r, err := run(*path, *seed, *batch, *live, *delay)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		fmt.Printf("run %d: %s\n", i+1, r)
		if best.events == 0 || r.rate() > best.rate() {
			best = r
		}
	}
	if *memprofile != "" {
		if err := peak.write(*memprofile); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("best: %s, peak RSS %.1f MiB (GOMAXPROCS=%d)\n", best, float64(ru.Maxrss)/1024, runtime.GOMAXPROCS(0))
}

func (r result) rate() float64 { return float64(r.events) / r.elapsed.Seconds() }

func (r result) String() string {
	s := fmt.Sprintf("%d events in %s = %.0f events/s, %.1f allocs/event, %.0f B/event",
		r.events, r.elapsed.Round(time.Millisecond), r.rate(),
		float64(r.allocs)/float64(max(r.events, 1)), float64(r.bytes)/float64(max(r.events, 1)))
	if r.lag.Count > 0 {
		s += fmt.Sprintf(", release lag p50 %s p99 %s max %s", r.lag.P50, r.lag.P99, r.lag.Max)
	}
	return s
}

func run(path string, seed uint64, batch int, live bool, delay float64) (result, error) {
	gc, err := config.LoadGenerator(path, config.Vars{})
	if err != nil {
		return result{}, err
	}
	s := pipeline.DefaultSettings()
	s.Live = live
	s.Seed = &seed
	s.BatchSize = batch
	s.Workers = *workers
	s.BatchDelay = time.Duration(delay * float64(time.Second))
	gen, err := pipeline.Build(gc, pipeline.Options{ID: "bench", Settings: s, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		return result{}, err
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := gen.Run(context.Background(), nil); err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	st := gen.Stats()
	return result{lag: st.Lag, events: st.Produced, elapsed: elapsed, allocs: after.Mallocs - before.Mallocs, bytes: after.TotalAlloc - before.TotalAlloc}, nil
}
