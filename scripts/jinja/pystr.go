package jinja

import (
	"encoding"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/eventum-go/eventum/starlib"
)

// appendStr appends Python's str(v), which is what Jinja prints. Values
// implementing encoding.TextAppender (e.g. a timestamp type) print their
// text form without an intermediate string.
func appendStr(b []byte, v starlark.Value) []byte {
	switch v := v.(type) {
	case starlark.String:
		return append(b, v...)
	case starlark.Int:
		if i, ok := v.Int64(); ok {
			return strconv.AppendInt(b, i, 10)
		}
		return append(b, v.String()...)
	case starlark.Float:
		return appendPyFloat(b, float64(v))
	case starlark.Bool:
		if v {
			return append(b, "True"...)
		}
		return append(b, "False"...)
	case starlark.NoneType:
		return append(b, "None"...)
	case *Undefined:
		return b
	case starlark.Value:
		if ta, ok := v.(encoding.TextAppender); ok {
			if out, err := ta.AppendText(b); err == nil {
				return out
			}
		}
	}
	switch v.(type) {
	case *starlark.List, starlark.Tuple, *starlark.Dict, starlark.Bytes, *starlark.Set:
		return appendRepr(b, v)
	}
	return append(b, v.String()...)
}

func toStr(v starlark.Value) string {
	if s, ok := v.(starlark.String); ok {
		return string(s)
	}
	return string(appendStr(nil, v))
}

// appendPyFloat formats like Python's repr(float).
func appendPyFloat(b []byte, f float64) []byte { return starlib.AppendPyFloat(b, f) }

func pyRepr(v starlark.Value) string { return string(appendRepr(nil, v)) }

// appendRepr appends Python's repr(v) for the common value types.
func appendRepr(b []byte, v starlark.Value) []byte { return appendReprOf(b, v, false) }

// appendReprOf is appendRepr; with sortDicts, dict items are in pprint's
// sorted order at every depth (pprint's one-line form).
func appendReprOf(b []byte, v starlark.Value, sortDicts bool) []byte {
	switch v := v.(type) {
	case starlark.String:
		return appendPyQuote(b, string(v), false)
	case starlark.Bytes:
		return appendPyQuote(b, string(v), true)
	case *starlark.List:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendReprOf(b, v.Index(i), sortDicts)
		}
		return append(b, ']')
	case starlark.Tuple:
		b = append(b, '(')
		for i, x := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendReprOf(b, x, sortDicts)
		}
		if len(v) == 1 {
			b = append(b, ',')
		}
		return append(b, ')')
	case *starlark.Dict:
		b = append(b, '{')
		items := v.Items()
		if sortDicts {
			items = sortedItems(v)
		}
		for i, kv := range items {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendReprOf(b, kv[0], sortDicts)
			b = append(b, ": "...)
			b = appendReprOf(b, kv[1], sortDicts)
		}
		return append(b, '}')
	case *starlark.Set:
		if v.Len() == 0 {
			return append(b, "set()"...)
		}
		b = append(b, '{')
		i := 0
		iter := v.Iterate()
		defer iter.Done()
		var x starlark.Value
		for iter.Next(&x) {
			if i > 0 {
				b = append(b, ", "...)
			}
			i++
			b = appendReprOf(b, x, sortDicts)
		}
		return append(b, '}')
	case *Undefined:
		return b
	}
	return appendStr(b, v)
}

// appendPyQuote quotes s the way Python's repr does.
func appendPyQuote(b []byte, s string, isBytes bool) []byte {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	if isBytes {
		b = append(b, 'b')
	}
	b = append(b, q)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isBytes {
			r, n = rune(s[i]), 1
		}
		switch {
		case r == '\\' || r == rune(q):
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == utf8.RuneError && n == 1 || r < 0x20 || r == 0x7f || isBytes && r >= 0x80:
			b = append(b, `\x`...)
			b = append(b, "0123456789abcdef"[s[i]>>4], "0123456789abcdef"[s[i]&15])
		case r >= 0x80 && !unicode.IsPrint(r):
			if r <= 0xff {
				b = append(b, `\x`...)
				b = append(b, strconv.FormatInt(int64(r)|0x100, 16)[1:]...)
			} else if r <= 0xffff {
				b = append(b, `\u`...)
				b = append(b, strconv.FormatInt(int64(r)|0x10000, 16)[1:]...)
			} else {
				b = append(b, `\U`...)
				b = append(b, strconv.FormatInt(int64(r)|0x100000000, 16)[1:]...)
			}
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, q)
}
