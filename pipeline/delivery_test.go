package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/eventum-go/eventum/outputs"
)

// checkSettled asserts the delivery contract's bookkeeping for every output:
// each produced event ends in exactly one counter.
func checkSettled(t *testing.T, st Snapshot) {
	t.Helper()
	for _, o := range st.Outputs {
		if got := o.Written + o.WriteFailed + o.FormatFailed + o.Dropped; got != st.Produced {
			t.Errorf("%s: written %d + write_failed %d + format_failed %d + dropped %d = %d, produced %d",
				o.Name, o.Written, o.WriteFailed, o.FormatFailed, o.Dropped, got, st.Produced)
		}
		if o.Undelivered > o.WriteFailed {
			t.Errorf("%s: undelivered %d > write_failed %d", o.Name, o.Undelivered, o.WriteFailed)
		}
	}
}

// exactlyOnce asserts that got holds the echo events n = 1..want, each once.
func exactlyOnce(t *testing.T, got []string, want int) {
	t.Helper()
	if len(got) != want {
		t.Fatalf("got %d events, want %d", len(got), want)
	}
	seen := make([]bool, want+1)
	for _, e := range got {
		var ev struct{ N int }
		if err := json.Unmarshal([]byte(e), &ev); err != nil || ev.N < 1 || ev.N > want || seen[ev.N] {
			t.Fatalf("unexpected or duplicate event %q", e)
		}
		seen[ev.N] = true
	}
}

func TestTransientFailuresAreRetriedUntilDelivered(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: 100}}]
event: {test-echo: {}}
output:
  - test-mem: {name: flaky-retry, fail_for: 4, retry: {initial: 0.001, max: 0.004}}
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkSettled(t, st)
	o := st.Outputs[0]
	if o.Written != 100 || o.WriteFailed != 0 || o.Retries != 4 || st.Lost() != 0 {
		t.Fatalf("stats %+v", o)
	}
	exactlyOnce(t, take("flaky-retry"), 100)
}

func TestPartialWritesResumeWhereTheyStopped(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: 100}}]
event: {test-echo: {}}
output:
  - test-mem: {name: partial, max_per: 3, retry: {initial: 0.001, max: 0.001}}
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkSettled(t, st)
	if o := st.Outputs[0]; o.Written != 100 || o.WriteFailed != 0 {
		t.Fatalf("stats %+v", o)
	}
	exactlyOnce(t, take("partial"), 100)
	// Attempts carry the batch number and the offset of the first payload.
	m := g.outs[0].out.(*memOutput)
	var offsets []int
	for _, a := range m.attempts {
		if a.Batch == 1 {
			offsets = append(offsets, a.Offset)
		}
	}
	if !slices.Equal(offsets, []int{0, 3, 6}) { // batch size 7, 3 per write
		t.Fatalf("offsets of batch 1: %v", offsets)
	}
}

func TestRetryBudgetSpentCountsFailed(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: 20}}]
event: {test-echo: {}}
output:
  - test-mem: {name: budget, fail_for: 1000000, retry: {initial: 0.001, max: 0.002, budget: 0.05}}
  - test-mem: {name: budget-ok}
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkSettled(t, st)
	if o := st.Outputs[0]; o.Written != 0 || o.WriteFailed != 20 || o.Undelivered != 0 || o.Retries == 0 {
		t.Fatalf("stats %+v", o)
	}
	if st.Lost() != 20 || len(take("budget-ok")) != 20 {
		t.Fatalf("lost %d", st.Lost())
	}
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: 20}}]
event: {test-echo: {}}
output: [{test-mem: {name: perm, fail_all: true}}]
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkSettled(t, st)
	if o := st.Outputs[0]; o.WriteFailed != 20 || o.Retries != 0 {
		t.Fatalf("stats %+v", o)
	}
}

