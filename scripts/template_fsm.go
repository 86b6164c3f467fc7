package scripts

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/starlib"
)

// FSM transition conditions (`when:` of the fsm mode), parsed once from
// YAML into a tree of Go checks:
//
//	when: {ge: {"locals.page_views": 3}}
//	when: {and: [{defined: shared.user}, {not: {has_tags: bot}}]}
//
// Comparisons read a state field named "locals.x", "shared.x" or
// "globals.x" (quote such keys in YAML; the nested form `{locals: {x: 3}}`
// that unquoted dotted keys expand to is accepted too). A missing field, a
// None value and values that cannot be compared make the check false.

// condState is what conditions look at.
type condState struct {
	ts      time.Time
	tags    starlark.Tuple
	locals  *starlib.Store
	shared  *starlib.Store
	globals *starlib.GlobalsView
}

type condition interface {
	check(s *condState) bool
}

type condFunc func(s *condState) bool

func (f condFunc) check(s *condState) bool { return f(s) }

// stateField names one value of locals, shared or globals.
type stateField struct {
	store string // "locals", "shared" or "globals"
	key   starlark.String
}

func (f stateField) String() string { return f.store + "." + string(f.key) }

// get returns the field's value; found is false when the key is missing.
func (f stateField) get(s *condState) (v starlark.Value, found bool) {
	switch f.store {
	case "locals", "shared":
		st := s.locals
		if f.store == "shared" {
			st = s.shared
		}
		if st == nil {
			return nil, false
		}
		v, found, _ := st.Dict().Get(f.key)
		return v, found
	case "globals":
		if s.globals == nil {
			return nil, false
		}
		if ok, _ := s.globals.Has(f.key); !ok {
			return nil, false
		}
		v, _, err := s.globals.Get(f.key)
		return v, err == nil
	}
	return nil, false
}

// condErr positions a condition problem at its YAML node.
func condErr(path string, n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return fmt.Errorf("%s (line %d): %s", path, line, fmt.Sprintf(format, args...))
}

var conditionOps = []string{"after", "always", "and", "before", "contains", "defined", "eq", "ge", "gt",
	"has_tags", "in", "le", "len_eq", "len_ge", "len_gt", "len_le", "len_lt", "lt", "matches", "never", "not", "or"}

// parseCondition parses one condition mapping (exactly one operator key).
func parseCondition(path string, n *yaml.Node) (condition, error) {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return nil, condErr(path, n, "expected one condition as `operator: argument` (operators: %s)", strings.Join(conditionOps, ", "))
	}
	op, arg := n.Content[0].Value, n.Content[1]
	p := path + "." + op
	switch op {
	case "always", "never":
		if !isNullNode(arg) && !(arg.Kind == yaml.ScalarNode && arg.Value == "true") {
			return nil, condErr(p, arg, "takes no argument (write `%s:`)", op)
		}
		v := op == "always"
		return condFunc(func(*condState) bool { return v }), nil
	case "and", "or":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) < 2 {
			return nil, condErr(p, arg, "expected a list of at least two conditions")
		}
		subs := make([]condition, len(arg.Content))
		for i, c := range arg.Content {
			sub, err := parseCondition(fmt.Sprintf("%s[%d]", p, i), c)
			if err != nil {
				return nil, err
			}
			subs[i] = sub
		}
		if op == "and" {
			return condFunc(func(s *condState) bool {
				for _, c := range subs {
					if !c.check(s) {
						return false
					}
				}
				return true
			}), nil
		}
		return condFunc(func(s *condState) bool {
			for _, c := range subs {
				if c.check(s) {
					return true
				}
			}
			return false
		}), nil
	case "not":
		sub, err := parseCondition(p, arg)
		if err != nil {
			return nil, err
		}
		return condFunc(func(s *condState) bool { return !sub.check(s) }), nil
	case "defined":
		if arg.Kind != yaml.ScalarNode {
			return nil, condErr(p, arg, "expected a field name like locals.x")
		}
		f, err := parseField(p, arg, arg.Value)
		if err != nil {
			return nil, err
		}
		return condFunc(func(s *condState) bool { _, ok := f.get(s); return ok }), nil
	case "has_tags":
		var want []string
		switch arg.Kind {
		case yaml.ScalarNode:
			want = []string{arg.Value}
		case yaml.SequenceNode:
			if err := arg.Decode(&want); err != nil || len(want) == 0 {
				return nil, condErr(p, arg, "expected a tag or a non-empty list of tags")
			}
		default:
			return nil, condErr(p, arg, "expected a tag or a list of tags")
		}
		return condFunc(func(s *condState) bool {
			for _, w := range want {
				if !slices.Contains(s.tags, starlark.Value(starlark.String(w))) {
					return false
				}
			}
			return true
		}), nil
	case "before", "after":
		return parseTimeCondition(p, op, arg)
	}
	return parseComparison(p, op, arg)
}

