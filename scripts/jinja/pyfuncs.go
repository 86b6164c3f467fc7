package jinja

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/eventum-go/eventum/starlib/guard"
)

// pyStringMethods are the Python str/bytes methods Starlark lacks; calls
// "x.name(...)" compile to "$m:name"(x, ...). On a value of another type
// the helper calls the value's own attribute of that name.
var pyStringMethods = map[string]bool{
	"zfill": true, "ljust": true, "rjust": true, "center": true, "encode": true, "decode": true,
	"swapcase": true, "casefold": true, "isnumeric": true, "isdecimal": true, "isascii": true,
	"format": true, "hex": true,
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
			if err := guard.CheckCount(name, "width", int64(width), 1); err != nil {
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
	// str.format with Python's format-spec mini language (Starlark's has none).
	strMethods["format"] = starlark.NewBuiltin("format", func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		s, ok := args[0].(starlark.String)
		if !ok {
			return callAttr(th, args[0], "format", args[1:], kw)
		}
		return pyFormat(th, string(s), args[1:], kw)
	})
	// bytes.hex(sep="", bytes_per_sep=1); other values' own hex (float.hex).
	strMethods["hex"] = starlark.NewBuiltin("hex", func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		b, ok := args[0].(starlark.Bytes)
		if !ok {
			return callAttr(th, args[0], "hex", args[1:], kw)
		}
		sep, per := "", 1
		if err := starlark.UnpackArgs("bytes.hex", args[1:], kw, "sep?", &sep, "bytes_per_sep?", &per); err != nil {
			return nil, err
		}
		return starlark.String(bytesHex(string(b), sep, per)), nil
	})
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
		if err := guard.CheckCount(name, "width", int64(width), 4); err != nil {
			return nil, err
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
	if err := guard.CheckCount(name, "width", int64(width), 4); err != nil {
		return nil, err
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

// bytesHex is Python's bytes.hex(sep, bytes_per_sep): groups of per bytes
// counted from the right (from the left when per < 0).
func bytesHex(b, sep string, per int) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b)+len(b)*len(sep))
	n := len(b)
	for i := 0; i < n; i++ {
		if i > 0 && sep != "" && per != 0 {
			if per > 0 && (n-i)%per == 0 || per < 0 && i%(-per) == 0 {
				out = append(out, sep...)
			}
		}
		out = append(out, digits[b[i]>>4], digits[b[i]&15])
	}
	return string(out)
}
