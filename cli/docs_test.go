package cli

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/formatters"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/scripts"
)

// docKey is one yaml key of a plugin's config.
type docKey struct {
	path string // key path from the config's root, e.g. templates.transitions.to
	name string // the key itself
	// shared: the key comes from an embedded struct (inputs.Common,
	// outputs.Common, outputs.TLSConfig) and is documented once per file.
	shared bool
}

var (
	docUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	docLeafTypes   = map[reflect.Type]bool{
		reflect.TypeFor[config.Raw]():    true,
		reflect.TypeFor[config.Plugin](): true,
	}
)

// configKeys lists the yaml keys of the struct type t the way config.Decode
// matches them: `yaml:"name"` tags, untagged fields lower-cased, anonymous
// embedded structs (untagged or `,inline`) flattened; the keys of structs
// nested in fields, pointers, slices and map values follow their parent's.
func configKeys(t reflect.Type) []docKey {
	var keys []docKey
	seen := map[reflect.Type]bool{}
	var walkStruct func(t reflect.Type, prefix string, shared bool)
	var walkType func(t reflect.Type, prefix string, shared bool)
	walkType = func(t reflect.Type, prefix string, shared bool) {
		for {
			if docLeafTypes[t] || reflect.PointerTo(t).Implements(docUnmarshaler) {
				return // decoded by its own rules: no keys of its own
			}
			switch t.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
				t = t.Elem()
				continue
			case reflect.Struct:
				if seen[t] { // recursive types
					return
				}
				seen[t] = true
				walkStruct(t, prefix, shared)
				delete(seen, t)
			}
			return
		}
	}
	walkStruct = func(t reflect.Type, prefix string, shared bool) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && (tag == "" || strings.Contains(opts, "inline")) {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walkStruct(ft, prefix, true)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			keys = append(keys, docKey{path: path, name: name, shared: shared})
			walkType(f.Type, path, shared)
		}
	}
	walkType(t, "", false)
	return keys
}

// docSection returns the part of doc under the `## ` heading naming plugin
// (up to the next `## ` or `# ` heading), or "" when there is none.
func docSection(doc, plugin string) string {
	lines := strings.Split(doc, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "## ") || strings.HasPrefix(l, "# ") {
			if start >= 0 {
				return strings.Join(lines[start:i], "\n")
			}
			title := strings.TrimLeft(l, "# ")
			for _, w := range strings.FieldsFunc(title, func(r rune) bool { return r == ',' || r == ' ' || r == '`' }) {
				if w == plugin {
					start = i
					break
				}
			}
		}
	}
	if start >= 0 {
		return strings.Join(lines[start:], "\n")
	}
	return ""
}

type docPlugin struct {
	kind, name string
	config     any
}

func registeredPlugins(t *testing.T) []docPlugin {
	t.Helper()
	var out []docPlugin
	add := func(kind string, names []string, lookup func(string) (func() any, bool)) {
		if len(names) == 0 {
			t.Fatalf("no %s plugins registered", kind)
		}
		for _, n := range names {
			if strings.HasPrefix(n, "test-") {
				continue
			}
			newConfig, ok := lookup(n)
			if !ok {
				t.Fatalf("%s plugin %q listed but not found", kind, n)
			}
			out = append(out, docPlugin{kind: kind, name: n, config: newConfig()})
		}
	}
	add("input", inputs.Registry.Names(), func(n string) (func() any, bool) {
		s, ok := inputs.Registry.Lookup(n)
		return s.NewConfig, ok
	})
	add("event", scripts.Registry.Names(), func(n string) (func() any, bool) {
		s, ok := scripts.Registry.Lookup(n)
		return s.NewConfig, ok
	})
	add("output", outputs.Registry.Names(), func(n string) (func() any, bool) {
		s, ok := outputs.Registry.Lookup(n)
		return s.NewConfig, ok
	})
	add("formatter", formatters.Registry.Names(), func(n string) (func() any, bool) {
		s, ok := formatters.Registry.Lookup(n)
		return s.NewConfig, ok
	})
	return out
}

