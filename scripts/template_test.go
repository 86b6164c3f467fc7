package scripts

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib"
)

func templateEnv(dir string, seed uint64, tags [][]string) *plugin.Env {
	return &plugin.Env{ID: "test", Dir: dir, Location: time.UTC, Rand: rand.New(rand.NewPCG(seed, seed)),
		InputTags: tags, Globals: starlib.NewGlobals()}
}

// buildTemplate writes files (name → content) into a temp dir and builds
// the template plugin from the YAML settings src.
func buildTemplate(t testing.TB, files map[string]string, src string, seed uint64) (*Template, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	p := config.Plugin{Name: "template", File: "generator.yml", Path: "event.template", Node: n.Content[0]}
	prod, _, err := Registry.Build(p, templateEnv(dir, seed, [][]string{{"web", "prod"}, {}}))
	if err != nil {
		return nil, err
	}
	return prod.(*Template), nil
}

func mustTemplate(t testing.TB, files map[string]string, src string) *Template {
	t.Helper()
	tm, err := buildTemplate(t, files, src, 1)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// produceN calls Produce for n timestamps one second apart from start.
func produceN(t testing.TB, p Producer, n int) [][]string {
	t.Helper()
	out := make([][]string, n)
	for i := range out {
		ev, err := p.Produce(start.Add(time.Duration(i)*time.Second).UnixNano(), 0, nil)
		if err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
		out[i] = ev
	}
	return out
}

func flat(ticks [][]string) []string {
	var out []string
	for _, t := range ticks {
		out = append(out, t...)
	}
	return out
}

func TestTemplateModes(t *testing.T) {
	t.Parallel()
	files := map[string]string{"a.jinja": "a", "b.jinja": "b", "c.jinja": "c"}
	three := "templates:\n- a: {template: a.jinja}\n- b: {template: b.jinja}\n- c: {template: c.jinja}\n"
	tests := []struct {
		name, src string
		check     func(t *testing.T, ticks [][]string)
	}{
		{"all (default)", three, func(t *testing.T, ticks [][]string) {
			for _, tick := range ticks {
				if strings.Join(tick, "") != "abc" {
					t.Fatalf("tick = %q, want [a b c]", tick)
				}
			}
		}},
		{"spin", "mode: spin\n" + three, func(t *testing.T, ticks [][]string) {
			if got := strings.Join(flat(ticks), ""); got != "abcabcabcabc" {
				t.Fatalf("got %q", got)
			}
		}},
		{"chain", "mode: chain\nchain: [c, a, a]\n" + three, func(t *testing.T, ticks [][]string) {
			if got := strings.Join(flat(ticks), ""); got != "caacaacaacaa" {
				t.Fatalf("got %q", got)
			}
		}},
		{"any", "mode: any\n" + three, func(t *testing.T, ticks [][]string) {
			seen := map[string]int{}
			for _, tick := range ticks {
				if len(tick) != 1 {
					t.Fatalf("tick = %q, want one event", tick)
				}
				seen[tick[0]]++
			}
			if len(seen) != 3 {
				t.Fatalf("any picked %v", seen)
			}
		}},
		{"chance", "mode: chance\ntemplates:\n- a: {template: a.jinja, chance: 9}\n- b: {template: b.jinja, chance: 1}\n", func(t *testing.T, ticks [][]string) {
			n := 0
			for _, tick := range ticks {
				if tick[0] == "b" {
					n++
				}
			}
			if n < 1 || n > len(ticks)/4 {
				t.Fatalf("b rendered %d of %d times, want about 10%%", n, len(ticks))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := 12
			if tt.name == "any" || tt.name == "chance" {
				n = 300
			}
			tt.check(t, produceN(t, mustTemplate(t, files, tt.src), n))
		})
	}
}

func TestTemplateContext(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"ctx.jinja": `{{ timestamp.isoformat() }}|{{ tags | join(",") }}|{{ params.env }}|{{ vars.app }}|{{ vars.missing | default("-") }}|` +
			`{{ module.rand.number.integer(1, 1) }}|{{ [1, 2, 3] | random > 0 }}|` +
			// constant list literals are frozen at compile time: shuffle must return a new list
			`{{ module.rand.shuffle([3, 1, 2]) | sort }}{{ module.rand.shuffle([3, 1, 2]) | length }}`,
	}
	tm := mustTemplate(t, files, "params: {env: prod}\ntemplates:\n- ctx: {template: ctx.jinja, vars: {app: shop}}\n")
	got := produceN(t, tm, 1)[0][0]
	want := "2026-02-20T10:00:00+00:00|web,prod|prod|shop|-|1|True|[1, 2, 3]3"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	// Input 1 has no tags, an unknown input index an empty tuple too.
	for _, src := range []int{1, 7} {
		ev, err := tm.Produce(start.UnixNano(), src, nil)
		if err != nil || !strings.Contains(ev[0], "||prod|") {
			t.Fatalf("src %d: %q, %v", src, ev, err)
		}
	}
}

func TestTemplateStateScopes(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"a.jinja": `{% do locals.set('n', locals.get('n', 0) + 1) %}{% do shared.set('last', 'a') %}{{ globals.incr('g') }}a{{ locals.get('n') }}`,
		"b.jinja": `{{ locals.get('n', 'none') }}/{{ shared.get('last') }}/{{ globals.get('g') }}`,
	}
	tm := mustTemplate(t, files, "templates:\n- a: {template: a.jinja}\n- b: {template: b.jinja}\n")
	got := flat(produceN(t, tm, 2))
	want := []string{"1a1", "none/a/1", "2a2", "none/a/2"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestTemplateDispatch(t *testing.T) {
	t.Parallel()
	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		files := map[string]string{
			"a.jinja": "a",
			"b.jinja": `{% do locals.set('n', locals.get('n', 0) + 1) %}{% if locals.get('n') % 2 == 0 %}{{ dispatch.drop() }}{% endif %}b`,
		}
		tm := mustTemplate(t, files, "templates:\n- a: {template: a.jinja}\n- b: {template: b.jinja}\n")
		ticks := produceN(t, tm, 4)
		if fmt.Sprint(ticks) != "[[a b] [] [a b] []]" {
			t.Fatalf("ticks = %q", ticks)
		}
		if tm.Dropped() != 2 {
			t.Fatalf("Dropped() = %d, want 2", tm.Dropped())
		}
	})
	t.Run("next", func(t *testing.T) {
		t.Parallel()
		files := map[string]string{
			"a.jinja": `{{ dispatch.next() }}`,
			"b.jinja": "b",
		}
		tm := mustTemplate(t, files, "mode: spin\ntemplates:\n- a: {template: a.jinja}\n- b: {template: b.jinja}\n")
		if got := fmt.Sprint(produceN(t, tm, 3)); got != "[[b] [b] [b]]" {
			t.Fatalf("ticks = %s", got)
		}
		loop := mustTemplate(t, map[string]string{"a.jinja": `{{ dispatch.next(max_repicks=3) }}`}, "templates:\n- a: {template: a.jinja}\n")
		if _, err := loop.Produce(start.UnixNano(), 0, nil); err == nil || !strings.Contains(err.Error(), "more than 3 re-picks") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("exhaust", func(t *testing.T) {
		t.Parallel()
		files := map[string]string{"a.jinja": `{% do locals.set('n', locals.get('n', 0) + 1) %}{% if locals.get('n') > 2 %}{{ dispatch.exhaust() }}{% endif %}a`}
		tm := mustTemplate(t, files, "templates:\n- a: {template: a.jinja}\n")
		produceN(t, tm, 2)
		ev, err := tm.Produce(start.UnixNano(), 0, nil)
		if !errors.Is(err, ErrExhausted) || len(ev) != 0 {
			t.Fatalf("third call = %q, %v; want no events and ErrExhausted", ev, err)
		}
	})
}

func TestTemplateBuildErrors(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"a.jinja": "a", "b.jinja": "b",
		"bad.jinja":   "line one\n{{ x | uper }}",
		"faker.jinja": "ok\n{{ module.faker.locale.en.nam() }}",
		"rand.jinja":  "{{ module.rand.number.integr(1, 2) }}",
		"ns.jinja":    "{{ module.nosuch.x() }}",
		"undef.jinja": "{{ who }}",
		"boom.jinja":  "x\n{{ 1 // 0 }}",
	}
	tests := []struct{ name, src, want string }{
		{"unknown mode", "mode: roulette\ntemplates:\n- a: {template: a.jinja}\n", `mode: must be one of all, any, chance, spin, fsm, chain; got "roulette"`},
		{"no templates", "templates: []\n", "templates: at least one item is required"},
		{"missing file", "templates:\n- a: {template: nope.jinja}\n", "templates[0].a.template: open"},
		{"compile error", "templates:\n- a: {template: bad.jinja}\n", "bad.jinja:2:8: no filter named 'uper'"},
		{"faker method", "templates:\n- a: {template: faker.jinja}\n", `faker.jinja:2: faker.locale.en has no method "nam"`},
		{"rand function", "templates:\n- a: {template: rand.jinja}\n", `rand.jinja:1: module.rand.number has no attribute "integr"`},
		{"namespace", "templates:\n- a: {template: ns.jinja}\n", `ns.jinja:1: module has no namespace "nosuch"`},
		{"duplicate alias", "templates:\n- a: {template: a.jinja}\n- a: {template: b.jinja}\n", `alias "a" is used twice`},
		{"two keys", "templates:\n- {a: {template: a.jinja}, b: {template: b.jinja}}\n", "templates[0]: expected one"},
		{"chance missing", "mode: chance\ntemplates:\n- a: {template: a.jinja, chance: 1}\n- b: {template: b.jinja}\n", "templates[1].b.chance: chance mode needs"},
		{"chance elsewhere", "templates:\n- a: {template: a.jinja, chance: 1}\n", "only used in chance mode"},
		{"no initial", "mode: fsm\ntemplates:\n- a: {template: a.jinja}\n", "exactly one template with initial: true, found 0"},
		{"two initial", "mode: fsm\ntemplates:\n- a: {template: a.jinja, initial: true}\n- b: {template: b.jinja, initial: true}\n", "found 2"},
		{"unknown state", "mode: fsm\ntemplates:\n- a: {template: a.jinja, initial: true, transitions: [{to: c, when: {always: }}]}\n", `transitions[0].to: unknown state "c"`},
		{"bad condition", "mode: fsm\ntemplates:\n- a:\n    template: a.jinja\n    initial: true\n    transitions:\n    - to: a\n      when: {gte: {locals.x: 1}}\n", `when.gte (line 8): unknown condition "gte"`},
		{"bad field", "mode: fsm\ntemplates:\n- a: {template: a.jinja, initial: true, transitions: [{to: a, when: {eq: {\"state.x\": 1}}}]}\n", `field "state.x" must be`},
		{"transitions elsewhere", "templates:\n- a: {template: a.jinja, initial: true}\n", "only used in fsm mode"},
		{"chain unknown", "mode: chain\nchain: [a, z]\ntemplates:\n- a: {template: a.jinja}\n", `chain[1]: unknown template alias "z"`},
		{"chain empty", "mode: chain\ntemplates:\n- a: {template: a.jinja}\n", "non-empty chain"},
		{"unknown key", "templates:\n- a: {template: a.jinja, weight: 2}\n", "weight"},
		{"sample type", "samples: {s: {type: xml, source: a.xml}}\ntemplates:\n- a: {template: a.jinja}\n", `samples.s.type: must be one of items, csv, json; got "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := buildTemplate(t, files, tt.src, 1)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "generator.yml") {
				t.Errorf("error does not name the generator file: %v", err)
			}
		})
	}

	t.Run("runtime error names the template line", func(t *testing.T) {
		t.Parallel()
		tm := mustTemplate(t, files, "templates:\n- a: {template: boom.jinja}\n")
		_, err := tm.Produce(start.UnixNano(), 0, nil)
		if err == nil || !strings.Contains(err.Error(), "template a: boom.jinja:2:") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("undefined names are warnings", func(t *testing.T) {
		t.Parallel()
		tm := mustTemplate(t, files, "templates:\n- a: {template: undef.jinja}\n")
		if w := tm.Warnings(); len(w) != 1 || !strings.Contains(w[0], "undef.jinja: undefined names (they render empty): who") {
			t.Fatalf("warnings = %q", w)
		}
	})
}

func TestTemplateRandomIsSeeded(t *testing.T) {
	t.Parallel()
	files := map[string]string{"a.jinja": `{{ [1, 2, 3, 4, 5, 6, 7, 8, 9] | random }}{{ module.rand.string.hex(8) }}{{ module.faker.locale.en.name() }}`}
	src := "mode: any\ntemplates:\n- a: {template: a.jinja}\n- b: {template: a.jinja}\n"
	run := func(seed uint64) string {
		tm, err := buildTemplate(t, files, src, seed)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(produceN(t, tm, 20))
	}
	if run(5) != run(5) {
		t.Error("same seed, different events")
	}
	if run(5) == run(6) {
		t.Error("different seeds, same events")
	}
}

func TestSubprocessRun(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"a.jinja": `{% set r = subprocess.run('echo out; echo err >&2; exit 3') %}{{ r.stdout | trim }}|{{ r.stderr | trim }}|{{ r.exit_code }}` +
			`|{{ subprocess.run('echo $FOO', env={'FOO': 'bar'}).stdout | trim }}|{{ (subprocess.run('pwd', cwd='sub').stdout | trim).endswith('/sub') }}`,
		"sub/x":      "",
		"slow.jinja": `{{ subprocess.run('sleep 5', timeout=0.2).stdout }}`,
	}
	tm := mustTemplate(t, files, "templates:\n- a: {template: a.jinja}\n")
	if got := produceN(t, tm, 1)[0][0]; got != "out|err|3|bar|True" {
		t.Fatalf("got %q", got)
	}
	slow := mustTemplate(t, files, "templates:\n- slow: {template: slow.jinja}\n")
	began := time.Now()
	_, err := slow.Produce(start.UnixNano(), 0, nil)
	if err == nil || !strings.Contains(err.Error(), "timed out") || time.Since(began) > 3*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(began))
	}
}

var accessLogLine = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+ - \S+ \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "(GET|POST|PUT) (/api/users|/api/orders|/health|/login) HTTP/1\.1" (200|301|404|500) \d+$`)

// TestEventArena: events share render chunks; every string must keep its
// bytes however later renders grow (small events, events larger than a
// chunk, a render that outgrows the chunk's free tail).
func TestEventArena(t *testing.T) {
	t.Parallel()
	files := map[string]string{"a.jinja": `{% do locals.set('n', locals.get('n', 0) + 1) %}{% set n = locals.get('n') %}` +
		`{{ n }}:{{ ("abcdefgh"[n % 8]) * (n * 997 % 3000 if n % 50 else 70000) }}`}
	tm := mustTemplate(t, files, "templates:\n- a: {template: a.jinja}\n")
	var events []string
	for i := range 400 {
		var err error
		if events, err = tm.Produce(start.UnixNano()+int64(i), 0, events); err != nil {
			t.Fatal(err)
		}
	}
	for i, ev := range events {
		n := i + 1
		size := n * 997 % 3000
		if n%50 == 0 {
			size = 70000
		}
		want := fmt.Sprintf("%d:%s", n, strings.Repeat(string("abcdefgh"[n%8]), size))
		if ev != want {
			t.Fatalf("event %d changed: len %d, want len %d (%.20q…)", n, len(ev), len(want), ev)
		}
	}
}

// With subprocess disabled, a template that uses it (directly, in a macro or
// through an include) is refused when it is built, with a clear error; the
// others build and render. The module itself refuses to run as a backstop.
func TestSubprocessDisabled(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"direct.jinja":  `{{ subprocess.run('id').stdout }}`,
		"macro.jinja":   `{% macro m() %}{{ subprocess.run('id').stdout }}{% endmacro %}x`,
		"include.jinja": `{% include "direct.jinja" %}`,
		"plain.jinja":   `{{ 1 + 1 }}`,
	}
	build := func(name string) (*Template, error) {
		t.Helper()
		dir := t.TempDir()
		for n, content := range files {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var n yaml.Node
		if err := yaml.Unmarshal([]byte("templates:\n- a: {template: "+name+"}\n"), &n); err != nil {
			t.Fatal(err)
		}
		env := templateEnv(dir, 1, [][]string{{}})
		env.NoSubprocess = true
		prod, _, err := Registry.Build(config.Plugin{Name: "template", File: "generator.yml", Path: "event.template", Node: n.Content[0]}, env)
		if err != nil {
			return nil, err
		}
		return prod.(*Template), nil
	}
	for _, name := range []string{"direct.jinja", "macro.jinja", "include.jinja"} {
		_, err := build(name)
		if err == nil || !strings.Contains(err.Error(), "uses subprocess, which is disabled") || !strings.Contains(err.Error(), "allow_subprocess") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	tm, err := build("plain.jinja")
	if err != nil {
		t.Fatal(err)
	}
	if got := produceN(t, tm, 1)[0][0]; got != "2" {
		t.Fatalf("plain template: %q", got)
	}
	run := newSubprocess(&plugin.Env{NoSubprocess: true}).(interface {
		Attr(string) (starlark.Value, error)
	})
	fn, _ := run.Attr("run")
	_, err = starlark.Call(&starlark.Thread{}, fn, starlark.Tuple{starlark.String("id")}, nil)
	if err == nil || !strings.Contains(err.Error(), "subprocess is disabled") {
		t.Fatalf("backstop: err = %v", err)
	}
}
