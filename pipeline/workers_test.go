package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/config"
)

// fixedInput is the input the example table runs every example with
// instead of its own (which mostly starts now and never ends): 1,500
// timestamps from a fixed start, tagged like the examples' inputs.
const fixedInput = `input:
  - timer: {start: "2026-01-01T00:00:00Z", seconds: 0.5, count: 3, repeat: 500, tags: [web]}
event: {replay: {path: unused}}
output: [{stdout: {}}]
`

// loadExample loads examples/<name>/generator.yml; unless keepInput, its
// inputs are replaced by fixedInput's.
func loadExample(t *testing.T, name string, keepInput bool) *config.Generator {
	t.Helper()
	gc, err := config.LoadGenerator(filepath.Join("..", "examples", name, "generator.yml"), config.Vars{Params: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	if keepInput {
		return gc
	}
	p := filepath.Join(t.TempDir(), "input.yml")
	if err := os.WriteFile(p, []byte(fixedInput), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := config.LoadGenerator(p, config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc.Input = in.Input
	return gc
}

// runSeeded runs gc in sample mode with seed 7 and the given workers and
// shard, small batches (so the re-sequencer sees many), and returns what
// its stdout outputs wrote.
func runSeeded(t *testing.T, gc *config.Generator, workers, shard, shards int) (string, *Generator) {
	t.Helper()
	s := DefaultSettings()
	s.Live = false
	seed := uint64(7)
	s.Seed = &seed
	s.BatchSize = 37
	s.Workers = workers
	s.Shard, s.Shards = shard, shards
	var out bytes.Buffer
	g, err := Build(gc, Options{ID: "t", Settings: s, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return out.String(), g
}

// Every bundled example, seeded: K=1 and K=4 workers write the same bytes.
// The examples that keep state across timestamps (template-fsm,
// template-state, script-sessions, replay) must fall back to one worker,
// the others must really run four.
func TestWorkersSameOutputAnyK(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	stateful := map[string]bool{
		"template-fsm": true, "template-state": true, "script-sessions": true, "template-subprocess": true,
	}
	keepInput := map[string]bool{"time-patterns": true, "script-tracing": true} // fixed start and end
	ran := 0
	for _, e := range entries {
		name := e.Name()
		if _, err := os.Stat(filepath.Join("..", "examples", name, "generator.yml")); err != nil {
			continue // examples/app is a server config, not a generator
		}
		if name == "template-subprocess" {
			continue // runs a shell command per event: not reproducible, one worker anyway
		}
		ran++
		t.Run(name, func(t *testing.T) {
			gc := loadExample(t, name, keepInput[name])
			one, g1 := runSeeded(t, gc, 1, 0, 0)
			four, g4 := runSeeded(t, gc, 4, 0, 0)
			if g1.Workers() != 1 {
				t.Fatalf("workers=1 ran %d workers", g1.Workers())
			}
			want := 4
			if stateful[name] {
				want = 1
			}
			if g4.Workers() != want {
				t.Fatalf("workers=4 ran %d workers, want %d", g4.Workers(), want)
			}
			if one == "" {
				t.Fatal("no output")
			}
			if one != four {
				t.Fatalf("K=1 and K=4 differ:\n%s\n---\n%s", head(one), head(four))
			}
			if st := g4.Stats(); st.Produced == 0 || st.Outputs[0].Written != st.Produced {
				t.Fatalf("K=4 counters: %+v", st)
			}
		})
	}
	if ran < 10 {
		t.Fatalf("only %d examples found", ran)
	}
}

func head(s string) string {
	lines := strings.SplitN(s, "\n", 6)
	return strings.Join(lines[:min(len(lines), 5)], "\n")
}
