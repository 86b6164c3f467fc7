package cli

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/scripts"
)

var update = flag.Bool("update", false, "rewrite the generated parts of docs/*.md and schema/*.json")

// settingsMarker opens a generated settings table in docs/*.md:
// `<!-- settings: KIND NAME -->` … `<!-- /settings -->`.
var settingsMarker = regexp.MustCompile(`(?s)<!-- settings: ([a-z]+) ([a-z0-9_-]+) -->\n.*?<!-- /settings -->`)

// settingsTypes are the tables that are not one registered plugin's.
var settingsTypes = map[string]struct {
	t      reflect.Type
	shared bool
}{
	"input time_patterns-file": {reflect.TypeFor[inputs.TimePattern](), false},
	"output common":            {reflect.TypeFor[outputs.Common](), true},
	"output tls":               {reflect.TypeFor[outputs.TLSConfig](), true},
	"event template-entry":     {reflect.TypeFor[scripts.TemplateEntry](), false},
	"event template-sample":    {reflect.TypeFor[scripts.SampleConfig](), false},
}

// settingsTable is the generated table for a marker's KIND NAME.
func settingsTable(t *testing.T, plugins map[string]docPlugin, kind, name string) (string, bool) {
	t.Helper()
	if s, ok := settingsTypes[kind+" "+name]; ok {
		return config.SettingsTable(s.t, s.shared), true
	}
	p, ok := plugins[kind+" "+name]
	if !ok {
		return "", false
	}
	return config.SettingsTable(reflect.TypeOf(p.config), false), true
}

// TestDocsSettingsTables checks that every settings table between markers
// in docs/*.md is the one generated from the config structs' tags, and that
// every registered plugin has one. `go test ./cli -run Docs -update`
// regenerates them.
func TestDocsSettingsTables(t *testing.T) {
	plugins := map[string]docPlugin{}
	for _, p := range registeredPlugins(t) {
		plugins[p.kind+" "+p.name] = p
	}
	files, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs: %v", err)
	}
	tabled := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(b)
		out := settingsMarker.ReplaceAllStringFunc(doc, func(m string) string {
			sub := settingsMarker.FindStringSubmatch(m)
			kind, name := sub[1], sub[2]
			tabled[kind+" "+name] = true
			table, ok := settingsTable(t, plugins, kind, name)
			if !ok {
				t.Errorf("%s: settings marker for unknown %s %q", file, kind, name)
				return m
			}
			return "<!-- settings: " + kind + " " + name + " -->\n" + table + "<!-- /settings -->"
		})
		if out == doc {
			continue
		}
		if *update {
			if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: a settings table differs from the config structs' tags; run `go test ./cli -run Docs -update`", file)
	}
	var missing []string
	for k := range plugins {
		if !tabled[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("%s plugin has no generated settings table (`<!-- settings: %s -->` … `<!-- /settings -->` in its docs page)", k, k)
	}
}
