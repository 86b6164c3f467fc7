package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// Test plugins: a sequence input, an event plugin that formats the
// timestamp, and a memory output whose behaviour the test steers.

type seqConfig struct {
	inputs.Common `yaml:",inline"`
	Start         int64   `yaml:"start"`
	Count         int     `yaml:"count"`
	Step          float64 `yaml:"step"` // seconds between timestamps
	FromNow       bool    `yaml:"from_now"`
}

type seqInput struct {
	cfg *seqConfig
	now time.Time
}

func (s *seqInput) Generate(ctx context.Context, emit func([]int64) error) error {
	buf := make([]int64, 0, 64)
	start := s.cfg.Start
	if s.cfg.FromNow {
		start = s.now.UnixNano()
	}
	for i := 0; s.cfg.Count < 0 || i < s.cfg.Count; i++ {
		buf = append(buf, start+int64(float64(i)*s.cfg.Step*1e9))
		if len(buf) == cap(buf) {
			if err := emit(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if len(buf) > 0 {
		return emit(buf)
	}
	return nil
}

type echoConfig struct {
	FailEvery int `yaml:"fail_every"`
	ExhaustAt int `yaml:"exhaust_at"`
	PerTick   int `yaml:"per_tick"`
	Dropped   int `yaml:"dropped"`
}

type echoProducer struct {
	cfg *echoConfig
	env *plugin.Env
	n   int
}

func (p *echoProducer) Dropped() int64 { return int64(p.cfg.Dropped) }

// echoProducer numbers its events by the global timestamp index (n is
// index+1), so it runs on every worker: the pipeline tests cover the
// parallel event stage whenever the machine has more than one CPU.
func (p *echoProducer) SetIndex(idx uint64) { p.n = int(idx) }
func (p *echoProducer) StateReason() string { return "" }

func (p *echoProducer) Produce(ts int64, src int, out []string) ([]string, error) {
	p.n++
	if p.cfg.ExhaustAt > 0 && p.n >= p.cfg.ExhaustAt {
		return out, scripts.ErrExhausted
	}
	if p.cfg.FailEvery > 0 && p.n%p.cfg.FailEvery == 0 {
		return out, errors.New("boom")
	}
	for i := 0; i < max(p.cfg.PerTick, 1); i++ {
		out = append(out, fmt.Sprintf(`{"n": %d, "ts": %d, "tags": %q}`, p.n, ts, strings.Join(p.env.InputTags[src], ",")))
	}
	return out, nil
}

type memConfig struct {
	outputs.Common `yaml:",inline"`
	Name           string  `yaml:"name"`
	FailAll        bool    `yaml:"fail_all"`   // every write fails for good
	FailFor        int     `yaml:"fail_for"`   // the first N writes fail (transient)
	MaxPer         int     `yaml:"max_per"`    // a write settles at most N payloads, then fails (transient)
	SelfTimed      bool    `yaml:"self_timed"` // Write is not bounded by write_timeout
	Delay          float64 `yaml:"delay"`
	LateFailed     int64   `yaml:"late_failed"`
}

var mem = struct {
	sync.Mutex
	got map[string][]string
}{got: map[string][]string{}}

type memOutput struct {
	cfg      *memConfig
	closed   bool
	mu       sync.Mutex
	calls    int
	attempts []outputs.Attempt
}

func (m *memOutput) Open(context.Context) error { return nil }
func (m *memOutput) Write(ctx context.Context, p []string) (int, error) {
	if m.cfg.Delay > 0 {
		select {
		case <-time.After(time.Duration(m.cfg.Delay * float64(time.Second))):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	m.mu.Lock()
	m.calls++
	calls := m.calls
	m.attempts = append(m.attempts, outputs.AttemptFrom(ctx))
	m.mu.Unlock()
	if m.cfg.FailAll {
		return 0, outputs.Permanent(errors.New("destination refuses"))
	}
	if calls <= m.cfg.FailFor {
		return 0, errors.New("destination down")
	}
	n := len(p)
	var err error
	if m.cfg.MaxPer > 0 && n > m.cfg.MaxPer {
		n, err = m.cfg.MaxPer, errors.New("short write")
	}
	mem.Lock()
	mem.got[m.cfg.Name] = append(mem.got[m.cfg.Name], p[:n]...)
	mem.Unlock()
	return n, err
}
func (m *memOutput) SelfTimed() bool             { return m.cfg != nil && m.cfg.SelfTimed }
func (m *memOutput) Close(context.Context) error { m.closed = true; return nil }
func (m *memOutput) LateFailed() int64           { return m.cfg.LateFailed }

func init() {
	plugin.Register(inputs.Registry, "test-seq", func() *seqConfig { return &seqConfig{Count: 10, Step: 1} },
		func(c *seqConfig, env *plugin.Env) (inputs.Input, error) { return &seqInput{cfg: c, now: env.Now}, nil })
	plugin.Register(scripts.Registry, "test-echo", func() *echoConfig { return &echoConfig{} },
		func(c *echoConfig, env *plugin.Env) (scripts.Producer, error) {
			return &echoProducer{cfg: c, env: env}, nil
		})
	plugin.Register(scripts.Registry, "test-notjson", func() *echoConfig { return &echoConfig{} },
		func(c *echoConfig, env *plugin.Env) (scripts.Producer, error) { return notJSON{}, nil })
	plugin.Register(outputs.Registry, "test-mem", func() *memConfig { return &memConfig{} },
		func(c *memConfig, env *plugin.Env) (outputs.Output, error) { return &memOutput{cfg: c}, nil })
}

func take(name string) []string {
	mem.Lock()
	defer mem.Unlock()
	got := mem.got[name]
	delete(mem.got, name)
	return got
}

func build(t *testing.T, src string, s Settings) *Generator {
	t.Helper()
	doc, err := config.Parse("gen.yml", []byte(src), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Build(gc, Options{ID: "t", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func sample() Settings {
	s := DefaultSettings()
	s.Live = false
	s.BatchSize = 7
	return s
}

func TestSampleModeDeliversEverything(t *testing.T) {
	g := build(t, `
input:
  - test-seq: {count: 1000, start: 0, tags: [a]}
  - test-seq: {count: 500, start: 500000000, step: 2, tags: [b]}
event:
  test-echo: {}
output:
  - test-mem: {name: s1}
  - test-mem: {name: s2, formatter: {format: json}}
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	if st.Timestamps != 1500 || st.Produced != 1500 {
		t.Fatalf("stats %+v", st)
	}
	for i, name := range []string{"s1", "s2"} {
		got := take(name)
		if len(got) != 1500 || st.Outputs[i].Written != 1500 || st.Outputs[i].WriteFailed != 0 {
			t.Fatalf("%s: %d events, counters %+v", name, len(got), st.Outputs[i])
		}
	}
	if st.Outputs[1].Name != "test-mem#2" {
		t.Fatalf("output names %+v", st.Outputs)
	}
}

func TestMergedOrderAndTags(t *testing.T) {
	g := build(t, `
input:
  - test-seq: {count: 3, start: 0, step: 2, tags: [even]}
  - test-seq: {count: 3, start: 1000000000, step: 2, tags: [odd]}
event:
  test-echo: {}
output:
  - test-mem: {name: order}
`, func() Settings { s := sample(); s.KeepOrder = true; return s }())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := take("order")
	var tags []string
	for _, e := range got {
		tags = append(tags, e[strings.Index(e, `"tags"`):])
	}
	want := `"tags": "even"}|"tags": "odd"}|"tags": "even"}|"tags": "odd"}|"tags": "even"}|"tags": "odd"}`
	if strings.Join(tags, "|") != want {
		t.Fatalf("order: %v", got)
	}
}

func TestFailuresAreCountedNotFatal(t *testing.T) {
	g := build(t, `
input:
  - test-seq: {count: 100}
event:
  test-echo: {fail_every: 10}
output:
  - test-mem: {name: ok}
  - test-mem: {name: down, fail_all: true}
`, sample())
	err := g.Run(context.Background(), nil)
	var re *RunError
	if !errors.As(err, &re) || re.ProduceFailed != 10 {
		t.Fatalf("err %v", err)
	}
	st := g.Stats()
	if st.Produced != 90 || st.Outputs[0].Written != 90 || st.Outputs[1].WriteFailed != 90 || st.Outputs[1].Written != 0 {
		t.Fatalf("stats %+v", st)
	}
	if len(take("ok")) != 90 {
		t.Fatal("healthy output lost events")
	}
}

func TestFormatFailuresCounted(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: 20}}]
event: {test-notjson: {}}
output: [{test-mem: {name: fmt, formatter: {format: json}}}]
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	if st.Outputs[0].FormatFailed != 10 || st.Outputs[0].Written != 10 || len(take("fmt")) != 10 {
		t.Fatalf("stats %+v", st)
	}
}

type notJSON struct{}

func (notJSON) Produce(ts int64, src int, out []string) ([]string, error) {
	if (ts/1e9)%2 == 0 {
		return append(out, "not json"), nil
	}
	return append(out, strconv.FormatInt(ts, 10)), nil
}

func TestExhaustedEndsCleanly(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: -1}}]
event: {test-echo: {exhaust_at: 51, per_tick: 2}}
output: [{test-mem: {name: ex}}]
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := len(take("ex")); got != 100 {
		t.Fatalf("got %d events, want 100", got)
	}
}

// Live mode: a graceful stop delivers every event the generator counted.
func TestLiveGracefulStop(t *testing.T) {
	s := DefaultSettings()
	s.BatchDelay = 50 * time.Millisecond
	g := build(t, `
input: [{test-seq: {count: -1, step: 0.005, from_now: true}}]
event: {test-echo: {}}
output: [{test-mem: {name: live, delay: 0.02}}]
`, s)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	if err := g.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	got := take("live")
	if st.Produced < 20 || int64(len(got)) != st.Produced || st.Outputs[0].Written != st.Produced {
		t.Fatalf("produced %d, delivered %d, stats %+v", st.Produced, len(got), st)
	}
	if st.Lag.Count == 0 || st.Lag.P99 > 200*time.Millisecond {
		t.Fatalf("lag %+v", st.Lag)
	}
}

func TestLiveSkipPast(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: 5, start: 0}}]
event: {test-echo: {}}
output: [{test-mem: {name: past}}]
`, DefaultSettings())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if st := g.Stats(); st.SkippedPast != 5 || st.Produced != 0 || len(take("past")) != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	doc, err := config.Parse("gen.yml", []byte(`
input:
  - test-seq: {count: x}
  - nosuch: {}
event:
  test-echo: {bogus: 1}
output:
  - test-mem: {formatter: {format: nosuchformat}}
`), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(gc, Options{Settings: sample()})
	msgs := config.Flatten(err)
	want := []string{"gen.yml:3:23: input[0].test-seq.count", `gen.yml:4:5: input[1].nosuch: unknown input plugin "nosuch"`, `gen.yml:6:15: event.test-echo.bogus: unknown key`, `nosuchformat`}
	if len(msgs) != len(want) {
		t.Fatalf("got %d problems: %v", len(msgs), err)
	}
	for i, w := range want {
		if !strings.Contains(msgs[i].Error(), w) {
			t.Errorf("problem %d: %q lacks %q", i, msgs[i], w)
		}
	}
}

func TestLagHistogram(t *testing.T) {
	var h lagHistogram
	for i := 1; i <= 100; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	p50, p99 := h.quantile(0.5), h.quantile(0.99)
	if p50 < 50*time.Millisecond || p50 > 63*time.Millisecond || p99 < 99*time.Millisecond || p99 > 100*time.Millisecond {
		t.Fatalf("p50 %v p99 %v", p50, p99)
	}
	for _, v := range []int64{0, 1, 3, 4, 5, 7, 8, 1000, 1 << 40} {
		if u := bucketUpper(bucketOf(v)); u < v {
			t.Fatalf("value %d bucket upper %d", v, u)
		}
	}
}

func TestLateFailuresMoveFromWritten(t *testing.T) {
	g := build(t, `
input: [{test-seq: {count: 50}}]
event: {test-echo: {dropped: 3}}
output: [{test-mem: {name: late, late_failed: 8}}]
`, sample())
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	take("late")
	if o := g.Stats().Outputs[0]; o.Written != 42 || o.WriteFailed != 8 {
		t.Fatalf("counters %+v", o)
	}
	// Every worker's producer reports its own count; Stats sums them.
	if d := g.Stats().Dropped; d != 3*int64(g.Workers()) {
		t.Fatalf("dropped %d, want the producers' counts summed (3 × %d workers)", d, g.Workers())
	}
}

// Abort while the event plugin runs away: the call is cancelled, Run returns
// promptly instead of waiting out the step budget.
func TestAbortCancelsRunawayProducer(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "loop.star"), []byte("def produce(params):\n    while True:\n        pass\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := config.Parse(filepath.Join(dir, "g.yml"), []byte("input: [{test-seq: {count: 3}}]\nevent: {script: {path: loop.star}}\noutput: [{test-mem: {name: runaway}}]\n"), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Build(gc, Options{ID: "t", Settings: sample()})
	if err != nil {
		t.Fatal(err)
	}
	abort := make(chan struct{})
	time.AfterFunc(200*time.Millisecond, func() { close(abort) })
	start := time.Now()
	err = g.Run(context.Background(), abort)
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("err %v, want ErrAborted", err)
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Fatalf("abort took %v", took)
	}
	take("runaway")
}
