package scripts

import (
	"strings"
	"testing"
)

// TestTemplateIncludeRoot: include/import/from names resolve against the
// generator's folder as in the original (a Jinja FileSystemLoader rooted
// there), then against the including template's folder; nothing outside
// the generator's folder is read.
func TestTemplateIncludeRoot(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"templates/_base.json.jinja": `{% macro field(k, v) %}"{{ k }}": {{ v | tojson }}{% endmacro %}{% set version = "1.0" %}`,
		"templates/event.json.jinja": `{% from "templates/_base.json.jinja" import field with context %}` +
			`{% import "templates/_base.json.jinja" as base %}{{ "{" }}{{ field("v", base.version) }}, {% include "parts/tail.jinja" %}{{ "}" }}`,
		"templates/parts/tail.jinja":  `"tail": {% include "templates/parts/value.jinja" %}`,
		"templates/parts/value.jinja": `{% include "one.jinja" %}`,
		"templates/parts/one.jinja":   `1`,
		"templates/escape.jinja":      "\n{% include \"../../outside.jinja\" %}",
	}
	tm := mustTemplate(t, files, "templates:\n- e: {template: templates/event.json.jinja}\n")
	if got, want := produceN(t, tm, 1)[0][0], `{"v": "1.0", "tail": 1}`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	_, err := buildTemplate(t, files, "templates:\n- e: {template: templates/escape.jinja}\n", 1)
	if err == nil || !strings.Contains(err.Error(), `templates/escape.jinja:2:12: template name "../../outside.jinja" leads outside the generator's folder`) {
		t.Fatalf("err = %v", err)
	}
}
