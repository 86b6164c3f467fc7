package pipeline

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestMaxEventsWritesTheFirstN: a bounded run writes exactly the first N
// events of the unbounded run, whole, to every output, with any number
// of workers; a timestamp making several events is cut at N.
func TestMaxEventsWritesTheFirstN(t *testing.T) {
	const src = `
input: [{test-seq: {count: 2000, step: 0.001}}]
event: {test-echo: {per_tick: 3}}
output:
  - test-mem: {name: %s}
  - test-mem: {name: %s-json, formatter: {format: json}}
`
	run := func(name string, workers int, maxEvents int64) ([]string, Snapshot) {
		s := sample()
		s.Workers = workers
		s.MaxEvents = maxEvents
		g := build(t, fmt.Sprintf(src, name, name), s)
		if err := g.Run(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		st := g.Stats()
		checkSettled(t, st)
		got := take(name)
		if json := take(name + "-json"); !slices.Equal(json, got) {
			t.Fatalf("%s: the outputs got different events (%d and %d)", name, len(got), len(json))
		}
		return got, st
	}
	full, _ := run("unbounded", 1, 0)
	if len(full) != 6000 {
		t.Fatalf("unbounded run: %d events", len(full))
	}
	for _, tc := range []struct {
		name    string
		workers int
		max     int64
	}{
		{"k1-1000", 1, 1000},
		{"k4-1000", 4, 1000},
		{"k4-mid-batch", 4, 22}, // inside the first batch, mid-timestamp
		{"k1-more-than-produced", 1, 10_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := run(tc.name, tc.workers, tc.max)
			want := full[:min(int(tc.max), len(full))]
			if !slices.Equal(got, want) {
				t.Fatalf("%d events, want the first %d of the unbounded run", len(got), len(want))
			}
			for i, o := range st.Outputs {
				if o.Written != int64(len(want)) {
					t.Errorf("output %d wrote %d, want %d", i, o.Written, len(want))
				}
			}
			if st.Produced != int64(len(want)) {
				t.Errorf("produced %d, want %d", st.Produced, len(want))
			}
		})
	}
}

// TestMaxDurationStopsAnEndlessRun: a live run of an endless input stops
// by itself once max duration has passed, delivering what was accepted.
func TestMaxDurationStopsAnEndlessRun(t *testing.T) {
	s := DefaultSettings()
	s.BatchDelay = 10 * time.Millisecond
	s.MaxDuration = 200 * time.Millisecond
	g := build(t, `
input: [{test-seq: {count: -1, step: 0.01, from_now: true}}]
event: {test-echo: {}}
output: [{test-mem: {name: max-duration}}]
`, s)
	done := make(chan error, 1)
	go func() { done <- g.Run(context.Background(), nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // bounds the wait only
		t.Fatal("the run did not stop by itself")
	}
	st := g.Stats()
	checkSettled(t, st)
	if got := len(take("max-duration")); got == 0 || int64(got) != st.Produced || st.Outputs[0].Written != st.Produced {
		t.Fatalf("%d events written, counters %+v", got, st)
	}
}
