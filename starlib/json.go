package starlib

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/eventum-go/eventum/starlib/guard"
)

// module.json: dumps with Python's json.dumps output (default separators
// ", " and ": ", ensure_ascii, indent, sort_keys) and loads (order-keeping,
// via go.starlark.net/lib/json's decoder), plus go.starlark.net/lib/json's
// encode, decode and indent with their Starlark semantics.

var jsonModule = sync.OnceValue(func() starlark.Value {
	return &starlarkstruct.Module{Name: "json", Members: starlark.StringDict{
		"dumps": starlark.NewBuiltin("json.dumps", jsonDumps),
		"loads": starlark.NewBuiltin("json.loads", jsonLoads),
		// go.starlark.net's own API, as Starlark users know it:
		// encode(x) compact JSON, decode(s[, default]), indent(s, prefix="", indent="\t").
		"encode": starjson.Module.Members["encode"],
		"decode": starjson.Module.Members["decode"],
		"indent": starjson.Module.Members["indent"],
	}}
})

// JSONOptions are json.dumps' keyword arguments.
type JSONOptions struct {
	ItemSep, KeySep string
	Indent          string // "" with HasIndent false: one line
	HasIndent       bool
	SortKeys        bool
	EnsureASCII     bool
	// HTMLSafe also escapes < > & ' (as \u003c ...), like Jinja's tojson,
	// so the output can sit inside HTML or a quoted attribute.
	HTMLSafe bool
}

// DefaultJSON are Python's json.dumps defaults.
var DefaultJSON = JSONOptions{ItemSep: ", ", KeySep: ": ", EnsureASCII: true}

func jsonDumps(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	opts := DefaultJSON
	var obj starlark.Value
	if len(kwargs) == 0 && len(args) == 1 {
		obj = args[0]
	} else {
		var indent, separators starlark.Value = starlark.None, starlark.None
		ensureASCII, sortKeys := true, false
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "obj", &obj, "indent?", &indent,
			"separators?", &separators, "sort_keys?", &sortKeys, "ensure_ascii?", &ensureASCII); err != nil {
			return nil, err
		}
		opts.SortKeys, opts.EnsureASCII = sortKeys, ensureASCII
		switch v := indent.(type) {
		case starlark.NoneType:
		case starlark.Int:
			n, _ := v.Int64()
			if err := guard.CheckCount(b.Name(), "indent", n, 4096); err != nil { // the indent repeats per nesting level
				return nil, err
			}
			opts.HasIndent, opts.Indent, opts.ItemSep = true, strings.Repeat(" ", int(max(n, 0))), ","
		case starlark.String:
			opts.HasIndent, opts.Indent, opts.ItemSep = true, string(v), ","
		default:
			return nil, fmt.Errorf("%s: indent must be int, str or None, not %s", b.Name(), v.Type())
		}
		if separators != starlark.None {
			seq, ok := separators.(starlark.Indexable)
			if !ok || seq.Len() != 2 {
				return nil, fmt.Errorf("%s: separators must be an (item_separator, key_separator) pair", b.Name())
			}
			is, ok1 := seq.Index(0).(starlark.String)
			ks, ok2 := seq.Index(1).(starlark.String)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%s: separators must be strings", b.Name())
			}
			opts.ItemSep, opts.KeySep = string(is), string(ks)
		}
	}
	var stack [256]byte
	out, err := AppendJSON(stack[:0], obj, &opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return starlark.String(out), nil
}

var starlarkDecode = starjson.Module.Members["decode"]

func jsonLoads(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "s", &s); err != nil {
		return nil, err
	}
	if bs, ok := s.(starlark.Bytes); ok {
		s = starlark.String(bs)
	}
	v, err := starlark.Call(thread, starlarkDecode, starlark.Tuple{s}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return v, nil
}

// AppendJSON appends v encoded like Python's json.dumps with opts.
func AppendJSON(b []byte, v starlark.Value, opts *JSONOptions) ([]byte, error) {
	return appendJSON(b, v, opts, 0)
}

func appendJSON(b []byte, v starlark.Value, o *JSONOptions, depth int) ([]byte, error) {
	if depth > 100 {
		return b, fmt.Errorf("nesting too deep (circular reference?)")
	}
	switch v := v.(type) {
	case starlark.NoneType:
		return append(b, "null"...), nil
	case starlark.Bool:
		if v {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case starlark.Int:
		if n, ok := v.Int64(); ok {
			return strconv.AppendInt(b, n, 10), nil
		}
		return append(b, v.String()...), nil
	case starlark.Float:
		return appendPyFloatJSON(b, float64(v)), nil
	case starlark.String:
		return appendJSONString(b, string(v), o), nil
	case *starlark.List:
		return appendJSONSeq(b, v, v.Len(), o, depth)
	case starlark.Tuple:
		return appendJSONSeq(b, v, len(v), o, depth)
	case starlark.IterableMapping: // dicts, sample rows, JSON objects
		return appendJSONDict(b, v.Items(), o, depth)
	case starlark.Bytes:
	case starlark.Indexable: // other sequences (sample rows by index)
		return appendJSONSeq(b, v, v.Len(), o, depth)
	}
	return b, fmt.Errorf("Object of type %s is not JSON serializable", v.Type())
}

func appendNewline(b []byte, o *JSONOptions, depth int) []byte {
	b = append(b, '\n')
	for range depth {
		b = append(b, o.Indent...)
	}
	return b
}

func appendJSONSeq(b []byte, seq starlark.Indexable, n int, o *JSONOptions, depth int) ([]byte, error) {
	if n == 0 {
		return append(b, "[]"...), nil
	}
	b = append(b, '[')
	var err error
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, o.ItemSep...)
		}
		if o.HasIndent {
			b = appendNewline(b, o, depth+1)
		}
		if b, err = appendJSON(b, seq.Index(i), o, depth+1); err != nil {
			return b, err
		}
	}
	if o.HasIndent {
		b = appendNewline(b, o, depth)
	}
	return append(b, ']'), nil
}

