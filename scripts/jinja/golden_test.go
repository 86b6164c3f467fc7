package jinja

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

var update = flag.Bool("update", false, "rewrite the output sections of testdata/golden/*.txt")

// A golden case is a text file of sections introduced by "-- name --"
// lines: "template" (the template, named t.jinja), "context" (JSON object:
// globals; "timestamp" and "tags" are the render arguments), "output" (the
// expected rendering) or "error" (the expected error text), and any number
// of "file NAME" sections that the loader serves.
type goldenCase struct {
	order    []string
	sections map[string]string
}

func parseGolden(data string) *goldenCase {
	gc := &goldenCase{sections: map[string]string{}}
	var cur string
	var buf strings.Builder
	flush := func() {
		if cur != "" {
			gc.sections[cur] = strings.TrimSuffix(buf.String(), "\n")
			gc.order = append(gc.order, cur)
		}
		buf.Reset()
	}
	for _, line := range strings.SplitAfter(data, "\n") {
		l := strings.TrimRight(line, "\n")
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) > 6 {
			flush()
			cur = l[3 : len(l)-3]
			continue
		}
		buf.WriteString(line)
	}
	flush()
	return gc
}

func (gc *goldenCase) format() string {
	var b strings.Builder
	for _, name := range gc.order {
		fmt.Fprintf(&b, "-- %s --\n%s\n", name, gc.sections[name])
	}
	return b.String()
}

// toStarlark converts decoded JSON (with json.Number) to Starlark values.
func toStarlark(v any) starlark.Value {
	switch x := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return starlark.MakeInt64(i)
		}
		f, _ := x.Float64()
		return starlark.Float(f)
	case string:
		return starlark.String(x)
	case []any:
		l := make([]starlark.Value, len(x))
		for i, e := range x {
			l[i] = toStarlark(e)
		}
		return starlark.NewList(l)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(x))
		for _, k := range keys {
			_ = d.SetKey(starlark.String(k), toStarlark(x[k]))
		}
		return d
	}
	panic(fmt.Sprintf("unexpected JSON value %T", v))
}

func renderCase(gc *goldenCase) (string, error) {
	ctx := map[string]any{}
	if c := gc.sections["context"]; strings.TrimSpace(c) != "" {
		dec := json.NewDecoder(strings.NewReader(c))
		dec.UseNumber()
		if err := dec.Decode(&ctx); err != nil {
			return "", fmt.Errorf("bad context: %v", err)
		}
	}
	globals := starlark.StringDict{}
	var names []string
	for k, v := range ctx {
		if k == "timestamp" || k == "tags" {
			continue
		}
		globals[k] = toStarlark(v)
		names = append(names, k)
	}
	opts := Options{
		Globals: names,
		Loader: func(name string) (string, error) {
			if s, ok := gc.sections["file "+name]; ok {
				return s, nil
			}
			return "", fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		},
	}
	t, err := Compile("t.jinja", gc.sections["template"], opts)
	if err != nil {
		return "", err
	}
	th := &starlark.Thread{Name: "golden"}
	th.SetLocal("rand", rand.New(rand.NewPCG(1, 2)))
	in, err := t.NewInstance(th, globals)
	if err != nil {
		return "", err
	}
	var ts starlark.Value = starlark.None
	if v, ok := ctx["timestamp"]; ok {
		ts = toStarlark(v)
	}
	tags := starlark.Tuple{}
	if v, ok := ctx["tags"].([]any); ok {
		for _, e := range v {
			tags = append(tags, toStarlark(e))
		}
	}
	out, err := in.Render(th, nil, ts, tags)
	if err != nil {
		return "", err
	}
	// Render twice: the second render must give the same text (state is
	// per render) unless the template uses random values.
	out2, err := in.Render(th, nil, ts, tags)
	if err != nil {
		return "", fmt.Errorf("second render: %v", err)
	}
	if !bytes.Equal(out, out2) && !strings.Contains(gc.sections["template"], "random") {
		return "", fmt.Errorf("second render differs: %q vs %q", out, out2)
	}
	return string(out), nil
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			gc := parseGolden(string(data))
			out, err := renderCase(gc)
			_, wantErr := gc.sections["error"]
			if *update {
				if wantErr {
					if err == nil {
						t.Fatalf("expected an error, got output %q", out)
					}
					gc.sections["error"] = err.Error()
				} else {
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := gc.sections["output"]; !ok {
						gc.order = append(gc.order, "output")
					}
					gc.sections["output"] = out
				}
				if err := os.WriteFile(file, []byte(gc.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantErr {
				if err == nil {
					t.Fatalf("expected error %q, got output %q", gc.sections["error"], out)
				}
				if err.Error() != gc.sections["error"] {
					t.Fatalf("error:\n got  %s\n want %s", err, gc.sections["error"])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := gc.sections["output"]; out != want {
				t.Fatalf("output mismatch\n got: %q\nwant: %q", out, want)
			}
		})
	}
}
