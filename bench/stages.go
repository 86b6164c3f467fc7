package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/formatters"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/pipeline"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// stage measures one stage of a generator on its own, on one goroutine.
type stage struct {
	name    string
	events  int
	elapsed time.Duration
	allocs  uint64
	bytes   uint64
}

func (s stage) String() string {
	n := float64(max(s.events, 1))
	return fmt.Sprintf("%-28s %9d events %12.0f events/s %8.2f allocs/event %8.0f B/event",
		s.name, s.events, float64(s.events)/s.elapsed.Seconds(), float64(s.allocs)/n, float64(s.bytes)/n)
}

// measure runs f and returns its time and allocations.
func measure(name string, f func() (int, error)) (stage, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	n, err := f()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return stage{name: name, events: n, elapsed: elapsed, allocs: after.Mallocs - before.Mallocs, bytes: after.TotalAlloc - before.TotalAlloc}, err
}

// runStages measures the stages of the generator at path one after the
// other, each on the previous one's output: the inputs (timestamps), the
// event plugin (events, in batches of batch), each output's formatter and
// each output's writes. The pipeline runs them concurrently; here each is
// alone, so the figures say which stage bounds the whole.
func runStages(path string, seed uint64, batch int) error {
	gc, err := config.LoadGenerator(path, config.Vars{})
	if err != nil {
		return err
	}
	env := &plugin.Env{
		ID: "bench", Dir: gc.Dir, Location: time.UTC, Now: time.Now().UTC(),
		Rand:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		Logger: slog.New(slog.DiscardHandler),
	}
	var ins []inputs.Input
	for _, p := range gc.Input {
		in, _, err := inputs.Registry.Build(p, env)
		if err != nil {
			return err
		}
		ins = append(ins, in)
		env.InputTags = append(env.InputTags, nil)
	}
	var times []int64
	st, err := measure("input", func() (int, error) {
		for _, in := range ins {
			err := in.Generate(context.Background(), func(ts []int64) error {
				times = append(times, ts...)
				return nil
			})
			if err != nil {
				return len(times), err
			}
		}
		return len(times), nil
	})
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	fmt.Println(st)

	prod, _, err := scripts.Registry.Build(gc.Event, env)
	if err != nil {
		return err
	}
	if c, ok := prod.(scripts.Closer); ok {
		defer c.Close()
	}
	var batches [][]string
	st, err = measure("event ("+gc.Event.Name+")", func() (int, error) {
		n := 0
		for from := 0; from < len(times); from += batch {
			out := make([]string, 0, batch)
			for _, ts := range times[from:min(from+batch, len(times))] {
				var err error
				out, err = prod.Produce(ts, 0, out)
				if errors.Is(err, scripts.ErrExhausted) {
					batches = append(batches, out)
					return n + len(out), nil
				}
				if err != nil {
					return n, err
				}
			}
			n += len(out)
			batches = append(batches, out)
		}
		return n, nil
	})
	if err != nil {
		return fmt.Errorf("event: %w", err)
	}
	fmt.Println(st)

	for _, p := range gc.Output {
		out, cfg, err := outputs.Registry.Build(p, env)
		if err != nil {
			return err
		}
		fm, err := pipeline.OutputFormatter(cfg, env)
		if err != nil {
			return err
		}
		formatted := make([][]string, len(batches))
		st, err = measure("format ("+p.Name+")", func() (int, error) {
			n := 0
			var f formatters.Formatted
			for i, b := range batches {
				fm.Format(b, &f)
				formatted[i] = append([]string(nil), f.Payloads...)
				n += len(b)
			}
			return n, nil
		})
		if err != nil {
			return err
		}
		fmt.Println(st)
		ctx := context.Background()
		if err := out.Open(ctx); err != nil {
			return fmt.Errorf("output %s: %w", p.Name, err)
		}
		st, err = measure("output ("+p.Name+")", func() (int, error) {
			n := 0
			for _, payloads := range formatted {
				w, err := out.Write(ctx, payloads)
				n += w
				if err != nil {
					return n, err
				}
			}
			return n, nil
		})
		if cerr := out.Close(ctx); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("output %s: %w", p.Name, err)
		}
		fmt.Println(st)
	}
	return nil
}