// jsonKey converts a dict key the way Python's json does.
func jsonKey(k starlark.Value) (string, error) {
	switch k := k.(type) {
	case starlark.String:
		return string(k), nil
	case starlark.Int:
		return k.String(), nil
	case starlark.Float:
		return string(appendPyFloatJSON(nil, float64(k))), nil
	case starlark.Bool:
		if k {
			return "true", nil
		}
		return "false", nil
	case starlark.NoneType:
		return "null", nil
	}
	return "", fmt.Errorf("keys must be str, int, float, bool or None, not %s", k.Type())
}

func appendJSONDict(b []byte, items []starlark.Tuple, o *JSONOptions, depth int) ([]byte, error) {
	if len(items) == 0 {
		return append(b, "{}"...), nil
	}
	b = append(b, '{')
	var err error
	if !o.SortKeys { // the per-event path: no extra allocation
		for i, it := range items {
			key, err := jsonKey(it[0])
			if err != nil {
				return b, err
			}
			if b, err = appendJSONEntry(b, i, key, it[1], o, depth); err != nil {
				return b, err
			}
		}
		return closeJSONDict(b, o, depth), nil
	}
	type kv struct {
		orig starlark.Value
		k    string
		v    starlark.Value
	}
	pairs := make([]kv, len(items))
	numeric := true // every key an int or float: Python sorts them as numbers
	for i, it := range items {
		key, err := jsonKey(it[0])
		if err != nil {
			return b, err
		}
		pairs[i] = kv{it[0], key, it[1]}
		switch it[0].(type) {
		case starlark.Int, starlark.Float:
		default:
			numeric = false
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if numeric {
			lt, _ := starlark.Compare(syntax.LT, pairs[i].orig, pairs[j].orig)
			return lt
		}
		return pairs[i].k < pairs[j].k
	})
	for i, p := range pairs {
		if b, err = appendJSONEntry(b, i, p.k, p.v, o, depth); err != nil {
			return b, err
		}
	}
	return closeJSONDict(b, o, depth), nil
}

func closeJSONDict(b []byte, o *JSONOptions, depth int) []byte {
	if o.HasIndent {
		b = appendNewline(b, o, depth)
	}
	return append(b, '}')
}

func appendJSONEntry(b []byte, i int, k string, v starlark.Value, o *JSONOptions, depth int) ([]byte, error) {
	if i > 0 {
		b = append(b, o.ItemSep...)
	}
	if o.HasIndent {
		b = appendNewline(b, o, depth+1)
	}
	b = appendJSONString(b, k, o)
	b = append(b, o.KeySep...)
	return appendJSON(b, v, o, depth+1)
}

const lowerHex = "0123456789abcdef"

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', lowerHex[r>>12&15], lowerHex[r>>8&15], lowerHex[r>>4&15], lowerHex[r&15])
}

// appendJSONString quotes s like Python's json (lowercase \u escapes,
// surrogate pairs beyond the BMP when ensureASCII).
func appendJSONString(b []byte, s string, o *JSONOptions) []byte {
	ensureASCII := o.EnsureASCII
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x7F && !(o.HTMLSafe && htmlUnsafe(c)) {
			i++
			continue
		}
		if c == 0x7F && !ensureASCII {
			i++
			continue
		}
		if c >= 0x80 && !ensureASCII {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
			i++
		case '\\':
			b = append(b, '\\', '\\')
			i++
		case '\n':
			b = append(b, '\\', 'n')
			i++
		case '\r':
			b = append(b, '\\', 'r')
			i++
		case '\t':
			b = append(b, '\\', 't')
			i++
		case '\b':
			b = append(b, '\\', 'b')
			i++
		case '\f':
			b = append(b, '\\', 'f')
			i++
		default:
			if c < 0x80 {
				b = appendU(b, rune(c))
				i++
				break
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r > 0xFFFF {
				r -= 0x10000
				b = appendU(b, 0xD800+(r>>10))
				b = appendU(b, 0xDC00+(r&0x3FF))
			} else {
				b = appendU(b, r)
			}
		}
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// htmlUnsafe are the bytes HTMLSafe escapes.
func htmlUnsafe(c byte) bool { return c == '<' || c == '>' || c == '&' || c == '\'' }

// appendPyFloatJSON appends f like Python's float.__repr__, with json's
// spellings of the non-finite values.
func appendPyFloatJSON(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return AppendPyFloat(b, f)
}

// AppendPyFloat appends f as Python's repr(float) does: shortest round-trip
// digits, positional notation for exponents in [-4, 16), else d.ddde+XX.
func AppendPyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // [-]d[.ddd]e±XX
	mant, exp := e, 0
	if i := bytes.LastIndexByte(e, 'e'); i >= 0 {
		mant = e[:i]
		x, _ := strconv.Atoi(string(e[i+1:]))
		exp = x
	}
	if exp < -4 || exp >= 16 {
		b = append(b, mant...)
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		return appendNum(b, exp, 2, '0', 0)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if bytes.IndexByte(b[start:], '.') < 0 {
		b = append(b, '.', '0') // Python always shows a fractional part
	}
	return b
}
