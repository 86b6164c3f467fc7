package jinja

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// conformanceDir holds one template per feature (NAME.jinja) and what
// Python's Jinja2 3.1.6 renders from it (NAME.out), produced by render.py
// there; lib/ holds templates they include or import. -update runs
// render.py (python3 with Jinja2 3.1.6 installed) before comparing.
const conformanceDir = "testdata/conformance"

// TestConformance renders every conformance template as the template
// plugin does (names resolved against the folder, the loader root) and
// compares the output with Jinja2's byte for byte.
func TestConformance(t *testing.T) {
	if *update {
		cmd := exec.Command("python3", "render.py")
		cmd.Dir = conformanceDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("render.py: %v\n%s", err, out)
		}
	}
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.jinja"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance templates: %v", err)
	}
	loader := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(conformanceDir, filepath.FromSlash(name)))
		return string(b), err
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".jinja"), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(file, ".jinja") + ".out")
			if err != nil {
				t.Fatalf("no expected output (run with -update): %v", err)
			}
			tm, err := Compile(name, string(src), Options{Loader: loader})
			if err != nil {
				t.Fatal(err)
			}
			th := &starlark.Thread{Name: name}
			in, err := tm.NewInstance(th, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := in.Render(th, nil, starlark.None, starlark.Tuple{})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("output differs from Jinja2's\n%s", lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff lists the lines that differ (want, then got).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			b.WriteString("line " + itoa(i+1) + ":\n  jinja2: " + quote(wl, i < len(w)) + "\n  ours:   " + quote(gl, i < len(g)) + "\n")
		}
	}
	return b.String()
}

func itoa(n int) string { return starlark.MakeInt(n).String() }

func quote(s string, present bool) string {
	if !present {
		return "(no line)"
	}
	return pyRepr(starlark.String(s))
}
