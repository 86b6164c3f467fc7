package inputs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"
)

// sliceInput emits fixed timestamps in runs of size step.
type sliceInput struct {
	times []int64
	step  int
}

func (s *sliceInput) Generate(ctx context.Context, emit func([]int64) error) error {
	buf := make([]int64, s.step)
	for i := 0; i < len(s.times); i += s.step {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := copy(buf, s.times[i:min(i+s.step, len(s.times))])
		if err := emit(buf[:n]); err != nil {
			return err
		}
		clear(buf) // the consumer must have copied
	}
	return nil
}

// failInput emits a few timestamps, then fails.
type failInput struct{ err error }

func (f *failInput) Generate(ctx context.Context, emit func([]int64) error) error {
	if err := emit([]int64{1, 2, 3}); err != nil {
		return err
	}
	return f.err
}

// idleInput emits nothing until cancelled.
type idleInput struct{}

func (idleInput) Generate(ctx context.Context, emit func([]int64) error) error {
	<-ctx.Done()
	return ctx.Err()
}

// pushInput is interactive: it emits what is sent on ch, ends when ch closes.
type pushInput struct{ ch chan []int64 }

func (p *pushInput) Interactive() bool { return true }
func (p *pushInput) Generate(ctx context.Context, emit func([]int64) error) error {
	for {
		select {
		case ts, ok := <-p.ch:
			if !ok {
				return nil
			}
			if err := emit(ts); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

type pair struct {
	t   int64
	src uint16
}

// runMerge merges ins and checks the batch contract.
func runMerge(t *testing.T, ctx context.Context, ins []Input) ([]pair, error) {
	t.Helper()
	var got []pair
	err := Merge(ctx, ins, func(b *Batch) error {
		if b.Len() == 0 || b.Len() > MaxBatch || len(b.Src) != len(b.Times) {
			t.Fatalf("bad batch: %d times, %d srcs", len(b.Times), len(b.Src))
		}
		if !slices.IsSorted(b.Times) {
			t.Fatalf("batch not sorted")
		}
		for i := range b.Times {
			got = append(got, pair{b.Times[i], b.Src[i]})
		}
		// The batch is ours to modify during the call.
		b.Times[0], b.Times = -1, nil
		return nil
	})
	return got, err
}

// checkNoLeak fails if goroutines started by the test outlive it.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutine leak: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMergeOrder(t *testing.T) {
	// Not parallel: it counts goroutines.
	before := runtime.NumGoroutine()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 2, 3, 7} {
		for _, step := range []int{1, 5, 4096, 10000} {
			var ins []Input
			var want []pair
			for i := range k {
				n := rng.IntN(30000)
				if i == 1 {
					n = 0 // an input with nothing to say
				}
				times := make([]int64, n)
				for j := range times {
					times[j] = rng.Int64N(1000) // many ties across inputs
				}
				slices.Sort(times)
				ins = append(ins, &sliceInput{times: times, step: step})
				for _, v := range times {
					want = append(want, pair{v, uint16(i)})
				}
			}
			sort.SliceStable(want, func(a, b int) bool { return want[a].t < want[b].t })
			t.Run(fmt.Sprintf("k=%d/step=%d", k, step), func(t *testing.T) {
				got, err := runMerge(t, context.Background(), ins)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("merged %d timestamps, want %d; order or sources differ", len(got), len(want))
				}
			})
		}
	}
	checkNoLeak(t, before)
}

func TestMergePlugins(t *testing.T) {
	before := runtime.NumGoroutine()
	env := testEnv(nil)
	ins := []Input{
		mustBuild(t, "cron", "{expression: '*/2 * * * * *', count: 2, start: '2026-01-01T00:00:00Z', end: '+1h'}", env),
		mustBuild(t, "timer", "{start: '2026-01-01T00:00:00Z', seconds: 3, repeat: 1200}", env),
		mustBuild(t, "static", "count: 5", env),
	}
	got, err := runMerge(t, context.Background(), ins)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1800*2+1200+5 {
		t.Fatalf("got %d timestamps", len(got))
	}
	// At 00:00:00 the static input's 5 come after the cron's 2 (input order);
	// at 00:00:06 cron (src 0) comes before timer (src 1).
	head := got[:7]
	for i, p := range head {
		if wantSrc := uint16(map[bool]int{true: 0, false: 2}[i < 2]); p.src != wantSrc || p.t != ts("2026-01-01T00:00:00Z") {
			t.Fatalf("head[%d] = %+v", i, p)
		}
	}
	i := slices.IndexFunc(got, func(p pair) bool { return p.t == ts("2026-01-01T00:00:06Z") })
	if got[i].src != 0 || got[i+1].src != 0 || got[i+2].src != 1 {
		t.Fatalf("tie at 00:00:06: %+v", got[i:i+3])
	}
	checkNoLeak(t, before)
}

