package jinja

import (
	"os"
	"sort"
	"strings"
	"testing"
)

// TestFiltersDocumented: every builtin filter and test is named (in
// backticks) in docs/templates.md.
func TestFiltersDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for name := range builtinFilters {
		if !strings.Contains(string(doc), "`"+name) {
			missing = append(missing, "filter "+name)
		}
	}
	for name := range builtinTests {
		if !strings.Contains(string(doc), "`"+name) {
			missing = append(missing, "test "+name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("not in docs/templates.md: %s", strings.Join(missing, ", "))
	}
}