// docFile is the documentation of a plugin, relative to the repository root;
// shared tells a file documenting several plugins, one `## name` section each.
func docFile(kind, name string) (file string, shared bool) {
	switch kind {
	case "input":
		return "docs/inputs.md", true
	case "formatter":
		return "docs/formatters.md", true
	case "output":
		switch name {
		case "postgres":
			return "docs/outputs-postgres.md", false
		case "kafka":
			return "docs/outputs-kafka.md", false
		case "baseplate":
			return "docs/baseplate.md", false
		case "otlp":
			return "docs/outputs-otlp.md", false
		}
		return "docs/outputs.md", true
	case "event":
		switch name {
		case "template":
			return "docs/templates.md", false
		case "script":
			return "docs/starlib.md", false
		case "replay":
			return "docs/replay.md", false
		}
	}
	return "", false
}

// missingDocs checks one plugin against its doc text: the plugin's name and
// every key must appear in backticks. In a file documenting several plugins
// (sectioned: one `## name` section each) the plugin must have its section
// and its own keys must be in it; shared keys (from embedded structs) may be
// anywhere in the file.
func missingDocs(doc string, p docPlugin, sectioned bool) []string {
	var missing []string
	section := doc
	if sectioned {
		section = docSection(doc, p.name)
		if section == "" {
			return []string{"section ## " + p.name}
		}
	} else if !strings.Contains(doc, "`"+p.name+"`") {
		missing = append(missing, "plugin name "+p.name)
	}
	for _, k := range configKeys(reflect.TypeOf(p.config)) {
		where := section
		if k.shared {
			where = doc
		}
		if !strings.Contains(where, "`"+k.name+"`") && !strings.Contains(where, "`"+k.path+"`") {
			missing = append(missing, "key "+k.path)
		}
	}
	return missing
}

// TestDocsCoverPluginSettings checks that every registered plugin and every
// key of its config is documented.
func TestDocsCoverPluginSettings(t *testing.T) {
	docs := map[string]string{}
	read := func(file string) string {
		if s, ok := docs[file]; ok {
			return s
		}
		b, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
		docs[file] = string(b)
		return docs[file]
	}
	plugins := registeredPlugins(t)
	// Pattern files of the time_patterns input are configuration too.
	plugins = append(plugins, docPlugin{kind: "input", name: "time_patterns", config: &inputs.TimePattern{}})
	type docPlace struct{ file, plugin string }
	known := map[docPlace]map[string]bool{} // the keys of each documented plugin
	sectionedFile := map[docPlace]bool{}
	for _, p := range plugins {
		file, sectioned := docFile(p.kind, p.name)
		if file == "" {
			t.Errorf("%s plugin %q: no doc file is known for it; add it to docFile", p.kind, p.name)
			continue
		}
		for _, m := range missingDocs(read(file), p, sectioned) {
			t.Errorf("%s: %s plugin %q: %s is not documented (as `...`)", file, p.kind, p.name, m)
		}
		place := docPlace{file, p.name}
		if known[place] == nil {
			known[place] = map[string]bool{}
		}
		for _, k := range configKeys(reflect.TypeOf(p.config)) {
			known[place][k.name] = true
			known[place][k.path] = true // generated tables name nested keys by their path
			// ... from the struct of the table, which may be a list's entry
			// (templates[].burst.count is `burst.count` in the entry table).
			for p := k.path; strings.Contains(p, "."); {
				_, p, _ = strings.Cut(p, ".")
				known[place][p] = true
			}
		}
		sectionedFile[place] = sectioned
	}
	// The other way round: a key in a plugin's `| key |` tables must exist.
	for place, keys := range known {
		text := read(place.file)
		if sectionedFile[place] {
			text = docSection(text, place.plugin)
		}
		for _, k := range tableKeys(text) {
			if !keys[k] {
				t.Errorf("%s: %s: documented key `%s` is not a setting of the plugin", place.file, place.plugin, k)
			}
		}
	}
}

