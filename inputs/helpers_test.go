package inputs

import (
	"context"
	"slices"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testEnv(loc *time.Location) *plugin.Env {
	if loc == nil {
		loc = time.UTC
	}
	return &plugin.Env{ID: "test", Location: loc, Now: testNow, Dir: "testdata"}
}

// build builds the input plugin name from its YAML settings.
func build(t testing.TB, name, src string, env *plugin.Env) (Input, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	var node *yaml.Node
	if len(n.Content) > 0 {
		node = n.Content[0]
	}
	p := config.Plugin{Name: name, File: "t.yml", Path: "input[0]." + name, Node: node}
	in, _, err := Registry.Build(p, env)
	return in, err
}

func mustBuild(t testing.TB, name, src string, env *plugin.Env) Input {
	t.Helper()
	in, err := build(t, name, src, env)
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return in
}

// collect runs in to completion and returns all its timestamps, checking the
// emit contract (non-empty runs of at most chunkSize, ascending).
func collect(t *testing.T, in Input) []int64 {
	t.Helper()
	var all []int64
	err := in.Generate(context.Background(), func(ts []int64) error {
		if len(ts) == 0 || len(ts) > chunkSize {
			t.Fatalf("emit got %d timestamps, want 1..%d", len(ts), chunkSize)
		}
		all = append(all, ts...)
		return nil
	})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if !slices.IsSorted(all) {
		t.Fatalf("timestamps are not ascending")
	}
	return all
}

func ts(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixNano()
}
