package jinja

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
	"go.starlark.net/syntax"
)

// env holds the filters and tests of one compiled template (builtins plus
// Options extensions), as Starlark callables.
type env struct {
	filters map[string]starlark.Callable
	tests   map[string]starlark.Callable
}

type filterFn func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)
type testFn func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error)

func newEnv(opts Options) *env {
	e := &env{filters: map[string]starlark.Callable{}, tests: map[string]starlark.Callable{}}
	for name, f := range builtinFilters {
		e.filters[name] = starlark.NewBuiltin(name, func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("%s: missing value", name)
			}
			v, err := f(e, th, name, args, kw)
			if err != nil {
				return nil, fmt.Errorf("filter %s: %w", name, err)
			}
			return v, nil
		})
	}
	e.filters["d"] = e.filters["default"]
	e.filters["count"] = e.filters["length"]
	e.filters["e"] = e.filters["escape"]
	for name, t := range builtinTests {
		e.tests[name] = starlark.NewBuiltin(name, func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("test %s: missing value", name)
			}
			if len(kw) > 0 {
				return nil, fmt.Errorf("test %s: unexpected keyword arguments", name)
			}
			ok, err := t(e, th, args[0], args[1:])
			if err != nil {
				return nil, fmt.Errorf("test %s: %w", name, err)
			}
			return starlark.Bool(ok), nil
		})
	}
	for name, f := range opts.Filters {
		e.filters[name] = f
	}
	for name, t := range opts.Tests {
		e.tests[canonicalTest(name)] = t
	}
	return e
}

var testAliases = map[string]string{
	"==": "eq", "equalto": "eq", "!=": "ne", ">": "gt", "greaterthan": "gt", ">=": "ge",
	"<": "lt", "lessthan": "lt", "<=": "le",
}

func canonicalTest(name string) string {
	if a, ok := testAliases[name]; ok {
		return a
	}
	return name
}

// --- argument helpers ---

func unpack(name string, args starlark.Tuple, kw []starlark.Tuple, pairs ...any) error {
	return starlark.UnpackArgs(name, args, kw, pairs...)
}

func intArg(v starlark.Value, what string) (int, error) {
	if v == nil || v == starlark.None {
		return 0, fmt.Errorf("%s: expected an integer", what)
	}
	if f, ok := v.(starlark.Float); ok {
		return int(f), nil
	}
	return starlark.AsInt32(v)
}

// optIntArg is intArg for an argument that may be None (then dflt).
func optIntArg(v starlark.Value, what string, dflt int) (int, error) {
	if v == nil || v == starlark.None {
		return dflt, nil
	}
	return intArg(v, what)
}

func randIntN(th *starlark.Thread, n int) int {
	if r, ok := th.Local("rand").(*rand.Rand); ok && r != nil {
		return r.IntN(n)
	}
	return rand.IntN(n)
}

// attrPath returns a getter for Jinja's attribute= argument ("a.b.0").
func attrPath(attr string) func(starlark.Value) starlark.Value {
	parts := strings.Split(attr, ".")
	return func(v starlark.Value) starlark.Value {
		for _, p := range parts {
			if n, err := strconv.Atoi(p); err == nil {
				v = getItem(v, starlark.MakeInt(n))
			} else {
				v, _ = getAttr(v, p)
			}
		}
		return v
	}
}

func ignoreCase(v starlark.Value) starlark.Value {
	if s, ok := v.(starlark.String); ok {
		return starlark.String(strings.ToLower(string(s)))
	}
	return v
}

// keyFunc builds the key of sort/unique/min/max: attribute, then case.
func keyFunc(attribute starlark.Value, caseSensitive bool) func(starlark.Value) starlark.Value {
	get := func(v starlark.Value) starlark.Value { return v }
	if s, ok := attribute.(starlark.String); ok && s != "" {
		get = attrPath(string(s))
	} else if i, ok := attribute.(starlark.Int); ok {
		get = func(v starlark.Value) starlark.Value { return getItem(v, i) }
	}
	if caseSensitive {
		return get
	}
	return func(v starlark.Value) starlark.Value { return ignoreCase(get(v)) }
}

