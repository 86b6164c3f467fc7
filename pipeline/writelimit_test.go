package pipeline

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/plugin"
)

// limitedOutput is a concurrent output that takes at most Limit writes at
// once (outputs.WriteLimiter). Its writes wait for the test to open the gate,
// so writes the pipeline starts pile up inside it: with the limit kept, Limit
// of them; without it, more.
type limitedConfig struct {
	outputs.Common `yaml:",inline"`
	Limit          int `yaml:"limit"`
}

type limitedOutput struct {
	cfg     *limitedConfig
	mu      sync.Mutex
	inside  int
	most    int
	written int
	changed chan struct{} // a value after every entry
	gate    chan struct{} // closed by the test
}

func (o *limitedOutput) Open(context.Context) error  { return nil }
func (o *limitedOutput) Close(context.Context) error { return nil }
func (o *limitedOutput) ConcurrentWrites() bool      { return true }
func (o *limitedOutput) MaxConcurrentWrites() int    { return o.cfg.Limit }

func (o *limitedOutput) Write(ctx context.Context, p []string) (int, error) {
	o.mu.Lock()
	o.inside++
	o.most = max(o.most, o.inside)
	o.mu.Unlock()
	select {
	case o.changed <- struct{}{}:
	default:
	}
	select {
	case <-o.gate:
	case <-ctx.Done():
	}
	o.mu.Lock()
	o.inside--
	o.written += len(p)
	o.mu.Unlock()
	return len(p), nil
}

func (o *limitedOutput) mostSoFar() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.most
}

var limited = struct {
	sync.Mutex
	last *limitedOutput
}{}

func init() {
	plugin.Register(outputs.Registry, "test-limited", func() *limitedConfig { return &limitedConfig{Limit: 1} },
		func(c *limitedConfig, env *plugin.Env) (outputs.Output, error) {
			o := &limitedOutput{cfg: c, changed: make(chan struct{}, 1), gate: make(chan struct{})}
			limited.Lock()
			limited.last = o
			limited.Unlock()
			return o, nil
		})
}

// TestWriteLimiter: an output's MaxConcurrentWrites bounds its writes in
// flight below max_concurrency. The writes are held until Limit of them are
// inside; then the test watches for one more (which a pipeline without the
// limit starts at once: 100 batches are waiting and max_concurrency is 50)
// for at most a second before it opens the gate: that deadline only bounds
// the wait for something that must not happen.
func TestWriteLimiter(t *testing.T) {
	for _, limit := range []int{1, 3} {
		s := sample()
		s.MaxConcurrency = 50
		g := build(t, fmt.Sprintf(`
input:
  - test-seq: {count: 700}
event:
  test-echo: {}
output:
  - test-limited: {limit: %d}
`, limit), s)
		limited.Lock()
		o := limited.last
		limited.Unlock()
		done := make(chan error, 1)
		go func() { done <- g.Run(context.Background(), nil) }()
		deadline := time.After(10 * time.Second)
		for o.mostSoFar() < limit {
			select {
			case <-o.changed:
			case <-deadline:
				t.Fatalf("limit %d: only %d writes started", limit, o.mostSoFar())
			}
		}
		watch := time.After(time.Second)
	watching:
		for o.mostSoFar() <= limit {
			select {
			case <-o.changed:
			case <-watch:
				break watching
			}
		}
		close(o.gate)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if o.most != limit || o.written != 700 || g.Stats().Outputs[0].Written != 700 {
			t.Fatalf("limit %d: at most %d writes at once, %d events written; want %d and 700", limit, o.most, o.written, limit)
		}
	}
}
