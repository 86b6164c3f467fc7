package scripts

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// A sharded replay takes lines i, i+n, ... of the file, across repeats:
// the shards together replay every line once, in order by index.
func TestReplayShards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var lines []string
	for i := range 7 {
		lines = append(lines, "line "+string(rune('a'+i)))
	}
	if err := os.WriteFile(filepath.Join(dir, "f.log"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, repeat := range []bool{false, true} {
		const n = 3
		want := slices.Clone(lines)
		max := len(lines)
		if repeat {
			want = append(want, lines...) // two passes
			max = 2 * len(lines)
		}
		// Shard i replays want[i], want[i+n], ...; interleaving the shards
		// by index gives want back.
		var got [n][]string
		for i := range n {
			env := replayEnv(dir)
			env.ShardIndex, env.ShardCount = i, n
			src := "{path: f.log}"
			if repeat {
				src = "{path: f.log, repeat: true}"
			}
			r := mustReplay(t, src, env)
			count := (max - i + n - 1) / n
			got[i], _ = drain(t, r, count)
			if !repeat {
				if _, exhausted := drain(t, r, 1); !exhausted {
					t.Fatalf("shard %d did not end after its %d lines", i, count)
				}
			}
		}
		var merged []string
		for idx := range max {
			merged = append(merged, got[idx%n][idx/n])
		}
		if !slices.Equal(merged, want) {
			t.Fatalf("repeat=%v: shards merged by index give %q, want %q", repeat, merged, want)
		}
	}
}

// Templates and scripts see shard.index and shard.count.
func TestShardGlobal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.jinja"), []byte("{{ shard.index }}/{{ shard.count }}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s.star"), []byte("def produce(p):\n    return '%d/%d' % (shard.index, shard.count)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		index, count int
		want         string
	}{{0, 0, "0/1"}, {2, 4, "2/4"}} {
		env := templateEnv(dir, 1, [][]string{nil})
		env.ShardIndex, env.ShardCount = tc.index, tc.count
		for _, p := range []struct{ name, src string }{
			{"template", "{templates: [{a: {template: t.jinja}}]}"},
			{"script", "{path: s.star}"},
		} {
			prod := buildPlugin(t, p.name, p.src, env)
			out, err := prod.Produce(0, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || out[0] != tc.want {
				t.Errorf("%s with shard %d/%d: %q, want %q", p.name, tc.index, tc.count, out, tc.want)
			}
		}
	}
}

// buildPlugin builds the event plugin name from YAML settings for env.
func buildPlugin(t *testing.T, name, src string, env *plugin.Env) Producer {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	prod, _, err := Registry.Build(config.Plugin{Name: name, File: "g.yml", Path: "event." + name, Node: n.Content[0]}, env)
	if err != nil {
		t.Fatal(err)
	}
	return prod
}
