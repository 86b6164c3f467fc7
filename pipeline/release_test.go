package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/plugin"
)

// whenOutput records, for every payload, its timestamp and when it was written.
type whenOutput struct{ cfg *memConfig }

type written struct{ ts, at int64 }

var whenGot = struct {
	sync.Mutex
	m map[string][]written
}{m: map[string][]written{}}

func (w *whenOutput) Open(context.Context) error  { return nil }
func (w *whenOutput) Close(context.Context) error { return nil }
func (w *whenOutput) Write(ctx context.Context, p []string) (int, error) {
	now := time.Now().UnixNano()
	ts := outputs.AttemptFrom(ctx).Timestamps
	whenGot.Lock()
	defer whenGot.Unlock()
	for i := range p {
		whenGot.m[w.cfg.Name] = append(whenGot.m[w.cfg.Name], written{ts[i], now})
	}
	return len(p), nil
}

func init() {
	plugin.Register(outputs.Registry, "test-when", func() *memConfig { return &memConfig{} },
		func(c *memConfig, env *plugin.Env) (outputs.Output, error) { return &whenOutput{cfg: c}, nil })
}

func buildLive(t *testing.T, name, entry string) *Generator {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "e.jinja"), []byte(`{{ burst.index }}`), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
input: [{test-seq: {count: 6, step: 0.05, from_now: true}}]
event:
  template:
    templates:
      - g: %s
output: [{test-when: {name: %s}}]
`, entry, name)
	if err := os.WriteFile(filepath.Join(dir, "generator.yml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	gc, err := config.LoadGenerator(filepath.Join(dir, "generator.yml"), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultSettings()
	s.BatchDelay = 10 * time.Millisecond
	g, err := Build(gc, Options{ID: "t", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLiveBurstMembersWaitForTheirTimestamps: in live mode a burst's
// members leave the generator at their own moments, not the trigger's.
func TestLiveBurstMembersWaitForTheirTimestamps(t *testing.T) {
	g := buildLive(t, "live-burst", `{template: e.jinja, burst: {count: [3, 5], spread: 0.4}}`)
	if !g.needsRelease() {
		t.Fatal("a live burst with a spread runs without the release stage")
	}
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	checkSettled(t, st)
	whenGot.Lock()
	got := whenGot.m["live-burst"]
	whenGot.Unlock()
	if int64(len(got)) != st.Produced || st.Outputs[0].Written != st.Produced || st.Produced < 18 {
		t.Fatalf("%d written of %d produced: %+v", len(got), st.Produced, st.Outputs[0])
	}
	for _, w := range got {
		if w.at < w.ts {
			t.Fatalf("an event of %s was written %s early", time.Unix(0, w.ts).Format(time.RFC3339Nano), time.Duration(w.ts-w.at))
		}
	}
}

// TestLiveStopReleasesHeldEvents: a graceful stop does not wait for held
// members (here an hour away): they are delivered at once and counted.
func TestLiveStopReleasesHeldEvents(t *testing.T) {
	g := buildLive(t, "live-stop", `{sequence: [{template: e.jinja, delay: 3600}, {template: e.jinja}]}`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, nil) }()
	waitUntil(t, func() bool { return g.Stats().Produced == 12 })
	whenGot.Lock()
	early := len(whenGot.m["live-stop"])
	whenGot.Unlock()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // bounds the wait only
		t.Fatal("the stop waited for the held events")
	}
	st := g.Stats()
	checkSettled(t, st)
	whenGot.Lock()
	got := whenGot.m["live-stop"]
	whenGot.Unlock()
	if len(got) != 12 || st.Outputs[0].Written != 12 || early > 6 {
		t.Fatalf("%d written (%d before the stop), counters %+v", len(got), early, st.Outputs[0])
	}
}