func pyStrip(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

func runeLen(s string) int { return utf8.RuneCountInString(s) }

var builtinFilters = map[string]filterFn{
	"random": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		switch v := args[0].(type) {
		case starlark.String:
			r := []rune(string(v))
			if len(r) == 0 {
				return &Undefined{name: "random item"}, nil
			}
			return starlark.String(string(r[randIntN(th, len(r))])), nil
		case starlark.Indexable:
			n := v.Len()
			if n == 0 {
				return &Undefined{name: "random item"}, nil
			}
			return v.Index(randIntN(th, n)), nil
		}
		items, err := toList(args[0])
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return &Undefined{name: "random item"}, nil
		}
		return items[randIntN(th, len(items))], nil
	},
	"trim": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v, chars starlark.Value = nil, starlark.None
		if err := unpack(name, args, kw, "value", &v, "chars?", &chars); err != nil {
			return nil, err
		}
		if c, ok := chars.(starlark.String); ok {
			return starlark.String(strings.Trim(toStr(v), string(c))), nil
		}
		return starlark.String(pyStrip(toStr(v))), nil
	},
	"upper": strFilter(strings.ToUpper),
	"lower": strFilter(strings.ToLower),
	"title": strFilter(jinjaTitle),
	"capitalize": strFilter(func(s string) string {
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return s
		}
		return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
	}),
	"safe": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		return args[0], nil
	},
	"string":      strFilter(func(s string) string { return s }),
	"escape":      strFilter(htmlEscape),
	"forceescape": strFilter(htmlEscape),
	"wordcount": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		n, in := 0, false
		for _, r := range toStr(args[0]) {
			w := r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
			if w && !in {
				n++
			}
			in = w
		}
		return starlark.MakeInt(n), nil
	},
	"replace": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v, old, repl, count starlark.Value = nil, nil, nil, starlark.None
		if err := unpack(name, args, kw, "value", &v, "old", &old, "new", &repl, "count?", &count); err != nil {
			return nil, err
		}
		n, err := optIntArg(count, "count", -1)
		if err != nil {
			return nil, err
		}
		return starlark.String(strings.Replace(toStr(v), toStr(old), toStr(repl), n)), nil
	},
	"default": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var def starlark.Value = starlark.String("")
		var boolean bool
		if err := unpack(name, args, kw, "value", &v, "default_value?", &def, "boolean?", &boolean); err != nil {
			return nil, err
		}
		if IsUndefined(v) || boolean && !bool(v.Truth()) {
			return def, nil
		}
		return v, nil
	},
	"length": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if s, ok := args[0].(starlark.String); ok {
			return starlark.MakeInt(runeLen(string(s))), nil
		}
		n := starlark.Len(args[0])
		if n < 0 {
			items, err := toList(args[0])
			if err != nil {
				return nil, fmt.Errorf("object of type '%s' has no len()", args[0].Type())
			}
			n = len(items)
		}
		return starlark.MakeInt(n), nil
	},
	"join": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v, attribute starlark.Value = nil, starlark.None
		var d string
		if err := unpack(name, args, kw, "value", &v, "d?", &d, "attribute?", &attribute); err != nil {
			return nil, err
		}
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		get := keyFunc(attribute, true)
		var b []byte
		for i, x := range items {
			if i > 0 {
				b = append(b, d...)
			}
			b = appendStr(b, get(x))
		}
		return starlark.String(b), nil
	},
	"first": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if ix, ok := args[0].(starlark.Indexable); ok {
			if ix.Len() == 0 {
				return &Undefined{name: "first item"}, nil
			}
			if s, ok := ix.(starlark.String); ok {
				r, _ := utf8.DecodeRuneInString(string(s))
				return starlark.String(string(r)), nil
			}
			return ix.Index(0), nil
		}
		it, ok := args[0].(starlark.Iterable)
		if !ok {
			return nil, fmt.Errorf("'%s' object is not iterable", args[0].Type())
		}
		iter := it.Iterate()
		defer iter.Done()
		var x starlark.Value
		if iter.Next(&x) {
			return x, nil
		}
		return &Undefined{name: "first item"}, nil
	},
	"last": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if ix, ok := args[0].(starlark.Indexable); ok && !isString(ix) {
			if ix.Len() == 0 {
				return &Undefined{name: "last item"}, nil
			}
			return ix.Index(ix.Len() - 1), nil
		}
		items, err := toList(args[0])
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return &Undefined{name: "last item"}, nil
		}
		return items[len(items)-1], nil
	},
	"int": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var def starlark.Value = starlark.MakeInt(0)
		base := 10
		if err := unpack(name, args, kw, "value", &v, "default?", &def, "base?", &base); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case starlark.Int:
			return x, nil
		case starlark.Float:
			if math.IsInf(float64(x), 0) || math.IsNaN(float64(x)) {
				return def, nil
			}
			return starlark.NumberToInt(x)
		case starlark.Bool:
			if x {
				return starlark.MakeInt(1), nil
			}
			return starlark.MakeInt(0), nil
		case starlark.String:
			s := strings.ReplaceAll(pyStrip(string(x)), "_", "")
			if base != 10 {
				t := strings.ToLower(strings.TrimLeft(s, "+-"))
				if len(t) > 2 && t[0] == '0' && (base == 16 && t[1] == 'x' || base == 8 && t[1] == 'o' || base == 2 && t[1] == 'b') {
					s = strings.Replace(strings.ToLower(s), t[:2], "", 1)
				}
			}
			if n, err := strconv.ParseInt(s, base, 64); err == nil {
				return starlark.MakeInt64(n), nil
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return starlark.NumberToInt(starlark.Float(f))
			}
		}
		return def, nil
	},
	"float": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var def starlark.Value = starlark.Float(0)
		if err := unpack(name, args, kw, "value", &v, "default?", &def); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case starlark.Float:
			return x, nil
		case starlark.Int:
			return starlark.Float(x.Float()), nil
		case starlark.Bool:
			if x {
				return starlark.Float(1), nil
			}
			return starlark.Float(0), nil
		case starlark.String:
			s := strings.ToLower(pyStrip(string(x)))
			switch s {
			case "inf", "+inf", "infinity", "+infinity":
				return starlark.Float(math.Inf(1)), nil
			case "-inf", "-infinity":
				return starlark.Float(math.Inf(-1)), nil
			case "nan", "+nan", "-nan":
				return starlark.Float(math.NaN()), nil
			}
			if f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
				return starlark.Float(f), nil
			}
		}
		return def, nil
	},
	"round": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		precision := 0
		method := "common"
		if err := unpack(name, args, kw, "value", &v, "precision?", &precision, "method?", &method); err != nil {
			return nil, err
		}
		if method != "common" && method != "ceil" && method != "floor" {
			return nil, fmt.Errorf("method must be common, ceil or floor")
		}
		if i, ok := v.(starlark.Int); ok && method == "common" && precision >= 0 {
			return i, nil // Python: round(int, n) is the int
		}
		f, ok := starlark.AsFloat(v)
		if !ok {
			return nil, fmt.Errorf("expected a number, got %s", v.Type())
		}
		p := math.Pow(10, float64(precision))
		switch method {
		case "ceil":
			return starlark.Float(math.Ceil(f*p) / p), nil
		case "floor":
			return starlark.Float(math.Floor(f*p) / p), nil
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return starlark.Float(f), nil
		}
		if precision >= 0 {
			r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', precision, 64), 64)
			return starlark.Float(r), nil
		}
		return starlark.Float(math.RoundToEven(f*p) / p), nil
	},
	"abs": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		switch x := args[0].(type) {
		case starlark.Int:
			if x.Sign() < 0 {
				return starlark.MakeInt(0).Sub(x), nil
			}
			return x, nil
		case starlark.Float:
			return starlark.Float(math.Abs(float64(x))), nil
		}
		return nil, fmt.Errorf("bad operand type for abs(): '%s'", args[0].Type())
	},
	"tojson": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v, indent starlark.Value = nil, starlark.None
		if err := unpack(name, args, kw, "value", &v, "indent?", &indent); err != nil {
			return nil, err
		}
		// Jinja's tojson: json.dumps(sort_keys=True) with < > & ' escaped.
		opts := starlib.JSONOptions{ItemSep: ", ", KeySep: ": ", SortKeys: true, EnsureASCII: true, HTMLSafe: true}
		if indent != starlark.None {
			n, err := intArg(indent, "indent")
			if err != nil {
				return nil, err
			}
			if err := guard.CheckCount(name, "indent", int64(n), 4096); err != nil { // repeated per line and level
				return nil, err
			}
			opts.ItemSep, opts.Indent, opts.HasIndent = ",", strings.Repeat(" ", max(n, 0)), true
		}
		if IsUndefined(v) {
			return nil, fmt.Errorf("Object of type Undefined is not JSON serializable")
		}
		b, err := starlib.AppendJSON(nil, v, &opts)
		if err != nil {
			return nil, err
		}
		return starlark.String(b), nil
	},
	"list": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		items, err := toList(args[0])
		if err != nil {
			return nil, err
		}
		return starlark.NewList(items), nil
	},
	"sort": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var reverse, caseSensitive bool
		var attribute starlark.Value = starlark.None
		if err := unpack(name, args, kw, "value", &v, "reverse?", &reverse, "case_sensitive?", &caseSensitive, "attribute?", &attribute); err != nil {
			return nil, err
		}
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		if err := sortValues(items, keyFunc(attribute, caseSensitive), reverse); err != nil {
			return nil, err
		}
		return starlark.NewList(items), nil
	},
	"dictsort": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var caseSensitive, reverse bool
		by := "key"
		if err := unpack(name, args, kw, "value", &v, "case_sensitive?", &caseSensitive, "by?", &by, "reverse?", &reverse); err != nil {
			return nil, err
		}
		m, ok := v.(starlark.IterableMapping)
		if !ok {
			return nil, fmt.Errorf("expected a mapping, got %s", v.Type())
		}
		idx := 0
		if by == "value" {
			idx = 1
		} else if by != "key" {
			return nil, fmt.Errorf("you can only sort by either \"key\" or \"value\"")
		}
		var items []starlark.Value
		for _, kv := range m.Items() {
			items = append(items, kv)
		}
		get := keyFunc(starlark.MakeInt(idx), caseSensitive)
		if err := sortValues(items, get, reverse); err != nil {
			return nil, err
		}
		return starlark.NewList(items), nil
	},
	"items": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if IsUndefined(args[0]) {
			return starlark.NewList(nil), nil
		}
		m, ok := args[0].(starlark.IterableMapping)
		if !ok {
			return nil, fmt.Errorf("can only get item pairs from a mapping, not %s", args[0].Type())
		}
		var items []starlark.Value
		for _, kv := range m.Items() {
			items = append(items, kv)
		}
		return starlark.NewList(items), nil
	},
	"attr": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var attr string
		if err := unpack(name, args, kw, "obj", &v, "name", &attr); err != nil {
			return nil, err
		}
		if h, ok := v.(starlark.HasAttrs); ok {
			if x, err := h.Attr(attr); err == nil && x != nil {
				return x, nil
			}
		}
		return &Undefined{name: attr}, nil
	},
	"unique": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var caseSensitive bool
		var attribute starlark.Value = starlark.None
		if err := unpack(name, args, kw, "value", &v, "case_sensitive?", &caseSensitive, "attribute?", &attribute); err != nil {
			return nil, err
		}
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		key := keyFunc(attribute, caseSensitive)
		seen := starlark.NewDict(len(items))
		var out []starlark.Value
		for _, x := range items {
			k := key(x)
			if _, found, err := seen.Get(k); err != nil {
				return nil, err
			} else if found {
				continue
			}
			if err := seen.SetKey(k, starlark.None); err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return starlark.NewList(out), nil
	},
	"reverse": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if s, ok := args[0].(starlark.String); ok {
			r := []rune(string(s))
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return starlark.String(string(r)), nil
		}
		items, err := toList(args[0])
		if err != nil {
			return nil, err
		}
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
		return starlark.NewList(items), nil
	},
	"min": minMax(syntax.LT),
	"max": minMax(syntax.GT),
	"sum": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var attribute starlark.Value = starlark.None
		var start starlark.Value = starlark.MakeInt(0)
		if err := unpack(name, args, kw, "iterable", &v, "attribute?", &attribute, "start?", &start); err != nil {
			return nil, err
		}
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		get := keyFunc(attribute, true)
		acc := start
		for _, x := range items {
			if acc, err = starlark.Binary(syntax.PLUS, acc, get(x)); err != nil {
				return nil, err
			}
		}
		return acc, nil
	},
	"map": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		items, err := toList(args[0])
		if err != nil {
			return nil, err
		}
		var attribute, def starlark.Value
		var rest []starlark.Tuple
		for _, kv := range kw {
			switch kv[0].(starlark.String) {
			case "attribute":
				attribute = kv[1]
			case "default":
				def = kv[1]
			default:
				rest = append(rest, kv)
			}
		}
		out := make([]starlark.Value, len(items))
		if attribute != nil {
			get := keyFunc(attribute, true)
			for i, x := range items {
				out[i] = get(x)
				if def != nil && IsUndefined(out[i]) {
					out[i] = def
				}
			}
			return starlark.NewList(out), nil
		}
		if len(args) < 2 {
			return nil, fmt.Errorf("map requires a filter name or attribute=")
		}
		fname, ok := args[1].(starlark.String)
		f := e.filters[string(fname)]
		if !ok || f == nil {
			return nil, fmt.Errorf("no filter named %s", args[1].String())
		}
		for i, x := range items {
			call := append(starlark.Tuple{x}, args[2:]...)
			if out[i], err = starlark.Call(th, f, call, rest); err != nil {
				return nil, err
			}
		}
		return starlark.NewList(out), nil
	},
	"select":     selectFilter(false, false),
	"reject":     selectFilter(true, false),
	"selectattr": selectFilter(false, true),
	"rejectattr": selectFilter(true, true),
	"batch": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var fill starlark.Value = starlark.None
		var n int
		if err := unpack(name, args, kw, "value", &v, "linecount", &n, "fill_with?", &fill); err != nil {
			return nil, err
		}
		if n <= 0 {
			return nil, fmt.Errorf("linecount must be positive")
		}
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		var out []starlark.Value
		for i := 0; i < len(items); i += n {
			row := append([]starlark.Value(nil), items[i:min(i+n, len(items))]...)
			for fill != starlark.None && len(row) < n {
				row = append(row, fill)
			}
			out = append(out, starlark.NewList(row))
		}
		return starlark.NewList(out), nil
	},
	"format": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		// Jinja: soft_str(value) % (kwargs or args), with Python's %.
		f := toStr(args[0])
		if len(kw) > 0 {
			if len(args) > 1 {
				return nil, fmt.Errorf("can't handle positional and keyword arguments at the same time")
			}
			d := starlark.NewDict(len(kw))
			for _, kv := range kw {
				_ = d.SetKey(kv[0], kv[1])
			}
			return pyPercent(f, d)
		}
		return pyPercent(f, args[1:])
	},
	"truncate": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		length, killwords, end := 255, false, "..."
		var leeway starlark.Value = starlark.None
		if err := unpack(name, args, kw, "s", &v, "length?", &length, "killwords?", &killwords, "end?", &end, "leeway?", &leeway); err != nil {
			return nil, err
		}
		lw, err := optIntArg(leeway, "leeway", 5)
		if err != nil {
			return nil, err
		}
		r := []rune(toStr(v))
		endLen := runeLen(end)
		if length < endLen {
			return nil, fmt.Errorf("expected length >= %d, got %d", endLen, length)
		}
		if lw < 0 {
			return nil, fmt.Errorf("expected leeway >= 0, got %d", lw)
		}
		if len(r) <= length+lw {
			return starlark.String(string(r)), nil
		}
		cut := string(r[:length-endLen])
		if killwords {
			return starlark.String(cut + end), nil
		}
		if i := strings.LastIndexByte(cut, ' '); i >= 0 {
			cut = cut[:i]
		}
		return starlark.String(cut + end), nil
	},
	"indent": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var width starlark.Value = starlark.MakeInt(4)
		var first, blank bool
		if err := unpack(name, args, kw, "s", &v, "width?", &width, "first?", &first, "blank?", &blank); err != nil {
			return nil, err
		}
		ind := ""
		if s, ok := width.(starlark.String); ok {
			ind = string(s)
		} else {
			n, err := intArg(width, "width")
			if err != nil {
				return nil, err
			}
			if err := guard.CheckCount(name, "width", int64(n), 4096); err != nil { // repeated on every line
				return nil, err
			}
			ind = strings.Repeat(" ", max(n, 0))
		}
		lines := pySplitLines(toStr(v) + "\n")
		var rv string
		if blank {
			rv = strings.Join(lines, "\n"+ind)
		} else {
			rv = lines[0]
			if len(lines) > 1 {
				var sb strings.Builder
				sb.WriteString(rv)
				for _, l := range lines[1:] {
					sb.WriteString("\n")
					if l != "" {
						sb.WriteString(ind)
					}
					sb.WriteString(l)
				}
				rv = sb.String()
			}
		}
		if first {
			rv = ind + rv
		}
		return starlark.String(rv), nil
	},
	"center": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		width := 80
		if err := unpack(name, args, kw, "value", &v, "width?", &width); err != nil {
			return nil, err
		}
		if err := guard.CheckCount(name, "width", int64(width), 1); err != nil {
			return nil, err
		}
		return starlark.String(pyCenter(toStr(v), width, " ")), nil
	},
	"urlencode": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		v := args[0]
		switch x := v.(type) {
		case starlark.String:
			return starlark.String(urlQuote(string(x), false)), nil
		case starlark.Bytes:
			return starlark.String(urlQuote(string(x), false)), nil
		}
		var pairs []starlark.Value
		if m, ok := v.(starlark.IterableMapping); ok {
			for _, kv := range m.Items() {
				pairs = append(pairs, kv)
			}
		} else {
			items, err := toList(v)
			if err != nil {
				return starlark.String(urlQuote(toStr(v), false)), nil
			}
			pairs = items
		}
		var parts []string
		for _, p := range pairs {
			kv, ok := p.(starlark.Indexable)
			if !ok || kv.Len() != 2 {
				return nil, fmt.Errorf("expected key/value pairs")
			}
			parts = append(parts, urlQuote(toStr(kv.Index(0)), true)+"="+urlQuote(toStr(kv.Index(1)), true))
		}
		return starlark.String(strings.Join(parts, "&")), nil
	},
	"b64encode": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var s string
		if b, ok := args[0].(starlark.Bytes); ok {
			s = string(b)
		} else {
			s = toStr(args[0])
		}
		return starlark.String(base64.StdEncoding.EncodeToString([]byte(s))), nil
	},
	"b64decode": func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var s string
		if b, ok := args[0].(starlark.Bytes); ok {
			s = string(b)
		} else {
			s = toStr(args[0])
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		return starlark.String(b), nil
	},
}

