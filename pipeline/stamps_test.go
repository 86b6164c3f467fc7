package pipeline

import (
	"context"
	"encoding/json"
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

// stampOutput records every payload with the timestamp the pipeline gave
// it in Attempt.Timestamps (copied: the slice is reused after Write).
type stampOutput struct{ cfg *memConfig }

type stamped struct {
	payload string
	ts      int64
}

var stampsGot = struct {
	sync.Mutex
	m map[string][]stamped
}{m: map[string][]stamped{}}

func (s *stampOutput) Open(context.Context) error  { return nil }
func (s *stampOutput) Close(context.Context) error { return nil }
func (s *stampOutput) Write(ctx context.Context, p []string) (int, error) {
	ts := outputs.AttemptFrom(ctx).Timestamps
	if len(ts) != len(p) {
		return 0, outputs.Permanent(fmt.Errorf("%d timestamps for %d payloads", len(ts), len(p)))
	}
	stampsGot.Lock()
	defer stampsGot.Unlock()
	for i := range p {
		stampsGot.m[s.cfg.Name] = append(stampsGot.m[s.cfg.Name], stamped{p[i], ts[i]})
	}
	return len(p), nil
}

func init() {
	plugin.Register(outputs.Registry, "test-stamps", func() *memConfig { return &memConfig{} },
		func(c *memConfig, env *plugin.Env) (outputs.Output, error) { return &stampOutput{cfg: c}, nil })
}

// TestEventTimestampsReachTheOutputs: the timestamp of every event — a
// burst member's own, after its trigger — reaches the output beside its
// payload, also when the formatter skips events it cannot format and
// whatever the number of workers.
func TestEventTimestampsReachTheOutputs(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"member.jinja": `{"ts": "{{ timestamp.isoformat() }}", "i": {{ burst.index }}}`,
		"maybe.jinja":  `{% if module.rand.number.integer(0, 2) == 0 %}not json {{ timestamp.isoformat() }}{% else %}{"ts": "{{ timestamp.isoformat() }}", "i": -1}{% endif %}`,
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gen := filepath.Join(dir, "generator.yml")
	for _, workers := range []int{1, 4} {
		name := fmt.Sprintf("stamps-k%d", workers)
		err := os.WriteFile(gen, []byte(fmt.Sprintf(`
input: [{test-seq: {count: 300, start: 1767225600000000000, step: 1}}]
event:
  template:
    mode: all
    templates:
      - burst: {template: member.jinja, burst: {count: [2, 6], spread: 0.9}}
      - maybe: {template: maybe.jinja}
output:
  - test-stamps: {name: %s, formatter: {format: json}}
`, name)), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		s := sample()
		s.Workers = workers
		seed := uint64(3)
		s.Seed = &seed
		gc, err := config.LoadGenerator(gen, config.Vars{})
		if err != nil {
			t.Fatal(err)
		}
		g, err := Build(gc, Options{ID: "t", Settings: s})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Run(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		st := g.Stats()
		checkSettled(t, st)
		o := st.Outputs[0]
		if o.FormatFailed == 0 || o.Written == 0 {
			t.Fatalf("K=%d: want some events skipped by the formatter: %+v", workers, o)
		}
		stampsGot.Lock()
		got := stampsGot.m[name]
		stampsGot.Unlock()
		if int64(len(got)) != o.Written {
			t.Fatalf("K=%d: %d payloads recorded, %d written", workers, len(got), o.Written)
		}
		late := 0
		for _, p := range got {
			var ev struct {
				TS string `json:"ts"`
				I  int    `json:"i"`
			}
			if err := json.Unmarshal([]byte(p.payload), &ev); err != nil {
				t.Fatal(err)
			}
			want, err := time.Parse(time.RFC3339Nano, ev.TS)
			if err != nil {
				t.Fatal(err)
			}
			if d := p.ts - want.UnixNano(); d < 0 || d >= 1000 { // isoformat keeps microseconds
				t.Fatalf("K=%d: %s carried timestamp %s", workers, p.payload, time.Unix(0, p.ts).UTC().Format(time.RFC3339Nano))
			}
			if p.ts%int64(time.Second) != 0 {
				late++
			}
		}
		if late == 0 {
			t.Fatalf("K=%d: no burst member after its trigger", workers)
		}
	}
}
