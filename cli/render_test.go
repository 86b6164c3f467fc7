package cli

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	dir := t.TempDir()
	tmpl := write(t, dir, "t.jinja", `{{ timestamp.isoformat() }} {{ tags | join(",") }} {{ params.env }} {{ module.rand.number.integer(1, 1000000) }}{{ nope }}`)

	out, errOut, code := run(t, "render", "--template", tmpl, "--timestamp", "2026-02-20T10:00:00Z",
		"--tags", "a, b", "--param", "env=prod", "--seed", "7", "--count", "3", "--step", "60")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "2026-02-20T10:00:00+00:00 a,b prod ") ||
		!strings.HasPrefix(lines[2], "2026-02-20T10:02:00+00:00 a,b prod ") {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(errOut, "warning: t.jinja: undefined names (they render empty): nope") {
		t.Errorf("no undefined-name warning on stderr: %q", errOut)
	}
	again, _, _ := run(t, "render", "--template", tmpl, "--timestamp", "2026-02-20T10:00:00Z",
		"--tags", "a, b", "--param", "env=prod", "--seed", "7", "--count", "3", "--step", "60")
	if again != out {
		t.Errorf("same seed, different output:\n%s\n%s", out, again)
	}

	// --params JSON integers are ints (Python's json.loads), floats stay floats.
	nums := write(t, dir, "nums.jinja", `{{ params.n }} {{ params.f }} {{ range(params.n) | list | length }} {{ params.l[0] }}`)
	out, errOut, code = run(t, "render", "--template", nums, "--params", `{"n": 3, "f": 2.5, "l": [7]}`)
	if code != 0 || strings.TrimSpace(out) != "3 2.5 3 7" {
		t.Fatalf("--params numbers: code %d, %q, stderr %q", code, out, errOut)
	}

	// A generator's whole event plugin: the fsm example's sequence.
	out, errOut, code = run(t, "render", "--path", "../examples/template-fsm/generator.yml", "--seed", "1", "--count", "6",
		"--timestamp", "2026-02-20")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var kinds []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		kinds = append(kinds, strings.Fields(l)[1])
	}
	if got := strings.Join(kinds, " "); got != "login browse browse browse checkout login" {
		t.Fatalf("fsm sequence %q", got)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"render"}, "either --template FILE or --path GENERATOR"},
		{[]string{"render", "--template", tmpl, "--timestamp", "yesterday"}, `--timestamp "yesterday"`},
		{[]string{"render", "--template", write(t, dir, "bad.jinja", "{{ x | uper }}")}, "bad.jinja:1:8: no filter named 'uper'"},
	} {
		_, errOut, code := run(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: code %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestRenderTemplateRoot: a template rendered alone inside a generator's
// folder resolves include/import names against that folder, as the
// generator does.
func TestRenderTemplateRoot(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "generator.yml", "input: []\n")
	write(t, dir, "templates/_base.json.jinja", `{% macro field(k, v) %}"{{ k }}": {{ v | tojson }}{% endmacro %}`)
	tmpl := write(t, dir, "templates/event.json.jinja", `{% from "templates/_base.json.jinja" import field %}{{ "{" }}{{ field("a", 1) }}{{ "}" }}`)
	out, errOut, code := run(t, "render", "--template", tmpl, "--timestamp", "2026-02-20T10:00:00Z")
	if code != 0 || out != "{\"a\": 1}\n" {
		t.Fatalf("code %d, out %q, stderr %q", code, out, errOut)
	}
}