func isNullNode(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func parseField(path string, n *yaml.Node, name string) (stateField, error) {
	store, key, ok := strings.Cut(name, ".")
	if !ok || key == "" || (store != "locals" && store != "shared" && store != "globals") {
		return stateField{}, condErr(path, n, "field %q must be locals.<key>, shared.<key> or globals.<key> (quote dotted keys in YAML)", name)
	}
	return stateField{store: store, key: starlark.String(key)}, nil
}

// fieldArg reads `{"locals.x": value}` (or the expanded `{locals: {x: value}}`).
func fieldArg(path string, n *yaml.Node) (stateField, *yaml.Node, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return stateField{}, nil, condErr(path, n, `expected one field and its value, like {"locals.x": 3}`)
	}
	k, v := n.Content[0], n.Content[1]
	name := k.Value
	if (name == "locals" || name == "shared" || name == "globals") && v.Kind == yaml.MappingNode && len(v.Content) == 2 {
		name += "." + v.Content[0].Value
		v = v.Content[1]
	}
	f, err := parseField(path, k, name)
	return f, v, err
}

func yamlValue(path string, n *yaml.Node) (starlark.Value, error) {
	var x any
	if err := n.Decode(&x); err != nil {
		return nil, condErr(path, n, "%v", err)
	}
	v, err := starlib.ToStarlark(x)
	if err != nil {
		return nil, condErr(path, n, "%v", err)
	}
	v.Freeze()
	return v, nil
}

var compareOps = map[string]syntax.Token{"eq": syntax.EQL, "gt": syntax.GT, "ge": syntax.GE, "lt": syntax.LT, "le": syntax.LE}

func parseComparison(path, op string, arg *yaml.Node) (condition, error) {
	known := op == "contains" || op == "in" || op == "matches" || strings.HasPrefix(op, "len_") && compareOps[op[4:]] != 0
	if _, ok := compareOps[op]; !ok && !known {
		return nil, condErr(path, arg, "unknown condition %q (operators: %s)", op, strings.Join(conditionOps, ", "))
	}
	f, vn, err := fieldArg(path, arg)
	if err != nil {
		return nil, err
	}
	target, err := yamlValue(path, vn)
	if err != nil {
		return nil, err
	}
	isNumber := func() bool {
		switch target.(type) {
		case starlark.Int, starlark.Float:
			return true
		}
		return false
	}
	switch {
	case op == "eq":
		return condFunc(func(s *condState) bool {
			v, ok := f.get(s)
			if !ok || v == starlark.None {
				return false
			}
			eq, err := starlark.Equal(v, target)
			return err == nil && eq
		}), nil
	case compareOps[op] != 0:
		if !isNumber() {
			return nil, condErr(path, vn, "expected a number, got %s", target.Type())
		}
		tok := compareOps[op]
		return condFunc(func(s *condState) bool {
			v, ok := f.get(s)
			if !ok || v == starlark.None {
				return false
			}
			res, err := starlark.Compare(tok, v, target)
			return err == nil && res
		}), nil
	case strings.HasPrefix(op, "len_"):
		want, ok := target.(starlark.Int)
		if !ok {
			return nil, condErr(path, vn, "expected an integer length, got %s", target.Type())
		}
		tok := compareOps[op[4:]]
		return condFunc(func(s *condState) bool {
			v, ok := f.get(s)
			if !ok || v == starlark.None {
				return false
			}
			n := starlark.Len(v)
			if n < 0 {
				return false
			}
			res, err := starlark.Compare(tok, starlark.MakeInt(n), want)
			return err == nil && res
		}), nil
	case op == "contains":
		return condFunc(func(s *condState) bool {
			v, ok := f.get(s)
			if !ok || v == starlark.None {
				return false
			}
			res, err := starlark.Binary(syntax.IN, target, v)
			return err == nil && bool(res.Truth())
		}), nil
	case op == "in":
		switch target.(type) {
		case *starlark.List, starlark.String, *starlark.Dict:
		default:
			return nil, condErr(path, vn, "expected a list (or string) to look in, got %s", target.Type())
		}
		return condFunc(func(s *condState) bool {
			v, ok := f.get(s)
			if !ok || v == starlark.None {
				return false
			}
			res, err := starlark.Binary(syntax.IN, v, target)
			return err == nil && bool(res.Truth())
		}), nil
	default: // matches
		pat, ok := target.(starlark.String)
		if !ok {
			return nil, condErr(path, vn, "expected a regular expression string")
		}
		re, err := regexp.Compile(`\A(?:` + string(pat) + `)`) // Python's re.match: anchored at the start
		if err != nil {
			return nil, condErr(path, vn, "bad regular expression: %v", err)
		}
		return condFunc(func(s *condState) bool {
			v, ok := f.get(s)
			str, isStr := v.(starlark.String)
			return ok && isStr && re.MatchString(string(str))
		}), nil
	}
}