func isString(v starlark.Value) bool { _, ok := v.(starlark.String); return ok }

func strFilter(f func(string) string) filterFn {
	return func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(args) != 1 || len(kw) > 0 {
			return nil, fmt.Errorf("takes no arguments")
		}
		return starlark.String(f(toStr(args[0]))), nil
	}
}

// jinjaTitle is Jinja's title filter: words start after "-", whitespace
// and opening brackets.
func jinjaTitle(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if r == '-' || unicode.IsSpace(r) || strings.ContainsRune("({[<", r) {
			b.WriteRune(r)
			start = true
			continue
		}
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = false
	}
	return b.String()
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlReplacer.Replace(s) }

// pyCenter is Python's str.center.
func pyCenter(s string, width int, fill string) string {
	marg := width - runeLen(s)
	if marg <= 0 {
		return s
	}
	left := marg/2 + (marg & width & 1)
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, marg-left)
}

// urlQuote is Python's urllib.parse.quote with safe="/" (or "" and spaces
// as "+" for query strings), as used by Jinja's urlencode.
func urlQuote(s string, forQS bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~", c) >= 0:
			b.WriteByte(c)
		case c == '/' && !forQS:
			b.WriteByte(c)
		case c == ' ' && forQS:
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func sortValues(items []starlark.Value, key func(starlark.Value) starlark.Value, reverse bool) error {
	keys := make([]starlark.Value, len(items))
	for i, x := range items {
		keys[i] = key(x)
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var err error
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := keys[idx[a]], keys[idx[b]]
		if reverse {
			x, y = y, x
		}
		lt, e := starlark.Compare(syntax.LT, x, y)
		if e != nil && err == nil {
			err = e
		}
		return lt
	})
	if err != nil {
		return err
	}
	sorted := make([]starlark.Value, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	copy(items, sorted)
	return nil
}

func minMax(op syntax.Token) filterFn {
	return func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var v starlark.Value
		var caseSensitive bool
		var attribute starlark.Value = starlark.None
		if err := unpack(name, args, kw, "value", &v, "case_sensitive?", &caseSensitive, "attribute?", &attribute); err != nil {
			return nil, err
		}
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return &Undefined{name: "No aggregated item, sequence was empty."}, nil
		}
		key := keyFunc(attribute, caseSensitive)
		best, bestKey := items[0], key(items[0])
		for _, x := range items[1:] {
			k := key(x)
			better, err := starlark.Compare(op, k, bestKey)
			if err != nil {
				return nil, err
			}
			if better {
				best, bestKey = x, k
			}
		}
		return best, nil
	}
}

