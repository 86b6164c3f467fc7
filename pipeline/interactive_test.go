package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// An interactive input: after `after` seconds it emits `count` timestamps
// "now", then waits until it is stopped.
type nowConfig struct {
	inputs.Common `yaml:",inline"`
	Count         int     `yaml:"count"`
	After         float64 `yaml:"after"`
}

type nowInput struct{ cfg *nowConfig }

func (n *nowInput) Interactive() bool { return true }

func (n *nowInput) Generate(ctx context.Context, emit func([]int64) error) error {
	select {
	case <-time.After(time.Duration(n.cfg.After * float64(time.Second))):
	case <-ctx.Done():
		return ctx.Err()
	}
	buf := make([]int64, n.cfg.Count)
	for i := range buf {
		buf[i] = time.Now().UnixNano()
	}
	if err := emit(buf); err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

// A scheduled input whose timestamps are an hour from now.
type laterConfig struct {
	inputs.Common `yaml:",inline"`
	Count         int `yaml:"count"`
}

type laterInput struct {
	cfg *laterConfig
	now time.Time
}

func (l *laterInput) Generate(ctx context.Context, emit func([]int64) error) error {
	buf := make([]int64, l.cfg.Count)
	for i := range buf {
		buf[i] = l.now.Add(time.Hour).UnixNano() + int64(i)
	}
	return emit(buf)
}

func init() {
	plugin.Register(inputs.Registry, "test-now", func() *nowConfig { return &nowConfig{Count: 3} },
		func(c *nowConfig, env *plugin.Env) (inputs.Input, error) { return &nowInput{cfg: c}, nil })
	plugin.Register(inputs.Registry, "test-later", func() *laterConfig { return &laterConfig{Count: 3} },
		func(c *laterConfig, env *plugin.Env) (inputs.Input, error) {
			return &laterInput{cfg: c, now: env.Now}, nil
		})
	plugin.Register(scripts.Registry, "test-closing", func() *echoConfig { return &echoConfig{} },
		func(c *echoConfig, env *plugin.Env) (scripts.Producer, error) {
			return &closingProducer{echoProducer{cfg: c, env: env}}, nil
		})
	plugin.Register(outputs.Registry, "test-failopen", func() *memConfig { return &memConfig{} },
		func(c *memConfig, env *plugin.Env) (outputs.Output, error) { return &failOpenOutput{}, nil })
}

// waitFor polls the memory output until it holds n events or the deadline passes.
func waitFor(name string, n int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		mem.Lock()
		got := len(mem.got[name])
		mem.Unlock()
		if got >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func runUntil(t *testing.T, g *Generator, check func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	check()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// Live mode: timestamps of an interactive input are released at once, even
// while the pipeline waits for a scheduled timestamp far in the future
// (docs/inputs.md: "handed on as soon as they arrive").
func TestLiveInteractiveNotHeldByScheduled(t *testing.T) {
	s := DefaultSettings()
	s.BatchDelay = 20 * time.Millisecond
	g := build(t, `
input:
  - test-later: {count: 3}
  - test-now: {count: 3, after: 0.05, tags: [http]}
event: {test-echo: {}}
output: [{test-mem: {name: live-interactive}}]
`, s)
	runUntil(t, g, func() {
		if got := waitFor("live-interactive", 3, 2*time.Second); got != 3 {
			t.Errorf("interactive events delivered within 2s: %d, want 3", got)
		}
	})
	for _, e := range take("live-interactive") {
		if !strings.Contains(e, `"tags": "http"`) {
			t.Errorf("event %s lacks the interactive input's tags", e)
		}
	}
}

// Sample mode: a partial batch of an interactive input does not wait for the
// next request (or the end of the run) to go out.
func TestSampleInteractivePartialBatchGoesOut(t *testing.T) {
	s := sample()
	s.BatchSize = 100
	s.BatchDelay = 20 * time.Millisecond
	g := build(t, `
input: [{test-now: {count: 3}}]
event: {test-echo: {}}
output: [{test-mem: {name: sample-interactive}}]
`, s)
	runUntil(t, g, func() {
		if got := waitFor("sample-interactive", 3, 2*time.Second); got != 3 {
			t.Errorf("interactive events delivered within 2s: %d, want 3", got)
		}
	})
	take("sample-interactive")
}

// An event plugin holding resources (replay's open file) is closed by Run
// even when an output cannot be opened.
type closingProducer struct{ echoProducer }

// producersClosed counts Close calls of closingProducer (test-only).
var producersClosed atomic.Int64

func (p *closingProducer) Close() error { producersClosed.Add(1); return nil }

type failOpenOutput struct{ memOutput }

func (*failOpenOutput) Open(context.Context) error { return errors.New("cannot connect") }

func TestRunClosesProducerWhenOpenFails(t *testing.T) {
	before := producersClosed.Load()
	g := build(t, `
input: [{test-seq: {count: 3}}]
event: {test-closing: {}}
output: [{test-failopen: {}}]
`, sample())
	if err := g.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("err %v", err)
	}
	if n := producersClosed.Load() - before; n != int64(g.Workers()) {
		t.Fatalf("%d of %d event plugin instances closed after a failed open", n, g.Workers())
	}
}