func TestStopTimeoutGivesUpAndCounts(t *testing.T) {
	s := sample()
	s.StopTimeout = 200 * time.Millisecond
	s.WriteTimeout = 50 * time.Millisecond
	g := build(t, `
input: [{test-seq: {count: -1}}]
event: {test-echo: {}}
output:
  - test-mem: {name: dead, fail_for: 1000000000, retry: {initial: 0.01, max: 0.02}}
`, s)
	ctx, stop := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- g.Run(ctx, nil) }()
	waitUntil(t, func() bool { return g.Stats().Outputs[0].Retries > 0 })
	stop()
	var err error
	select {
	case err = <-res:
	case <-time.After(30 * time.Second):
		t.Fatal("run did not end after its stop timeout")
	}
	if !errors.Is(err, ErrStopTimeout) {
		t.Fatalf("err %v", err)
	}
	st := g.Stats()
	checkSettled(t, st)
	o := st.Outputs[0]
	if o.Written != 0 || o.WriteFailed != st.Produced || o.Undelivered != st.Produced || st.Produced == 0 {
		t.Fatalf("produced %d, stats %+v", st.Produced, o)
	}
}

func TestAbortCountsEverythingInFlight(t *testing.T) {
	s := sample()
	s.WriteTimeout = time.Hour
	g := build(t, `
input: [{test-seq: {count: 100000}}]
event: {test-echo: {}}
output:
  - test-mem: {name: stuck, delay: 3600}
`, s)
	abort := make(chan struct{})
	res := make(chan error, 1)
	go func() { res <- g.Run(context.Background(), abort) }()
	// Wait until production has stalled behind the stuck output: the
	// timestamp queue is full of batches the event stage cannot take.
	waitUntil(t, func() bool {
		st := g.Stats()
		return st.Produced > 0 && st.Timestamps-st.Produced >= int64(s.MaxTimestampBatches*s.BatchSize)
	})
	close(abort)
	if err := <-res; !errors.Is(err, ErrAborted) {
		t.Fatalf("err %v", err)
	}
	st := g.Stats()
	checkSettled(t, st)
	if st.Outputs[0].Undelivered != st.Produced || st.Unproduced == 0 {
		t.Fatalf("stats %+v", st)
	}
	if st.Produced+st.Unproduced != st.Timestamps {
		t.Fatalf("produced %d + unproduced %d != timestamps %d", st.Produced, st.Unproduced, st.Timestamps)
	}
}

func TestOnFullDropCountsDropped(t *testing.T) {
	s := sample()
	s.MaxEventBatches = 1
	g := build(t, `
input: [{test-seq: {count: 2000}}]
event: {test-echo: {}}
output:
  - test-mem: {name: slow-drop, delay: 0.002, on_full: drop}
  - test-mem: {name: fast-block}
`, s)
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkSettled(t, st)
	slow := st.Outputs[0]
	if slow.Dropped == 0 || slow.Written+slow.Dropped != 2000 || int64(len(take("slow-drop"))) != slow.Written {
		t.Fatalf("slow %+v", slow)
	}
	if len(take("fast-block")) != 2000 {
		t.Fatal("blocking output lost events")
	}
	if st.Lost() != slow.Dropped {
		t.Fatalf("lost %d, dropped %d", st.Lost(), slow.Dropped)
	}
}

func TestSelfTimedOutputIsNotCutByWriteTimeout(t *testing.T) {
	s := sample()
	s.WriteTimeout = time.Millisecond
	g := build(t, `
input: [{test-seq: {count: 5}}]
event: {test-echo: {}}
output:
  - test-mem: {name: selftimed, delay: 0.05, self_timed: true}
`, s)
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if o := g.Stats().Outputs[0]; o.Written != 5 || o.Retries != 0 {
		t.Fatalf("stats %+v", o)
	}
	take("selftimed")
}

func TestRetryPolicyBackoff(t *testing.T) {
	p := outputs.Policy{Initial: 100 * time.Millisecond, Max: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 50 {
			if got := p.Backoff(n); got < want/2 || got > want {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", n, got, want/2, want)
			}
		}
	}
	var unset outputs.RetryConfig
	if unset.Policy(false).Budget != 0 || unset.Policy(true).Budget != outputs.DefaultLiveRetryBudget {
		t.Fatal("default budgets: unlimited in sample mode, bounded in live mode")
	}
}

// waitUntil polls cond until it holds, failing the test after a generous deadline.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