// selectFilter implements select/reject(seq, test, args...) and
// selectattr/rejectattr(seq, attr, test, args...).
func selectFilter(reject, byAttr bool) filterFn {
	return func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		items, err := toList(args[0])
		if err != nil {
			return nil, err
		}
		rest := args[1:]
		get := func(v starlark.Value) starlark.Value { return v }
		if byAttr {
			if len(rest) == 0 {
				return nil, fmt.Errorf("missing attribute name")
			}
			switch a := rest[0].(type) {
			case starlark.String:
				get = attrPath(string(a))
			case starlark.Int: // an item index, as Jinja's attribute getter takes it
				get = func(v starlark.Value) starlark.Value { return getItem(v, a) }
			default:
				return nil, fmt.Errorf("attribute name must be a string or an integer, not %s", rest[0].Type())
			}
			rest = rest[1:]
		}
		var test starlark.Callable
		if len(rest) > 0 {
			tn, ok := rest[0].(starlark.String)
			if !ok {
				return nil, fmt.Errorf("test name must be a string, not %s", rest[0].Type())
			}
			if test = e.tests[canonicalTest(string(tn))]; test == nil {
				return nil, fmt.Errorf("no test named '%s'", string(tn))
			}
			rest = rest[1:]
		}
		var out []starlark.Value
		for _, x := range items {
			v := get(x)
			var ok bool
			if test == nil {
				ok = bool(v.Truth())
			} else {
				r, err := starlark.Call(th, test, append(starlark.Tuple{v}, rest...), kw)
				if err != nil {
					return nil, err
				}
				ok = bool(r.Truth())
			}
			if ok != reject {
				out = append(out, x)
			}
		}
		return starlark.NewList(out), nil
	}
}

