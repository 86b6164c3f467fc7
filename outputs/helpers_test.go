package outputs

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// build makes output `name` from its YAML settings, with paths relative to dir.
func build(t testing.TB, name, src, dir string) (Output, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	var node *yaml.Node
	if len(n.Content) > 0 {
		node = n.Content[0]
	}
	p := config.Plugin{Name: name, File: "t.yml", Path: "output[0]." + name, Node: node}
	out, _, err := Registry.Build(p, &plugin.Env{Dir: dir})
	return out, err
}

func mustBuild(t testing.TB, name, src, dir string) Output {
	t.Helper()
	out, err := build(t, name, src, dir)
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return out
}

func mustOpen(t testing.TB, o Output) {
	t.Helper()
	if err := o.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
}

func mustWrite(t testing.TB, o Output, payloads ...string) {
	t.Helper()
	n, err := o.Write(context.Background(), payloads)
	if err != nil || n != len(payloads) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(payloads))
	}
}

func mustClose(t testing.TB, o Output) {
	t.Helper()
	if err := o.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s: got\n%q\nwant\n%q", name, got, want)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}
