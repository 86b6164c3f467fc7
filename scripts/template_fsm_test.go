package scripts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/starlib"
)

func TestFSMConditions(t *testing.T) {
	t.Parallel()
	locals, shared := starlib.NewStore(), starlib.NewStore()
	set := func(s *starlib.Store, k string, v starlark.Value) { _ = s.Dict().SetKey(starlark.String(k), v) }
	set(locals, "n", starlark.MakeInt(3))
	set(locals, "f", starlark.Float(2.5))
	set(locals, "s", starlark.String("GET /login"))
	set(locals, "l", starlark.NewList([]starlark.Value{starlark.String("a"), starlark.String("b")}))
	set(locals, "none", starlark.None)
	set(shared, "user", starlark.String("alice"))
	g := starlib.NewGlobals()
	gv := g.View()
	if _, err := starlark.Call(&starlark.Thread{}, mustAttr(gv, "set"), starlark.Tuple{starlark.String("total"), starlark.MakeInt(10)}, nil); err != nil {
		t.Fatal(err)
	}
	state := &condState{
		ts:     time.Date(2026, 2, 20, 10, 30, 15, 0, time.UTC),
		tags:   starlark.Tuple{starlark.String("web"), starlark.String("prod")},
		locals: locals, shared: shared, globals: gv,
	}
	tests := []struct {
		cond string
		want bool
	}{
		{`{eq: {"locals.n": 3}}`, true},
		{`{eq: {"locals.n": 4}}`, false},
		{`{eq: {"shared.user": alice}}`, true},
		{`{eq: {"globals.total": 10}}`, true},
		{`{eq: {"locals.missing": 1}}`, false},
		{`{eq: {"locals.none": null}}`, false}, // None never compares
		{`{eq: {locals: {n: 3}}}`, true},       // the nested form of an unquoted dotted key
		{`{gt: {"locals.n": 2}}`, true},
		{`{gt: {"locals.n": 3}}`, false},
		{`{ge: {"locals.n": 3}}`, true},
		{`{lt: {"locals.f": 3}}`, true},
		{`{lt: {"locals.f": 2.5}}`, false},
		{`{le: {"locals.f": 2.5}}`, true},
		{`{gt: {"locals.s": 1}}`, false}, // str vs int: not comparable → false
		{`{len_eq: {"locals.l": 2}}`, true},
		{`{len_gt: {"locals.l": 2}}`, false},
		{`{len_ge: {"locals.s": 9}}`, true},
		{`{len_lt: {"locals.l": 3}}`, true},
		{`{len_le: {"locals.l": 1}}`, false},
		{`{len_eq: {"locals.n": 1}}`, false}, // int has no length
		{`{contains: {"locals.l": a}}`, true},
		{`{contains: {"locals.s": login}}`, true},
		{`{contains: {"locals.l": z}}`, false},
		{`{in: {"shared.user": [alice, bob]}}`, true},
		{`{in: {"shared.user": [carol]}}`, false},
		{`{matches: {"locals.s": 'GET /\w+'}}`, true},
		{`{matches: {"locals.s": 'login'}}`, false}, // anchored at the start, like re.match
		{`{matches: {"locals.n": '3'}}`, false},     // not a string
		{`{defined: locals.n}`, true},
		{`{defined: locals.none}`, true},
		{`{defined: shared.nobody}`, false},
		{`{defined: globals.total}`, true},
		{`{defined: globals.other}`, false},
		{`{has_tags: web}`, true},
		{`{has_tags: [web, prod]}`, true},
		{`{has_tags: [web, dev]}`, false},
		{`{before: {hour: 11}}`, true},
		{`{before: {hour: 10, minute: 30}}`, false}, // 10:30:15 is not before 10:30:15
		{`{after: {hour: 10, minute: 30}}`, true},
		{`{after: {minute: 31}}`, false},
		{`{after: {year: 2026, month: 2, day: 20}}`, true},
		{`{always: }`, true},
		{`{never: }`, false},
		{`{and: [{always: }, {eq: {"locals.n": 3}}]}`, true},
		{`{and: [{always: }, {never: }]}`, false},
		{`{or: [{never: }, {has_tags: prod}]}`, true},
		{`{or: [{never: }, {never: }]}`, false},
		{`{not: {never: }}`, true},
		{`{not: {and: [{always: }, {always: }]}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tt.cond), &n); err != nil {
				t.Fatal(err)
			}
			c, err := parseCondition("when", n.Content[0])
			if err != nil {
				t.Fatal(err)
			}
			if got := c.check(state); got != tt.want {
				t.Fatalf("check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFSMConditionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ cond, want string }{
		{`{}`, "expected one condition"},
		{`{eq: {"locals.n": 1}, gt: {"locals.n": 1}}`, "expected one condition"},
		{`{gte: {"locals.n": 1}}`, `unknown condition "gte"`},
		{`{gt: {"locals.n": abc}}`, "expected a number"},
		{`{len_eq: {"locals.n": 1.5}}`, "expected an integer length"},
		{`{eq: {"n": 1}}`, `field "n" must be`},
		{`{eq: {"locals.a": 1, "locals.b": 2}}`, "expected one field"},
		{`{in: {"locals.a": 3}}`, "expected a list"},
		{`{matches: {"locals.a": "(("}}`, "bad regular expression"},
		{`{and: [{always: }]}`, "at least two conditions"},
		{`{always: 3}`, "takes no argument"},
		{`{before: {hour: 25}}`, "hour must be in 0..23"},
		{`{before: {week: 2}}`, `unknown time component "week"`},
		{`{after: {}}`, "at least one time component"},
		{`{has_tags: {a: 1}}`, "expected a tag"},
		{`{defined: [locals.x]}`, "expected a field name"},
		{"\n\n{not: {eq: 3}}", "when.not.eq (line 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tt.cond), &n); err != nil {
				t.Fatal(err)
			}
			_, err := parseCondition("when", n.Content[0])
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func mustAttr(v starlark.HasAttrs, name string) starlark.Value {
	x, err := v.Attr(name)
	if err != nil || x == nil {
		panic(fmt.Sprintf("no attribute %s: %v", name, err))
	}
	return x
}

// TestFSMMode checks the transition timing: the initial state renders
// first; from the second timestamp on the current state's transitions are
// checked, in order, before rendering.
func TestFSMMode(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"a.jinja": `{% do locals.set('n', locals.get('n', 0) + 1) %}a`,
		"b.jinja": `b`,
		"c.jinja": `c`,
	}
	src := `mode: fsm
templates:
- a:
    template: a.jinja
    initial: true
    transitions:
    - {to: c, when: {eq: {"locals.n": 2}}}
    - {to: b, when: {ge: {"locals.n": 2}}}
- b:
    template: b.jinja
    transitions:
    - {to: a, when: {has_tags: web}}
- c:
    template: c.jinja
    transitions:
    - {to: a, when: {always: }}
`
	tm := mustTemplate(t, files, src)
	// n=1: stay a; n=2: c (the first transition that holds wins over b); c → a (n=3) → b → a (n=4) → b ...
	if got := strings.Join(flat(produceN(t, tm, 9)), ""); got != "aacababab" {
		t.Fatalf("got %q", got)
	}
}
