package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type specNested struct {
	Size int `yaml:"size" default:"7" min:"1"`
}

type specConfig struct {
	Count   int          `yaml:"count" default:"1" min:"1" doc:"how many 'things'"`
	Mode    string       `yaml:"mode" default:"all" enum:"all,any,chance"`
	Ratio   float64      `yaml:"ratio" min:"0" max:"1"`
	Every   Duration     `yaml:"every" default:"2" gt:"0"`
	On      bool         `yaml:"on" default:"true"`
	Sep     string       `yaml:"sep" default:"\"\\n\""`
	List    []string     `yaml:"list" min:"1"`
	Limit   *int         `yaml:"limit" min:"1"`
	Batch   specNested   `yaml:"batch"`
	Entries []specNested `yaml:"entries"`
}

func decodeSpec(t *testing.T, src string) (*specConfig, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	c := &specConfig{}
	return c, Decode("t.yml", "p", &n, c)
}

func TestSpecDefaults(t *testing.T) {
	t.Parallel()
	c, err := decodeSpec(t, "entries: [{}, {size: 3}]\non: false\n")
	if err != nil {
		t.Fatal(err)
	}
	want := &specConfig{Count: 1, Mode: "all", Every: Duration(2 * time.Second), On: false, Sep: "\n",
		Batch: specNested{Size: 7}, Entries: []specNested{{Size: 7}, {Size: 3}}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	var fresh specConfig
	if err := ApplyDefaults(&fresh); err != nil || fresh.Count != 1 || !fresh.On || fresh.Batch.Size != 7 {
		t.Errorf("ApplyDefaults = %+v, %v", fresh, err)
	}
}

func TestSpecChecks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"count: 2.5", "t.yml:1:8: p.count: expected an integer, got number 2.5"},
		{"count: 0", "t.yml:1:8: p.count: must be at least 1, got 0"},
		{"mode: anny", `t.yml:1:7: p.mode: must be one of all, any, chance; got "anny" (did you mean "any"?)`},
		{"ratio: 1.5", "p.ratio: must be at most 1, got 1.5"},
		{"every: 0", "p.every: must be greater than 0 seconds, got 0"},
		{"every: 1e-12", "p.every: 1e-12 seconds is shorter than one nanosecond, the smallest duration"},
		{"every: 1e300", "longer than the largest duration"},
		{"list: []", "p.list: at least one item is required, got none"},
		{"limit: 0", "p.limit: must be at least 1, got 0"},
		{"batch: {size: 0}", "p.batch.size: must be at least 1, got 0"},
		{"entries: [{size: -1}]", "p.entries[0].size: must be at least 1, got -1"},
		{`count: "2.5"`, `p.count: expected an integer, got string "2.5"`},
		{`count: "two"`, `p.count: expected an integer, got string "two"`},
		{`count: "0"`, "p.count: must be at least 1, got 0"},
		{`ratio: "x"`, `p.ratio: expected a number, got string "x"`},
	} {
		_, err := decodeSpec(t, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.src, err, tc.want)
		}
	}
	if _, err := decodeSpec(t, "limit: null\nevery: 500ms\nratio: 0.5"); err != nil {
		t.Errorf("valid values refused: %v", err)
	}
	// Quoted numbers (what "${params.n}" gives) are taken as the original
	// takes them.
	if c, err := decodeSpec(t, `{count: "3", ratio: "0.25", limit: " 4 "}`); err != nil || c.Count != 3 || c.Ratio != 0.25 || *c.Limit != 4 {
		t.Errorf("quoted numbers: %+v, %v", c, err)
	}
}

func TestSpecDocs(t *testing.T) {
	t.Parallel()
	if got := Markdown("'a' and the generator's 'b c' ('d')"); got != "`a` and the generator's `b c` (`d`)" {
		t.Errorf("Markdown = %q", got)
	}
	table := SettingsTable(reflect.TypeFor[specConfig](), false)
	for _, row := range []string{
		"| `count` | integer ≥ 1 | `1` | how many `things` |",
		"| `mode` | `all` `any` `chance` | `all` |  |",
		"| `ratio` | number 0–1 | — |  |",
		"| `every` | seconds > 0 | `2` |  |",
		"| `batch.size` | integer ≥ 1 | `7` |  |",
		"| `entries` | list of mappings | — |  |",
	} {
		if !strings.Contains(table, row+"\n") {
			t.Errorf("table lacks %q:\n%s", row, table)
		}
	}
	sc := Schema(reflect.TypeFor[specConfig](), SchemaOptions{})
	props := sc["properties"].(map[string]any)
	if _, ok := props["batch.size"]; !ok {
		t.Error("schema: no dotted key batch.size")
	}
	if sc["additionalProperties"] != false {
		t.Error("schema: additional keys allowed")
	}
	withDefaults := Schema(reflect.TypeFor[specConfig](), SchemaOptions{Defaults: specConfig{Ratio: 0.5, Batch: specNested{Size: 9}}})
	wp := withDefaults["properties"].(map[string]any)
	if wp["ratio"].(map[string]any)["default"] != 0.5 || wp["batch.size"].(map[string]any)["default"] != 7 {
		t.Errorf("schema defaults: ratio %v, batch.size %v (the tag wins over the value)", wp["ratio"], wp["batch.size"])
	}
	count := props["count"].(map[string]any)
	if count["default"] != 1 || count["description"] != "how many `things`" || count["anyOf"] == nil {
		t.Errorf("schema of count: %v", count)
	}
}