// tableKeys returns the backticked words in the first column of the tables
// of text whose first header cell is "key".
func tableKeys(text string) []string {
	var keys []string
	inKeys := false
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "|") {
			inKeys = false
			continue
		}
		cells := strings.Split(l, "|")
		first := strings.TrimSpace(cells[1])
		if first == "key" {
			inKeys = true
			continue
		}
		if !inKeys || strings.HasPrefix(first, "---") {
			continue
		}
		parts := strings.Split(first, "`")
		for i := 1; i < len(parts); i += 2 {
			keys = append(keys, parts[i])
		}
	}
	return keys
}

// TestConfigKeys checks the key walker itself, so that a walker finding no
// keys cannot make the docs test pass.
func TestConfigKeys(t *testing.T) {
	type nested struct {
		Leaf int `yaml:"leaf"`
	}
	type common struct {
		Tags []string `yaml:"tags"`
	}
	type cfg struct {
		common
		Plain   string               `yaml:"plain"`
		Untag   int                  // lower-cased field name
		Skip    int                  `yaml:"-"`
		Ptr     *nested              `yaml:"ptr"`
		List    []map[string]*nested `yaml:"list"`
		Raw     config.Raw           `yaml:"raw"`
		Dur     config.Duration      `yaml:"dur"`
		private int
	}
	var got []string
	for _, k := range configKeys(reflect.TypeFor[*cfg]()) {
		s := k.path
		if k.shared {
			s += "(shared)"
		}
		got = append(got, s)
	}
	want := []string{"tags(shared)", "plain", "untag", "ptr", "ptr.leaf", "list", "list.leaf", "raw", "dur"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("configKeys = %v, want %v", got, want)
	}

	doc := "# Plugins\n\nAll take `tags`.\n\n## a\n\n`plain` `leaf`\n\n## b, `c`\n\n`untag`\n"
	p := docPlugin{kind: "input", name: "c", config: &struct {
		common
		Untag int `yaml:"untag"`
		Plain int `yaml:"plain"`
	}{}}
	if m := missingDocs(doc, p, true); !reflect.DeepEqual(m, []string{"key plain"}) {
		t.Errorf("sectioned: missingDocs = %v, want [key plain] (plain is documented for another plugin only)", m)
	}
	if m := missingDocs(doc, p, false); len(m) != 0 {
		t.Errorf("whole file: missingDocs = %v, want none", m)
	}
	table := "| key | x |\n|---|---|\n| `a`, `b` | `no` |\n| TLS keys | |\n\n| name | what |\n|---|---|\n| `c` | |\n"
	if k := tableKeys(table); !reflect.DeepEqual(k, []string{"a", "b"}) {
		t.Errorf("tableKeys = %v, want [a b]", k)
	}
	p.name = "d"
	if m := missingDocs(doc, p, true); !reflect.DeepEqual(m, []string{"section ## d"}) {
		t.Errorf("sectioned: missingDocs = %v, want [section ## d]", m)
	}
	if m := missingDocs(doc, p, false); len(m) == 0 || m[0] != "plugin name d" {
		t.Errorf("whole file: missingDocs = %v, want the plugin name first", m)
	}
}

// TestDocsCoverCommandFlags checks that docs/configuration.md names every
// command and every flag of every command (as `--flag`).
func TestDocsCoverCommandFlags(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var walk func(prefix string, cmds []*ucli.Command)
	n := 0
	walk = func(prefix string, cmds []*ucli.Command) {
		for _, c := range cmds {
			if c.Name == "help" {
				continue
			}
			name := strings.TrimSpace(prefix + " " + c.Name)
			if !strings.Contains(doc, "`"+c.Name+"`") {
				t.Errorf("docs/configuration.md: command %q is not documented (as `%s`)", name, c.Name)
			}
			for _, f := range c.Flags {
				flag := f.Names()[0]
				if flag == "help" {
					continue
				}
				n++
				if !strings.Contains(doc, "`--"+flag+"`") {
					t.Errorf("docs/configuration.md: flag --%s of %q is not documented (as `--%s`)", flag, name, flag)
				}
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", NewApp(io.Discard, io.Discard).Commands)
	if n < 20 {
		t.Errorf("only %d flags found: the walk is broken", n)
	}
}
