package jinja

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// appendJSON encodes v like Python's json.dumps(v, sort_keys=True) (with
// indent when >= 0) and then escapes < > & ' as Jinja's tojson does.
func appendJSON(b []byte, v starlark.Value, indent, level int) ([]byte, error) {
	if level > 100 {
		return nil, fmt.Errorf("value nested too deeply")
	}
	newline := func(b []byte, lvl int) []byte {
		b = append(b, '\n')
		for i := 0; i < indent*lvl; i++ {
			b = append(b, ' ')
		}
		return b
	}
	sep := []byte(", ")
	if indent >= 0 {
		sep = []byte(",")
	}
	switch x := v.(type) {
	case starlark.NoneType:
		return append(b, "null"...), nil
	case starlark.Bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case starlark.Int:
		return append(b, x.String()...), nil
	case starlark.Float:
		return appendJSONFloat(b, float64(x)), nil
	case starlark.String:
		return appendJSONString(b, string(x)), nil
	case starlark.IterableMapping:
		items := x.Items()
		if len(items) == 0 {
			return append(b, "{}"...), nil
		}
		keys := make([]string, len(items))
		allStr, allNum := true, true
		for i, kv := range items {
			switch k := kv[0].(type) {
			case starlark.String:
				keys[i] = string(k)
				allNum = false
			case starlark.Int, starlark.Float:
				keys[i] = string(appendJSONFloatKey(nil, k))
				allStr = false
			case starlark.Bool:
				keys[i] = map[bool]string{true: "true", false: "false"}[bool(k)]
				allStr, allNum = false, false
			case starlark.NoneType:
				keys[i], allStr, allNum = "null", false, false
			default:
				return nil, fmt.Errorf("keys must be str, int, float, bool or None, not %s", k.Type())
			}
		}
		idx := make([]int, len(items))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, c int) bool {
			if allNum && !allStr {
				lt, _ := starlark.Compare(syntax.LT, items[idx[a]][0], items[idx[c]][0])
				return lt
			}
			return keys[idx[a]] < keys[idx[c]]
		})
		b = append(b, '{')
		for n, i := range idx {
			if n > 0 {
				b = append(b, sep...)
			}
			if indent >= 0 {
				b = newline(b, level+1)
			}
			b = appendJSONString(b, keys[i])
			b = append(b, ": "...)
			var err error
			if b, err = appendJSON(b, items[i][1], indent, level+1); err != nil {
				return nil, err
			}
		}
		if indent >= 0 {
			b = newline(b, level)
		}
		return append(b, '}'), nil
	case *starlark.List, starlark.Tuple:
		ix := x.(starlark.Indexable)
		if ix.Len() == 0 {
			return append(b, "[]"...), nil
		}
		b = append(b, '[')
		for i := 0; i < ix.Len(); i++ {
			if i > 0 {
				b = append(b, sep...)
			}
			if indent >= 0 {
				b = newline(b, level+1)
			}
			var err error
			if b, err = appendJSON(b, ix.Index(i), indent, level+1); err != nil {
				return nil, err
			}
		}
		if indent >= 0 {
			b = newline(b, level)
		}
		return append(b, ']'), nil
	case *Undefined:
		return nil, fmt.Errorf("Object of type Undefined is not JSON serializable")
	}
	if seq, ok := v.(starlark.Indexable); ok {
		if _, isStr := v.(starlark.Bytes); !isStr {
			return appendJSON(b, starlark.NewList(mustList(seq)), indent, level)
		}
	}
	return nil, fmt.Errorf("Object of type %s is not JSON serializable", v.Type())
}

func mustList(ix starlark.Indexable) []starlark.Value {
	out := make([]starlark.Value, ix.Len())
	for i := range out {
		out[i] = ix.Index(i)
	}
	return out
}

func appendJSONFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return appendPyFloat(b, f)
}

func appendJSONFloatKey(b []byte, v starlark.Value) []byte {
	if f, ok := v.(starlark.Float); ok {
		return appendJSONFloat(b, float64(f))
	}
	return append(b, v.String()...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as json.dumps(ensure_ascii=True) does, with
// Jinja's extra escapes for < > & '.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '<', '>', '&', '\'':
			b = appendU4(b, r)
		default:
			switch {
			case r < 0x20 || r >= 0x7f && r <= 0xffff:
				b = appendU4(b, r)
			case r > 0xffff:
				r -= 0x10000
				b = appendU4(b, 0xd800+(r>>10))
				b = appendU4(b, 0xdc00+(r&0x3ff))
			default:
				b = append(b, byte(r))
			}
		}
	}
	return append(b, '"')
}

func appendU4(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}

// pyStringMethods are the Python str/bytes methods Starlark lacks; calls
// "x.name(...)" compile to "$m:name"(x, ...). On a value of another type
// the helper calls the value's own attribute of that name.
var pyStringMethods = map[string]bool{
	"zfill": true, "ljust": true, "rjust": true, "center": true, "encode": true, "decode": true,
	"swapcase": true, "casefold": true, "isnumeric": true, "isdecimal": true, "isascii": true,
}