// --- tests ---

func cmpTest(op syntax.Token) testFn {
	return func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		if len(args) != 1 {
			return false, fmt.Errorf("expected one argument")
		}
		return starlark.Compare(op, v, args[0])
	}
}

func typeTest(f func(starlark.Value) bool) testFn {
	return func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		return f(v), nil
	}
}

func intParity(v starlark.Value, want int64) (bool, error) {
	switch x := v.(type) {
	case starlark.Int:
		r, err := starlark.Binary(syntax.PERCENT, x, starlark.MakeInt(2))
		if err != nil {
			return false, err
		}
		n, _ := r.(starlark.Int).Int64()
		return n == want, nil
	case starlark.Float:
		return math.Mod(float64(x), 2) == float64(want), nil
	}
	return false, fmt.Errorf("expected a number, got %s", v.Type())
}

func casedTest(want func(rune) bool, other func(rune) bool) testFn {
	return func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		s, ok := v.(starlark.String)
		if !ok {
			return false, nil
		}
		cased := false
		for _, r := range string(s) {
			if other(r) {
				return false, nil
			}
			if want(r) {
				cased = true
			}
		}
		return cased, nil
	}
}

var builtinTests = map[string]testFn{
	"defined":   typeTest(func(v starlark.Value) bool { return !IsUndefined(v) }),
	"undefined": typeTest(IsUndefined),
	"none":      typeTest(func(v starlark.Value) bool { return v == starlark.None }),
	"number": typeTest(func(v starlark.Value) bool {
		switch v.(type) {
		case starlark.Int, starlark.Float, starlark.Bool:
			return true
		}
		return false
	}),
	"integer": typeTest(func(v starlark.Value) bool { _, ok := v.(starlark.Int); return ok }),
	"float":   typeTest(func(v starlark.Value) bool { _, ok := v.(starlark.Float); return ok }),
	"boolean": typeTest(func(v starlark.Value) bool { _, ok := v.(starlark.Bool); return ok }),
	"true":    typeTest(func(v starlark.Value) bool { return v == starlark.True }),
	"false":   typeTest(func(v starlark.Value) bool { return v == starlark.False }),
	"string":  typeTest(isString),
	"mapping": typeTest(func(v starlark.Value) bool {
		_, ok := v.(starlark.Mapping)
		return ok && !IsUndefined(v)
	}),
	"sequence": typeTest(func(v starlark.Value) bool {
		if IsUndefined(v) {
			return false
		}
		_, ok1 := v.(starlark.Sequence)
		_, ok2 := v.(starlark.Indexable)
		return ok1 || ok2
	}),
	"iterable": typeTest(func(v starlark.Value) bool {
		_, ok := v.(starlark.Iterable)
		return ok || isString(v)
	}),
	"callable": typeTest(func(v starlark.Value) bool { _, ok := v.(starlark.Callable); return ok }),
	"escaped":  typeTest(func(starlark.Value) bool { return false }),
	"lower":    casedTest(unicode.IsLower, unicode.IsUpper),
	"upper":    casedTest(unicode.IsUpper, unicode.IsLower),
	"even": func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		return intParity(v, 0)
	},
	"odd": func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		ok, err := intParity(v, 1)
		if err == nil && !ok {
			if f, isF := v.(starlark.Float); isF {
				return math.Mod(float64(f), 2) == -1 || math.Mod(float64(f), 2) == 1, nil
			}
		}
		return ok, err
	},
	"divisibleby": func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		if len(args) != 1 {
			return false, fmt.Errorf("expected one argument")
		}
		r, err := starlark.Binary(syntax.PERCENT, v, args[0])
		if err != nil {
			return false, err
		}
		return starlark.Equal(r, starlark.MakeInt(0))
	},
	"in": func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		if len(args) != 1 {
			return false, fmt.Errorf("expected one argument")
		}
		r, err := starlark.Binary(syntax.IN, v, args[0])
		if err != nil {
			return false, err
		}
		return bool(r.Truth()), nil
	},
	"eq": cmpTest(syntax.EQL),
	"ne": cmpTest(syntax.NEQ),
	"gt": cmpTest(syntax.GT),
	"ge": cmpTest(syntax.GE),
	"lt": cmpTest(syntax.LT),
	"le": cmpTest(syntax.LE),
	"sameas": func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		if len(args) != 1 {
			return false, fmt.Errorf("expected one argument")
		}
		switch v.(type) {
		case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String:
			if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", args[0]) {
				return false, nil
			}
			return starlark.Equal(v, args[0])
		case *starlark.List, *starlark.Dict, *starlark.Set, *namespace, *Undefined:
			return v == args[0], nil
		}
		return false, nil
	},
	"filter": func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		s, ok := v.(starlark.String)
		return ok && e.filters[string(s)] != nil, nil
	},
	"test": func(e *env, th *starlark.Thread, v starlark.Value, args starlark.Tuple) (bool, error) {
		s, ok := v.(starlark.String)
		return ok && e.tests[canonicalTest(string(s))] != nil, nil
	},
}
