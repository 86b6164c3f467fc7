package formatters

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/config"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// raw parses src as an output's `formatter:` mapping.
func raw(t testing.TB, src string) *config.Raw {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return &config.Raw{File: "t.yml", Path: "output[0].file.formatter", Node: n.Content[0]}
}

func build(t testing.TB, src string) Formatter {
	t.Helper()
	f, err := Build(raw(t, src), "plain", nil)
	if err != nil {
		t.Fatalf("Build(%q): %v", src, err)
	}
	return f
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	events := []string{
		`{"a": 1, "b": [1, 2]}`,
		"{\n  \"multi\": \"line\"\n}\n",
		`not json`,
		`"text"`,
		`{"unterminated": `,
		`42`,
	}
	tests := []struct {
		name, cfg string
		events    []string
		failed    int
		counts    []int
		nPayloads int
	}{
		{"plain", "format: plain", events, 0, nil, 6},
		{"json", "format: json", events, 2, nil, 4},
		{"json_indent2", "{format: json, indent: 2}", events, 2, nil, 4},
		{"json_batch", "format: json-batch", events, 2, []int{4}, 1},
		{"json_batch_indent2", "{format: json-batch, indent: 2}", events, 2, []int{4}, 1},
		{"json_batch_all_invalid", "format: json-batch", []string{"x", "{"}, 2, nil, 0},
		{"eventum_http_input", "format: eventum-http-input", events, 0, []int{6}, 1},
		{"eventum_http_input_empty", "format: eventum-http-input", nil, 0, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := build(t, tc.cfg)
			var out Formatted
			f.Format(tc.events, &out)
			if out.Failed != tc.failed {
				t.Errorf("Failed = %d, want %d (errors %v)", out.Failed, tc.failed, out.Errors)
			}
			if len(out.Errors) != min(tc.failed, MaxErrors) {
				t.Errorf("len(Errors) = %d, want %d", len(out.Errors), tc.failed)
			}
			if fmt.Sprint(out.Counts) != fmt.Sprint(tc.counts) {
				t.Errorf("Counts = %v, want %v", out.Counts, tc.counts)
			}
			if len(out.Payloads) != tc.nPayloads {
				t.Fatalf("got %d payloads, want %d: %q", len(out.Payloads), tc.nPayloads, out.Payloads)
			}
			golden(t, tc.name, strings.Join(out.Payloads, "\n---\n")+"\n")
		})
	}
}

func TestJSONErrorsNameTheEvent(t *testing.T) {
	t.Parallel()
	var out Formatted
	build(t, "format: json").Format([]string{`{"a": }`}, &out)
	if out.Failed != 1 || !strings.Contains(out.Errors[0].Error(), `{\"a\": }`) ||
		!strings.Contains(out.Errors[0].Error(), "invalid character") {
		t.Fatalf("errors = %v", out.Errors)
	}
}

func TestFormattedReuse(t *testing.T) {
	t.Parallel()
	f := build(t, "format: json-batch")
	var out Formatted
	f.Format([]string{`1`, `2`}, &out)
	first := out.Payloads[0]
	f.Format([]string{`3`}, &out)
	if first != "[1,2]" || out.Payloads[0] != "[3]" || len(out.Payloads) != 1 {
		t.Fatalf("first %q, second %q", first, out.Payloads)
	}
}

func TestPlainIsZeroCopy(t *testing.T) {
	t.Parallel()
	events := []string{"abc", "def"}
	var out Formatted
	build(t, "format: plain").Format(events, &out)
	if len(out.Payloads) != 2 ||
		unsafeData(out.Payloads[1]) != unsafeData(events[1]) {
		t.Fatal("plain copied the events")
	}
}

func unsafeData(s string) *byte { return &bytesOf(s)[0] }

func TestBuild(t *testing.T) {
	t.Parallel()
	if f, err := Build(nil, "json-batch", nil); err != nil {
		t.Fatal(err)
	} else if _, ok := f.(*JSONBatch); !ok {
		t.Fatalf("default formatter is %T", f)
	}
	if _, err := Build(nil, "nope", nil); err == nil {
		t.Fatal("unknown default format accepted")
	}
	bad := []struct{ src, want string }{
		{"{format: xml}", `unknown formatter plugin "xml"`},
		{"{format: json, indnt: 2}", `t.yml:1:16: output[0].file.formatter.indnt: unknown key "indnt" (did you mean "indent"?)`},
		{"{format: json, indent: -1}", "indent: must be at least 0"},
		{"{format: json, indent: two}", "expected an integer"},
		{"{indent: 2}", `missing required key "format"`},
		{"json", `expected a mapping with a "format" key`},
		{"{format: plain, indent: 2}", `unknown key "indent" (this plugin takes no settings)`},
	}
	for _, tc := range bad {
		_, err := Build(raw(t, tc.src), "plain", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%s): error %v, want it to contain %q", tc.src, err, tc.want)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	event := `{"ts":"2024-01-01T00:00:00Z","host":"web-01","method":"GET","path":"/index.html","status":200,"bytes":5120,"ua":"Mozilla/5.0"}`
	events := make([]string, 1000)
	for i := range events {
		events[i] = event
	}
	for _, cfg := range []string{"format: plain", "format: json", "format: json-batch"} {
		b.Run(strings.TrimPrefix(cfg, "format: "), func(b *testing.B) {
			f := build(b, cfg)
			var out Formatted
			b.ReportAllocs()
			for b.Loop() {
				f.Format(events, &out)
			}
			b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "events/s")
		})
	}
}
