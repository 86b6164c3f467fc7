package starlib

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// module.string (Python's string constants) and module.urllib.parse
// (quote, unquote, urlencode, ...), as generators for the original use them.
func init() {
	RegisterNamespace("string", func(*rand.Rand) starlark.Value { return stringModule })
	RegisterNamespace("urllib", func(*rand.Rand) starlark.Value { return urllibModule })
}

var stringModule = &starlarkstruct.Module{Name: "string", Members: starlark.StringDict{
	"ascii_letters":   starlark.String(lettersAlphabet),
	"ascii_lowercase": starlark.String(lowerAlphabet),
	"ascii_uppercase": starlark.String(upperAlphabet),
	"digits":          starlark.String(digitAlphabet),
	"hexdigits":       starlark.String("0123456789abcdefABCDEF"),
	"octdigits":       starlark.String("01234567"),
	"punctuation":     starlark.String(punctAlphabet),
	"whitespace":      starlark.String(" \t\n\r\v\f"),
	"printable":       starlark.String(digitAlphabet + lettersAlphabet + punctAlphabet + " \t\n\r\v\f"),
}}

// pyQuoteURL is urllib.parse.quote: percent-encode every byte but letters,
// digits, "_.-~" and the safe characters; plus turns spaces into "+".
func pyQuoteURL(s, safe string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("_.-~", c) >= 0:
			b.WriteByte(c)
		case plus && c == ' ':
			b.WriteByte('+')
		case c < 0x80 && strings.IndexByte(safe, c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func quoteFn(plus bool, defSafe string) builtinFn {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s starlark.Value
		safe := defSafe
		var encoding, errs starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "string", &s, "safe?", &safe, "encoding?", &encoding, "errors?", &errs); err != nil {
			return nil, err
		}
		p, err := bytesArg(b.Name()+": for parameter \"string\"", s)
		if err != nil {
			return nil, err
		}
		return starlark.String(pyQuoteURL(string(p), safe, plus)), nil
	}
}

func unquoteFn(plus bool) builtinFn {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		var encoding, errs starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "string", &s, "encoding?", &encoding, "errors?", &errs); err != nil {
			return nil, err
		}
		if plus {
			s = strings.ReplaceAll(s, "+", " ")
		}
		// Python leaves invalid escapes as they are.
		var out strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				out.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
				i += 2
				continue
			}
			out.WriteByte(s[i])
		}
		return starlark.String(out.String()), nil
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// urlencode(query, doseq=False): a dict or a list of pairs, values
// quote_plus'd; with doseq a list value gives one pair per item.
func urlencode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var query starlark.Value
	doseq := false
	safe := ""
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "query", &query, "doseq?", &doseq, "safe?", &safe); err != nil {
		return nil, err
	}
	var pairs []starlark.Tuple
	switch q := query.(type) {
	case starlark.IterableMapping:
		pairs = q.Items()
	case starlark.Indexable:
		for i := range q.Len() {
			p, ok := q.Index(i).(starlark.Indexable)
			if !ok || p.Len() != 2 {
				return nil, fmt.Errorf("%s: not a valid non-string sequence or mapping object", b.Name())
			}
			pairs = append(pairs, starlark.Tuple{p.Index(0), p.Index(1)})
		}
	default:
		return nil, fmt.Errorf("%s: for parameter \"query\": got %s, want a dict or a list of pairs", b.Name(), query.Type())
	}
	text := func(v starlark.Value) string {
		if s, ok := v.(starlark.String); ok {
			return pyQuoteURL(string(s), safe, true)
		}
		if bs, ok := v.(starlark.Bytes); ok {
			return pyQuoteURL(string(bs), safe, true)
		}
		return pyQuoteURL(v.String(), safe, true)
	}
	var parts []string
	for _, kv := range pairs {
		k := text(kv[0])
		if seq, ok := kv[1].(starlark.Indexable); ok && doseq {
			if _, isStr := kv[1].(starlark.String); !isStr {
				for i := range seq.Len() {
					parts = append(parts, k+"="+text(seq.Index(i)))
				}
				continue
			}
		}
		parts = append(parts, k+"="+text(kv[1]))
	}
	return starlark.String(strings.Join(parts, "&")), nil
}

// urlsplit/urlparse return the parts as a struct with Python's names.
func urlparse(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	scheme := ""
	allowFragments := true
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "urlstring", &s, "scheme?", &scheme, "allow_fragments?", &allowFragments); err != nil {
		return nil, err
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	if u.Scheme == "" {
		u.Scheme = scheme
	}
	netloc := u.Host
	if u.User != nil {
		netloc = u.User.String() + "@" + netloc
	}
	path := u.EscapedPath()
	if u.Opaque != "" {
		path = u.Opaque
	}
	members := starlark.StringDict{
		"scheme":   starlark.String(u.Scheme),
		"netloc":   starlark.String(netloc),
		"path":     starlark.String(path),
		"params":   starlark.String(""),
		"query":    starlark.String(u.RawQuery),
		"fragment": starlark.String(u.Fragment),
		"hostname": starlark.None,
		"port":     starlark.None,
		"username": starlark.None,
		"password": starlark.None,
	}
	if h := u.Hostname(); h != "" {
		members["hostname"] = starlark.String(strings.ToLower(h))
	}
	if p := u.Port(); p != "" {
		var n int
		fmt.Sscan(p, &n)
		members["port"] = starlark.MakeInt(n)
	}
	if u.User != nil {
		members["username"] = starlark.String(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			members["password"] = starlark.String(pw)
		}
	}
	return starlarkstruct.FromStringDict(starlark.String("ParseResult"), members), nil
}

// parse_qs(qs): a dict of lists of values, keys in first-seen order.
func parseQS(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var qs string
	keepBlank := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "qs", &qs, "keep_blank_values?", &keepBlank); err != nil {
		return nil, err
	}
	vals, err := url.ParseQuery(qs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.Index(qs, keys[i]) < strings.Index(qs, keys[j]) })
	d := starlark.NewDict(len(keys))
	for _, k := range keys {
		var l []starlark.Value
		for _, v := range vals[k] {
			if v != "" || keepBlank {
				l = append(l, starlark.String(v))
			}
		}
		if len(l) > 0 {
			_ = d.SetKey(starlark.String(k), starlark.NewList(l))
		}
	}
	return d, nil
}

var urllibModule = &starlarkstruct.Module{Name: "urllib", Members: starlark.StringDict{
	"parse": &starlarkstruct.Module{Name: "urllib.parse", Members: starlark.StringDict{
		"quote":        starlark.NewBuiltin("urllib.parse.quote", quoteFn(false, "/")),
		"quote_plus":   starlark.NewBuiltin("urllib.parse.quote_plus", quoteFn(true, "")),
		"unquote":      starlark.NewBuiltin("urllib.parse.unquote", unquoteFn(false)),
		"unquote_plus": starlark.NewBuiltin("urllib.parse.unquote_plus", unquoteFn(true)),
		"urlencode":    starlark.NewBuiltin("urllib.parse.urlencode", urlencode),
		"urlparse":     starlark.NewBuiltin("urllib.parse.urlparse", urlparse),
		"urlsplit":     starlark.NewBuiltin("urllib.parse.urlsplit", urlparse),
		"parse_qs":     starlark.NewBuiltin("urllib.parse.parse_qs", parseQS),
	}},
}}
