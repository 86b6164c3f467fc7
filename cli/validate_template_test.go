package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// validate reports what a template would fail on at its first event,
// whatever the data: unknown filters, tests and macros, names an imported
// template lacks, templates that cannot be loaded (include, import,
// extends). Each names the template file and line.
func TestValidateTemplateStaticChecks(t *testing.T) {
	lib := map[string]string{
		"templates/_macros.jinja": `{% macro field(k, v) %}{{ k }}={{ v }}{% endmacro %}`,
		"templates/_base.jinja":   "{% block body %}{% endblock %}",
	}
	tests := []struct {
		name, tmpl, want string
	}{
		{"unknown filter", "ok\n{{ x | no_such_filter }}", "templates/t.jinja:2:8: no filter named 'no_such_filter'"},
		{"unknown test", "{% if x is frobbed %}{% endif %}", "templates/t.jinja:1:12: no test named 'frobbed'"},
		{"unknown macro", "\n\n{{ render_row(1) }}", "templates/t.jinja:3:4: unknown macro or function 'render_row'"},
		{"missing imported name", `{% from "templates/_macros.jinja" import field, row %}`,
			`templates/t.jinja:1:49: the template "templates/_macros.jinja" does not export 'row'`},
		{"missing macro of an imported template", "{% import \"templates/_macros.jinja\" as m %}\n{{ m.row(1) }}",
			`templates/t.jinja:2:6: the template "templates/_macros.jinja" does not export 'row'`},
		{"unloadable include", `{% include "templates/_nope.jinja" %}`, `templates/t.jinja:1:12: cannot load template "templates/_nope.jinja"`},
		{"unloadable extends", `{% extends "templates/_nope.jinja" %}`, `templates/t.jinja:1:12: cannot load template "templates/_nope.jinja"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { // not parallel: urfave/cli flags are package globals
			dir := t.TempDir()
			for name, src := range lib {
				write(t, dir, name, src)
			}
			write(t, dir, "templates/t.jinja", tc.tmpl)
			g := write(t, dir, "generator.yml", "input:\n  - static: {count: 1}\nevent:\n  template:\n    mode: all\n    templates:\n"+
				"      - t: {template: templates/t.jinja}\noutput:\n  - stdout: {}\n")
			_, stderr, code := run(t, "validate", "--path", g)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant it to contain %s", code, stderr, tc.want)
			}
		})
	}

	// Undefined names stay warnings: the generator validates.
	dir := t.TempDir()
	for name, src := range lib {
		write(t, dir, name, src)
	}
	write(t, dir, "templates/t.jinja", `{% extends "templates/_base.jinja" %}{% block body %}{{ nobody }}{% endblock %}`)
	g := write(t, dir, "generator.yml", "input:\n  - static: {count: 1}\nevent:\n  template:\n    mode: all\n    templates:\n"+
		"      - t: {template: templates/t.jinja}\noutput:\n  - stdout: {}\n")
	if stdout, stderr, code := run(t, "validate", "--path", g); code != 0 || !strings.Contains(stdout, filepath.Base(dir)) {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
}