// A bounded input ending leaves the unbounded one running; cancellation ends
// the merge with ctx.Err() and no goroutine survives.
func TestMergeBoundedAndUnbounded(t *testing.T) {
	before := runtime.NumGoroutine()
	env := testEnv(nil)
	ins := []Input{
		mustBuild(t, "timer", "{seconds: 1, repeat: 10}", env),
		mustBuild(t, "cron", "{expression: '* * * * * *'}", env), // forever
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n, fromTimer int
	err := Merge(ctx, ins, func(b *Batch) error {
		for _, s := range b.Src {
			if s == 0 {
				fromTimer++
			}
		}
		if n += b.Len(); n > 100000 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || fromTimer != 10 || n <= 100000 {
		t.Fatalf("err=%v timer=%d total=%d", err, fromTimer, n)
	}
	checkNoLeak(t, before)
}

func TestMergeErrors(t *testing.T) {
	before := runtime.NumGoroutine()
	boom := errors.New("boom")
	env := testEnv(nil)
	forever := func() Input { return mustBuild(t, "timer", "seconds: 1", env) }

	// An input's error ends the merge (even with an unbounded and an idle one).
	_, err := runMerge(t, context.Background(), []Input{forever(), &failInput{boom}, idleInput{}})
	if !errors.Is(err, boom) {
		t.Errorf("input error: got %v", err)
	}
	// So does an error of emit.
	calls := 0
	err = Merge(context.Background(), []Input{forever(), forever()}, func(*Batch) error {
		calls++
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("emit error: got %v after %d calls", err, calls)
	}
	// Single-input path too.
	if _, err := runMerge(t, context.Background(), []Input{&failInput{boom}}); !errors.Is(err, boom) {
		t.Errorf("single input error: got %v", err)
	}
	// A deadline is reported as such.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := runMerge(t, ctx, []Input{idleInput{}, forever()}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: got %v", err)
	}
	if _, err := runMerge(t, context.Background(), nil); err != nil {
		t.Errorf("no inputs: %v", err)
	}
	checkNoLeak(t, before)
}

// Interactive timestamps reach emit while a scheduled input has produced
// nothing yet, and the merge ends when every input has ended.
func TestMergeInteractive(t *testing.T) {
	before := runtime.NumGoroutine()
	push := &pushInput{ch: make(chan []int64)}
	slow := &gateInput{gate: make(chan struct{}), times: []int64{10, 20, 30}}
	got := make(chan pair, 100)
	done := make(chan error, 1)
	go func() {
		done <- Merge(context.Background(), []Input{slow, push}, func(b *Batch) error {
			for i := range b.Times {
				got <- pair{b.Times[i], b.Src[i]}
			}
			return nil
		})
	}()
	push.ch <- []int64{100, 100}
	for range 2 {
		select {
		case p := <-got:
			if p != (pair{100, 1}) {
				t.Fatalf("got %+v", p)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("interactive timestamps were held back by the scheduled input")
		}
	}
	close(slow.gate)
	close(push.ch)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(got)
	var rest []pair
	for p := range got {
		rest = append(rest, p)
	}
	if !slices.Equal(rest, []pair{{10, 0}, {20, 0}, {30, 0}}) {
		t.Fatalf("rest = %v", rest)
	}
	checkNoLeak(t, before)
}

// gateInput emits its timestamps once gate is closed.
type gateInput struct {
	gate  chan struct{}
	times []int64
}

func (g *gateInput) Generate(ctx context.Context, emit func([]int64) error) error {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return emit(g.times)
}

func benchInputs(k int) []Input {
	env := testEnv(nil)
	var ins []Input
	for i := range k {
		ins = append(ins, &benchTimer{start: env.Now.UnixNano() + int64(i), step: int64(k)})
	}
	return ins
}

// benchTimer is an unbounded timer without config overhead.
type benchTimer struct{ start, step int64 }

func (b *benchTimer) Generate(ctx context.Context, emit func([]int64) error) error {
	buf := make([]int64, chunkSize)
	t := b.start
	for {
		for i := range buf {
			buf[i] = t
			t += b.step
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(buf); err != nil {
			return err
		}
	}
}

func BenchmarkMerge(b *testing.B) {
	for _, k := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("inputs=%d", k), func(b *testing.B) {
			want := int64(b.N) * 1000
			stop := errors.New("stop")
			var n int64
			b.ReportAllocs()
			b.ResetTimer()
			err := Merge(context.Background(), benchInputs(k), func(bt *Batch) error {
				if n += int64(bt.Len()); n >= want {
					return stop
				}
				return nil
			})
			b.StopTimer()
			if !errors.Is(err, stop) {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "timestamps/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/timestamp")
		})
	}
}