// timeComponents are the parts of a `before:` / `after:` moment; nil parts
// keep the timestamp's own.
type timeComponents struct {
	Year        *int `yaml:"year"`
	Month       *int `yaml:"month"`
	Day         *int `yaml:"day"`
	Hour        *int `yaml:"hour"`
	Minute      *int `yaml:"minute"`
	Second      *int `yaml:"second"`
	Microsecond *int `yaml:"microsecond"`
}

func parseTimeCondition(path, op string, arg *yaml.Node) (condition, error) {
	if arg.Kind != yaml.MappingNode {
		return nil, condErr(path, arg, "expected time components like {hour: 9, minute: 30}")
	}
	var c timeComponents
	for i := 0; i+1 < len(arg.Content); i += 2 {
		k := arg.Content[i].Value
		switch k {
		case "year", "month", "day", "hour", "minute", "second", "microsecond":
		default:
			return nil, condErr(path, arg.Content[i], "unknown time component %q (year, month, day, hour, minute, second, microsecond)", k)
		}
	}
	if err := arg.Decode(&c); err != nil {
		return nil, condErr(path, arg, "time components must be integers: %v", err)
	}
	ranges := []struct {
		v      *int
		name   string
		lo, hi int
	}{
		{c.Year, "year", 1, 9999}, {c.Month, "month", 1, 12}, {c.Day, "day", 1, 31}, {c.Hour, "hour", 0, 23},
		{c.Minute, "minute", 0, 59}, {c.Second, "second", 0, 59}, {c.Microsecond, "microsecond", 0, 999999},
	}
	given := false
	for _, r := range ranges {
		if r.v == nil {
			continue
		}
		given = true
		if *r.v < r.lo || *r.v > r.hi {
			return nil, condErr(path, arg, "%s must be in %d..%d, got %d", r.name, r.lo, r.hi, *r.v)
		}
	}
	if !given {
		return nil, condErr(path, arg, "give at least one time component")
	}
	pick := func(p *int, own int) int {
		if p != nil {
			return *p
		}
		return own
	}
	before := op == "before"
	return condFunc(func(s *condState) bool {
		t := s.ts
		ns := t.Nanosecond()
		if c.Microsecond != nil {
			ns = *c.Microsecond * 1000
		}
		target := time.Date(pick(c.Year, t.Year()), time.Month(pick(c.Month, int(t.Month()))), pick(c.Day, t.Day()),
			pick(c.Hour, t.Hour()), pick(c.Minute, t.Minute()), pick(c.Second, t.Second()), ns, t.Location())
		if before {
			return t.Before(target)
		}
		return !t.Before(target)
	}), nil
}
