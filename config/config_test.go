package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type sample struct {
	Path  string   `yaml:"path" required:"true"`
	Count int      `yaml:"count"`
	Rate  float64  `yaml:"rate"`
	Tags  []string `yaml:"tags"`
	Inner struct {
		Size  int      `yaml:"size"`
		Delay Duration `yaml:"delay"`
	} `yaml:"inner"`
	Vars map[string]any `yaml:"vars"`
}

func decodeYAML(t *testing.T, src string, out any) error {
	t.Helper()
	doc, err := Parse("gen.yml", []byte(src), Vars{})
	if err != nil {
		return err
	}
	return Decode(doc.File, "", doc.Root, out)
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string // substrings of the error, in order
	}{
		{"unknown key", "path: a\ncoutn: 3\n", []string{`gen.yml:2:1: coutn: unknown key "coutn" (did you mean "count"?)`}},
		{"wrong type", "path: a\ncount: many\n", []string{`gen.yml:2:8: count: expected an integer, got string "many"`}},
		{"missing required", "count: 3\n", []string{`gen.yml:1:1: missing required key "path"`}},
		{"nested unknown", "path: a\ninner:\n  sise: 3\n", []string{`gen.yml:3:3: inner.sise: unknown key "sise"`}},
		{"list item type", "path: a\ntags: [a, [b]]\n", []string{`tags[1]: expected a string, got a list`}},
		{"all problems listed", "count: x\nbogus: 1\n", []string{`count: expected an integer`, `unknown key "bogus"`, `missing required key "path"`}},
		{"bad duration", "path: a\ninner: {delay: soon}\n", []string{`inner.delay: expected seconds`}},
		{"dotted conflict", "path: a\ninner: 3\ninner.size: 4\n", []string{`dotted key "inner.size" conflicts`}},
		{"yaml syntax", "path: [a\n", []string{`gen.yml:1: invalid YAML`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s sample
			err := decodeYAML(t, tc.src, &s)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			msg := err.Error()
			for _, w := range tc.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error %q lacks %q", msg, w)
				}
				msg = msg[i+len(w):]
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	t.Parallel()
	var s sample
	s.Count = 7 // default kept when absent
	src := "path: out.log\nrate: 2\ntags: [a, b]\ninner.size: 5\ninner.delay: 250ms\nvars: {\"a.b\": 1, c: [1, x]}\n"
	if err := decodeYAML(t, src, &s); err != nil {
		t.Fatal(err)
	}
	if s.Path != "out.log" || s.Count != 7 || s.Rate != 2 || len(s.Tags) != 2 || s.Inner.Size != 5 {
		t.Fatalf("decoded %+v", s)
	}
	if s.Inner.Delay.D().Milliseconds() != 250 {
		t.Fatalf("delay %v", s.Inner.Delay.D())
	}
	if _, ok := s.Vars["a.b"]; !ok {
		t.Fatalf("quoted dotted key was expanded: %v", s.Vars)
	}
}

func TestSubstitution(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_DB_PASSWORD", "s3cret: #x")
	vars := Vars{Params: map[string]any{"host": "db.local", "port": 5432, "hosts": []any{"a", "b"}}}
	src := `path: "postgres://${params.host}:${params.port}/x"
count: ${params.port}
tags: ${params.hosts}
vars: {pw: "${secrets.db_password}", d: '${params.get("missing", "dflt")}'}
`
	doc, err := Parse("gen.yml", []byte(src), vars)
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	if err := doc.Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Path != "postgres://db.local:5432/x" || s.Count != 5432 || strings.Join(s.Tags, ",") != "a,b" {
		t.Fatalf("got %+v", s)
	}
	if s.Vars["pw"] != "s3cret: #x" || s.Vars["d"] != "dflt" {
		t.Fatalf("vars %v", s.Vars)
	}
}

func TestSubstitutionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"path: ${params.nope}\n", `gen.yml:1:7: path: ${params.nope}: param "nope" is not defined`},
		{"path: ${secrets.nope_zz}\n", `secret "nope_zz" is not set (set the environment variable EVENTUM_SECRET_NOPE_ZZ`},
		{"path: ${params.\n", `unterminated ${`},
		{"path: ${1 +}\n", `path: ${1 +}:`},
	} {
		_, err := Parse("gen.yml", []byte(tc.src), Vars{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestGeneratorFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yml := filepath.Join(dir, "g.yml")
	os.WriteFile(yml, []byte("input:\n  - static: {count: 3}\nevent:\n  script: {path: p.star}\noutput:\n  - stdout:\n  - file: {path: x}\n"), 0o644)
	g, err := LoadGenerator(yml, Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Input) != 1 || g.Input[0].Name != "static" || g.Event.Name != "script" || len(g.Output) != 2 || g.Output[0].Node != nil {
		t.Fatalf("got %+v", g)
	}
	if g.Output[1].Path != "output[1].file" || g.Dir != dir {
		t.Fatalf("path %q dir %q", g.Output[1].Path, g.Dir)
	}

	toml := filepath.Join(dir, "g.toml")
	os.WriteFile(toml, []byte("[[input]]\n[input.static]\ncount = 3\n[event.script]\npath = \"p.star\"\n[[output]]\n[output.stdout]\n"), 0o644)
	g, err = LoadGenerator(toml, Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Input[0].Name != "static" || g.Event.Name != "script" || g.Output[0].Name != "stdout" {
		t.Fatalf("toml got %+v", g)
	}

	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("input: []\nevent:\n  a: {}\n  b: {}\noutput:\n  - stdout: 3\n"), 0o644)
	_, err = LoadGenerator(bad, Vars{})
	for _, want := range []string{"bad.yml:1: input: at least one input plugin is required", "bad.yml:3:3: event: expected one plugin", "output[0].stdout: expected the plugin's settings as a mapping"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestRawPlugin(t *testing.T) {
	t.Parallel()
	var out struct {
		Formatter *Raw `yaml:"formatter"`
	}
	if err := decodeYAML(t, "formatter: {format: json, indent: 2}\n", &out); err != nil {
		t.Fatal(err)
	}
	p, err := out.Formatter.Plugin("format")
	if err != nil || p.Name != "json" {
		t.Fatalf("plugin %+v err %v", p, err)
	}
	var cfg struct {
		Indent int `yaml:"indent"`
	}
	if err := p.Decode(&cfg, "format"); err != nil || cfg.Indent != 2 {
		t.Fatalf("cfg %+v err %v", cfg, err)
	}
	var n yaml.Node
	yaml.Unmarshal([]byte("indent: 2"), &n)
	if _, err := (&Raw{File: "f", Node: n.Content[0]}).Plugin("format"); err == nil || !strings.Contains(err.Error(), `missing required key "format"`) {
		t.Fatalf("err %v", err)
	}
}

func TestParseParam(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		k    string
		want any
	}{
		{"n=5", "n", 5}, {"host=db:5432", "host", "db:5432"}, {"on=true", "on", true}, {"l=[a, b]", "l", []any{"a", "b"}}, {"e=", "e", ""},
	} {
		k, v, err := ParseParam(tc.in)
		if err != nil || k != tc.k || !equalAny(v, tc.want) {
			t.Errorf("%s → %q %#v %v", tc.in, k, v, err)
		}
	}
	if _, _, err := ParseParam("novalue"); err == nil {
		t.Error("want error for missing =")
	}
}

func equalAny(a, b any) bool {
	return strings.TrimSpace(yamlString(a)) == strings.TrimSpace(yamlString(b))
}

func yamlString(v any) string { b, _ := yaml.Marshal(v); return string(b) }

func TestSecretsNeverQuotedInErrors(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_PORT_PW", "hunter2")
	doc, err := Parse("gen.yml", []byte("path: a\ncount: ${secrets.port_pw}\ninner: {size: \"x${secrets.port_pw}\"}\n"), Vars{})
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	err = doc.Decode(&s)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "count: expected an integer, got a value substituted from a secret") {
		t.Fatalf("error %v", err)
	}
}
