package server

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// settingKeys lists the dotted yaml keys of the settings struct t.
func settingKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if name == "" { // inline: its keys sit next to the parent's
			keys = append(keys, settingKeys(ft, prefix)...)
			continue
		}
		key := prefix + name
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Seconds]() {
			keys = append(keys, settingKeys(ft, key+".")...)
			continue
		}
		keys = append(keys, key)
	}
	return keys
}

// Every key of eventum.yml and of a startup entry is named in
// docs/server.md: as `a.b.c`, as `a.b.*`, or as `.c` after `a.b.x` in a
// "`a.b.x` / `.c`" pair.
func TestDocsCoverSettings(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../docs/server.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	documented := func(key string) bool {
		if strings.Contains(doc, "`"+key+"`") || strings.Contains(doc, "\n  "+key+":") {
			return true
		}
		parent := key[:max(strings.LastIndex(key, "."), 0)]
		if parent == "" {
			return false
		}
		if strings.Contains(doc, "`"+parent+".*`") {
			return true
		}
		last := key[len(parent)+1:]
		for _, line := range strings.Split(doc, "\n") {
			if strings.Contains(line, "`"+parent+".") && (strings.Contains(line, "`"+last+"`") || strings.Contains(line, "`."+last+"`")) {
				return true
			}
		}
		return false
	}
	for _, key := range settingKeys(reflect.TypeFor[Settings](), "") {
		if !documented(key) {
			t.Errorf("docs/server.md: eventum.yml key %q is not documented", key)
		}
	}
	for _, key := range settingKeys(reflect.TypeFor[Entry](), "") {
		if !documented(key) && !documented("generation."+key) {
			t.Errorf("docs/server.md: startup entry key %q is not documented", key)
		}
	}
}
