package config

import (
	"strings"
	"testing"
)

// A secret that a yaml.Unmarshaler (Duration here) rejects must not be
// quoted in the error either.
func TestSecretNotQuotedByUnmarshalerErrors(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_DELAY_PW", "hunter2")
	doc, err := Parse("gen.yml", []byte("path: a\ninner: {delay: \"${secrets.delay_pw}\"}\n"), Vars{})
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	err = doc.Decode(&s)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "inner.delay") {
		t.Fatalf("error %v", err)
	}
}

// An expression over a secret that fails must not quote the secret.
func TestSecretNotQuotedByExpressionErrors(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_PORT_PW", "hunter2")
	for _, src := range []string{
		"count: ${int(secrets.port_pw)}\n",
		"count: ${params[secrets.port_pw]}\n",
	} {
		_, err := Parse("gen.yml", []byte(src), Vars{})
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "gen.yml:1:8: count:") {
			t.Errorf("%q: error %v", src, err)
		}
	}
}

// TOML local date-times have no zone: like zone-less YAML values they must
// stay zone-less (the generator's --timezone applies), not gain the zone of
// the machine that parsed them.
func TestTOMLLocalDateTimesStayZoneless(t *testing.T) {
	t.Parallel()
	var out struct {
		Start string `yaml:"start"`
		Day   string `yaml:"day"`
		At    string `yaml:"at"`
		Abs   string `yaml:"abs"`
	}
	doc, err := Parse("g.toml", []byte("start = 2024-01-02T10:30:00\nday = 2024-01-02\nat = 10:30:00\nabs = 2024-01-02T10:30:00+02:00\n"), Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Start != "2024-01-02T10:30:00" || out.Day != "2024-01-02" || out.At != "10:30:00" || out.Abs != "2024-01-02T10:30:00+02:00" {
		t.Fatalf("got %+v", out)
	}
}

// YAML merge keys reuse an anchored mapping; keys written next to `<<` win.
func TestMergeKeys(t *testing.T) {
	t.Parallel()
	var s struct {
		A map[string]any `yaml:"a"`
		B sample         `yaml:"b"`
		C sample         `yaml:"c"`
	}
	src := `a: &base {path: p, count: 3, inner.size: 4}
b:
  <<: *base
  count: 5
c:
  <<: [*base, {rate: 1.5}]
`
	if err := decodeYAML(t, src, &s); err != nil {
		t.Fatal(err)
	}
	if s.B.Path != "p" || s.B.Count != 5 || s.B.Inner.Size != 4 || s.C.Count != 3 || s.C.Rate != 1.5 {
		t.Fatalf("got b=%+v c=%+v", s.B, s.C)
	}
	if err := decodeYAML(t, "b:\n  <<: 3\n", &s); err == nil || !strings.Contains(err.Error(), "gen.yml:2:7: b.<<:") {
		t.Fatalf("merge of a scalar: error %v", err)
	}
}

// A whole-value substitution of an empty (or "null"-looking) string is a
// string, not null: an empty secret password decodes as "".
func TestEmptyStringSubstitutionIsAString(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_EMPTY_PW", "")
	doc, err := Parse("gen.yml", []byte("path: ${secrets.empty_pw}\ntags:\n  - \"${params.n}\"\n  - ${params.n}\n  - x${params.e}\n"),
		Vars{Params: map[string]any{"n": "null", "e": ""}})
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	if err := doc.Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Path != "" || strings.Join(s.Tags, ",") != "null,null,x" {
		t.Fatalf("got %+v", s)
	}
}