type strMethodFn func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

var strMethods = map[string]*starlark.Builtin{}

func init() {
	impl := map[string]strMethodFn{
		"zfill": func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var width int
			if err := starlark.UnpackPositionalArgs(name, args, kw, 1, &width); err != nil {
				return nil, err
			}
			s := string(recv.(starlark.String))
			n := width - runeLen(s)
			if n <= 0 {
				return recv, nil
			}
			sign := ""
			if s != "" && (s[0] == '+' || s[0] == '-') {
				sign, s = s[:1], s[1:]
			}
			return starlark.String(sign + strings.Repeat("0", n) + s), nil
		},
		"ljust":  justify(false),
		"rjust":  justify(true),
		"center": justifyCenter,
		"encode": func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var encoding, errs string = "utf-8", "strict"
			if err := starlark.UnpackArgs(name, args, kw, "encoding?", &encoding, "errors?", &errs); err != nil {
				return nil, err
			}
			if !isUTF8Name(encoding) {
				return nil, fmt.Errorf("%s: unsupported encoding %q", name, encoding)
			}
			return starlark.Bytes(recv.(starlark.String)), nil
		},
		"swapcase": func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(name, args, kw, 0); err != nil {
				return nil, err
			}
			return starlark.String(strings.Map(func(r rune) rune {
				if unicode.IsUpper(r) {
					return unicode.ToLower(r)
				}
				return unicode.ToUpper(r)
			}, string(recv.(starlark.String)))), nil
		},
		"casefold": func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return starlark.String(strings.ToLower(string(recv.(starlark.String)))), nil
		},
		"isnumeric": runeClass(unicode.IsNumber),
		"isdecimal": runeClass(unicode.IsDigit),
		"isascii": func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			for _, r := range string(recv.(starlark.String)) {
				if r > 0x7f {
					return starlark.False, nil
				}
			}
			return starlark.True, nil
		},
	}
	for name, f := range impl {
		strMethods[name] = starlark.NewBuiltin(name, func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			recv := args[0]
			if _, ok := recv.(starlark.String); ok {
				return f(recv, name, args[1:], kw)
			}
			return callAttr(th, recv, name, args[1:], kw)
		})
	}
	strMethods["decode"] = starlark.NewBuiltin("decode", func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		b, ok := args[0].(starlark.Bytes)
		if !ok {
			return callAttr(th, args[0], "decode", args[1:], kw)
		}
		var encoding, errs string = "utf-8", "strict"
		if err := starlark.UnpackArgs("decode", args[1:], kw, "encoding?", &encoding, "errors?", &errs); err != nil {
			return nil, err
		}
		if !isUTF8Name(encoding) {
			return nil, fmt.Errorf("decode: unsupported encoding %q", encoding)
		}
		if errs == "strict" && !utf8.ValidString(string(b)) {
			return nil, fmt.Errorf("decode: invalid UTF-8")
		}
		return starlark.String(strings.ToValidUTF8(string(b), "\uFFFD")), nil
	})
}

func isUTF8Name(s string) bool {
	switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
	case "utf-8", "utf8", "ascii", "us-ascii":
		return true
	}
	return false
}

func callAttr(th *starlark.Thread, recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	h, ok := recv.(starlark.HasAttrs)
	if ok {
		if m, err := h.Attr(name); err == nil && m != nil {
			return starlark.Call(th, m, args, kw)
		}
	}
	return nil, fmt.Errorf("%s has no .%s field or method", recv.Type(), name)
}

func justify(right bool) strMethodFn {
	return func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var width int
		fill := " "
		if err := starlark.UnpackPositionalArgs(name, args, kw, 1, &width, &fill); err != nil {
			return nil, err
		}
		if runeLen(fill) != 1 {
			return nil, fmt.Errorf("%s: the fill character must be exactly one character long", name)
		}
		s := string(recv.(starlark.String))
		n := width - runeLen(s)
		if n <= 0 {
			return recv, nil
		}
		if right {
			return starlark.String(strings.Repeat(fill, n) + s), nil
		}
		return starlark.String(s + strings.Repeat(fill, n)), nil
	}
}

func justifyCenter(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var width int
	fill := " "
	if err := starlark.UnpackPositionalArgs(name, args, kw, 1, &width, &fill); err != nil {
		return nil, err
	}
	if runeLen(fill) != 1 {
		return nil, fmt.Errorf("%s: the fill character must be exactly one character long", name)
	}
	return starlark.String(pyCenter(string(recv.(starlark.String)), width, fill)), nil
}

func runeClass(f func(rune) bool) strMethodFn {
	return func(recv starlark.Value, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		s := string(recv.(starlark.String))
		if s == "" {
			return starlark.False, nil
		}
		for _, r := range s {
			if !f(r) {
				return starlark.False, nil
			}
		}
		return starlark.True, nil
	}
}
