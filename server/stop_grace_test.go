package server

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/plugin"
)

// stuckOutput never delivers: each Write waits for its context to end.
type stuckOutput struct{}

type stuckConfig struct {
	outputs.Common `yaml:",inline"`
}

func (stuckOutput) Open(context.Context) error { return nil }

// stuckWriting is set once a stuckOutput write is waiting.
var stuckWriting atomic.Bool

func (stuckOutput) Write(ctx context.Context, _ []string) (int, error) {
	stuckWriting.Store(true)
	<-ctx.Done()
	return 0, ctx.Err()
}
func (stuckOutput) Close(context.Context) error { return nil }

func init() {
	plugin.Register(outputs.Registry, "test-stuck", func() *stuckConfig { return &stuckConfig{} },
		func(*stuckConfig, *plugin.Env) (outputs.Output, error) { return stuckOutput{}, nil })
}

// A generator whose output hangs (write_timeout of an hour) still stops:
// once its stop_timeout is spent the run gives up what it could not deliver
// (counted), and the stop returns.
func TestStopAbortsAfterGrace(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"generators/s/generator.yml": "input:\n" + timerInput + "\nevent:\n  script:\n    path: produce.star\noutput:\n  - test-stuck: {}\n",
		"generators/s/produce.star":  "def produce(params):\n    return \"x\"\n",
		"startup.yml":                "- {id: s, path: s, write_timeout: 3600, stop_timeout: 0.3, batch: {delay: 0.01}}\n",
	}
	a := startApp(t, files, nil)
	m := a.app.Manager
	deadline := time.Now().Add(60 * time.Second)
	for !stuckWriting.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := m.Stop("s"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > DefaultStopGrace {
		t.Fatalf("stop took %v with a 300ms stop_timeout", took)
	}
	if m.isRunning("s") {
		t.Fatal("generator still running after stop")
	}
	if !strings.Contains(a.logs.String(), "stop timeout reached") {
		t.Fatalf("no abort warning logged:\n%s", a.logs.String())
	}
}
