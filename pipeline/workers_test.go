package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
func loadExample(t testing.TB, name string, keepInput bool) *config.Generator {
	t.Helper()
	// examples/otlp-collector sends to otlp_endpoint: a receiver that takes it all.
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(rcv.Close)
	gc, err := config.LoadGenerator(filepath.Join("..", "examples", name, "generator.yml"), config.Vars{Params: map[string]any{"otlp_endpoint": rcv.URL}})
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
	keepInput := map[string]bool{"script-tracing": true} // fixed start and end (time_patterns inputs: cli/shard_sim_test.go)
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

// interleave merges shard outputs that have one event per timestamp by
// global index: line k of shard i is the timestamp of index i + k*n.
func interleave(t *testing.T, shards []string) string {
	t.Helper()
	lines := make([][]string, len(shards))
	total := 0
	for i, s := range shards {
		lines[i] = strings.SplitAfter(s, "\n")
		if lines[i][len(lines[i])-1] == "" {
			lines[i] = lines[i][:len(lines[i])-1]
		}
		total += len(lines[i])
	}
	var b strings.Builder
	for idx := 0; idx < total; idx++ {
		i, k := idx%len(shards), idx/len(shards)
		if k >= len(lines[i]) {
			t.Fatalf("shard %d has %d lines, index %d needs line %d", i, len(lines[i]), idx, k)
		}
		b.WriteString(lines[i][k])
	}
	return b.String()
}

// Four shards of a stateless generator, merged by index, are the
// unsharded run byte for byte; each shard also runs on several workers.
func TestShardsUnionIsUnsharded(t *testing.T) {
	for _, name := range []string{"template-access-log", "template-chance", "quickstart", "script-basic"} {
		t.Run(name, func(t *testing.T) {
			gc := loadExample(t, name, false)
			whole, _ := runSeeded(t, gc, 2, 0, 0)
			const n = 4
			parts := make([]string, n)
			for i := range n {
				var g *Generator
				parts[i], g = runSeeded(t, gc, 2, i, n)
				if st := g.Stats(); st.Timestamps != 1500/n {
					t.Fatalf("shard %d released %d timestamps, want %d", i, st.Timestamps, 1500/n)
				}
			}
			if got := interleave(t, parts); got != whole {
				t.Fatalf("union of %d shards differs from the unsharded run:\n%s\n---\n%s", n, head(got), head(whole))
			}
		})
	}
}

// What a shard cannot do is refused with ErrShardUsage: the http input,
// and time_patterns without a seed.
func TestShardRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) *config.Generator {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		gc, err := config.LoadGenerator(p, config.Vars{})
		if err != nil {
			t.Fatal(err)
		}
		return gc
	}
	if err := os.WriteFile(filepath.Join(dir, "t.jinja"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src string
		seed      bool
		live      bool
		want      string
	}{
		{"http", "input: [{http: {port: 0}}]\nevent: {template: {templates: [{a: {template: t.jinja}}]}}\noutput: [{stdout: {}}]\n", true, false, "http input"},
		{"time_patterns without seed", "input: [{time_patterns: {patterns: [p.yml]}}]\nevent: {template: {templates: [{a: {template: t.jinja}}]}}\noutput: [{stdout: {}}]\n", false, false, "--seed"},
		{"live start now", "input: [{timer: {seconds: 1}}]\nevent: {template: {templates: [{a: {template: t.jinja}}]}}\noutput: [{stdout: {}}]\n", true, true, "absolute start"},
		{"live relative start", "input: [{cron: {expression: '* * * * *', start: '-1h'}}]\nevent: {template: {templates: [{a: {template: t.jinja}}]}}\noutput: [{stdout: {}}]\n", true, true, "absolute start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gc := write(strings.ReplaceAll(tt.name, " ", "_")+".yml", tt.src)
			s := DefaultSettings()
			s.Live = tt.live
			s.Shard, s.Shards = 1, 4
			if tt.seed {
				seed := uint64(1)
				s.Seed = &seed
			}
			_, err := Build(gc, Options{ID: "t", Settings: s})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build: %v, want an error about %q", err, tt.want)
			}
			if !tt.live && !errors.Is(err, ErrShardUsage) {
				t.Fatalf("error %v is not ErrShardUsage", err)
			}
		})
	}
	// A live shard with an absolute start builds.
	gc := write("abs.yml", "input: [{timer: {seconds: 1, start: '2026-01-01T00:00:00Z'}}]\nevent: {template: {templates: [{a: {template: t.jinja}}]}}\noutput: [{stdout: {}}]\n")
	s := DefaultSettings()
	s.Shard, s.Shards = 1, 4
	g, err := Build(gc, Options{ID: "t", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	_ = g.Close()
}

// The parallel path keeps the one-worker path's outcomes: events failing
// in the template are counted (not delivered) the same, dispatch.drop()
// counts, and dispatch.exhaust() ends the run after the same events.
func TestWorkersFailuresAndExhaust(t *testing.T) {
	dir := t.TempDir()
	tmpl := `{% set n = module.rand.number.integer(1, 20) %}` +
		`{% if n == 1 %}{{ 1 // 0 }}{% elif n == 2 %}{{ dispatch.drop() }}{% endif %}` +
		`{% if timestamp.hour >= 1 %}{{ dispatch.exhaust() }}{% endif %}` +
		`{{ timestamp.isoformat() }} {{ n }} {{ module.faker.locale.en.user_name() }}`
	if err := os.WriteFile(filepath.Join(dir, "t.jinja"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(dir, "g.yml")
	src := "input: [{timer: {start: '2026-01-01T00:00:00Z', seconds: 1, repeat: 7200}}]\n" +
		"event: {template: {templates: [{a: {template: t.jinja}}]}}\noutput: [{stdout: {}}]\n"
	if err := os.WriteFile(gen, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	gc, err := config.LoadGenerator(gen, config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		out                              string
		produced, failed, dropped, wrote int64
	}
	runK := func(k int) outcome {
		s := DefaultSettings()
		s.Live = false
		seed := uint64(3)
		s.Seed = &seed
		s.BatchSize = 50
		s.Workers = k
		var out bytes.Buffer
		g, err := Build(gc, Options{ID: "t", Settings: s, Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		if g.Workers() != k {
			t.Fatalf("ran %d workers, want %d", g.Workers(), k)
		}
		var re *RunError
		if err := g.Run(context.Background(), nil); !errors.As(err, &re) {
			t.Fatalf("Run: %v, want a RunError for the failed timestamps", err)
		}
		st := g.Stats()
		return outcome{out.String(), st.Produced, st.ProduceFailed, st.Dropped, st.Outputs[0].Written}
	}
	one := runK(1)
	if one.failed == 0 || one.dropped == 0 || one.produced == 0 || one.produced >= 3600 {
		t.Fatalf("the template did not fail, drop and exhaust: %+v", one)
	}
	if n := int64(strings.Count(one.out, "\n")); n != one.produced || one.wrote != one.produced {
		t.Fatalf("%d lines, %d produced, %d written", n, one.produced, one.wrote)
	}
	four := runK(4)
	// Drops after the exhausting timestamp may have been rendered by a
	// worker ahead of it; everything else is exact.
	four.dropped = one.dropped
	if four != one {
		t.Fatalf("K=4 outcome differs from K=1:\nK=1 produced %d failed %d written %d\nK=4 produced %d failed %d written %d",
			one.produced, one.failed, one.wrote, four.produced, four.failed, four.wrote)
	}
}

// Live shards with an absolute start in the past: every shard numbers the
// timestamps from that start (before skip_past), so the index of a
// timestamp is the same in every shard and in the unsharded run, each
// shard releases only its residue class, and the shards together release
// what the unsharded run releases (from the latest start on).
func TestLiveShardsCountBeforeSkipPast(t *testing.T) {
	start := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	const step = 10 * time.Millisecond
	src := fmt.Sprintf("input: [{timer: {start: %q, seconds: 0.01, repeat: 250}}]\nevent: {test-echo: {}}\noutput: [{test-mem: {name: %%s}}]\n",
		start.UTC().Format("2006-01-02T15:04:05.000Z"))
	type ev struct {
		N  int64 `json:"n"`
		TS int64 `json:"ts"`
	}
	runShard := func(name string, shard, shards int) (map[int64]int64, time.Time) {
		s := DefaultSettings() // live, skip_past
		s.BatchDelay = 10 * time.Millisecond
		s.Shard, s.Shards = shard, shards
		g := build(t, fmt.Sprintf(src, name), s)
		began := g.Env().Now
		if err := g.Run(context.Background(), nil); err != nil {
			t.Error(err)
		}
		got := map[int64]int64{}
		for _, line := range take(name) {
			var e ev
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			idx := e.N - 1
			// The first tick is at start+step. (An unsharded live run lets
			// its inputs skip the past themselves, so it counts from now.)
			if want := (e.TS-start.UnixNano())/int64(step) - 1; shards > 1 && idx != want {
				t.Errorf("%s: timestamp %d has index %d, want %d (counted from the start)", name, e.TS, idx, want)
			}
			if shards > 1 && idx%int64(shards) != int64(shard) {
				t.Errorf("%s: index %d is another shard's", name, idx)
			}
			got[e.TS] = idx
		}
		return got, began
	}
	const n = 3
	var wg sync.WaitGroup
	parts := make([]map[int64]int64, n)
	began := make([]time.Time, n)
	var whole map[int64]int64
	var wholeBegan time.Time
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); parts[i], began[i] = runShard(fmt.Sprintf("live-shard-%d", i), i, n) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); whole, wholeBegan = runShard("live-whole", 0, 0) }()
	wg.Wait()
	latest := slices.MaxFunc(append(began, wholeBegan), time.Time.Compare).UnixNano()
	union := map[int64]bool{}
	for _, p := range parts {
		for ts := range p {
			if ts >= latest {
				if union[ts] {
					t.Errorf("timestamp %d released by two shards", ts)
				}
				union[ts] = true
			}
		}
	}
	want := map[int64]bool{}
	for ts := range whole {
		if ts >= latest {
			want[ts] = true
		}
	}
	if len(want) < 50 || !maps.Equal(union, want) {
		t.Fatalf("shards released %d timestamps after the latest start, the unsharded run %d", len(union), len(want))
	}
}

// BenchmarkWorkers runs the access-log example on the fixed input (1,500
// timestamps) through K event-stage workers into a buffer:
//
//	go test ./pipeline -run '^$' -bench Workers -benchtime 20x
func BenchmarkWorkers(b *testing.B) {
	gc := loadExample(b, "template-access-log", false)
	for _, k := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", k), func(b *testing.B) {
			var events int64
			var total time.Duration
			for range b.N {
				s := DefaultSettings()
				s.Live = false
				seed := uint64(7)
				s.Seed = &seed
				s.Workers = k
				s.BatchSize = 100 // 15 batches to spread over the workers
				var out bytes.Buffer
				g, err := Build(gc, Options{ID: "bench", Settings: s, Stdout: &out})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := g.Run(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				events += g.Stats().Produced
			}
			b.ReportMetric(float64(events)/total.Seconds(), "events/s")
		})
	}
}
