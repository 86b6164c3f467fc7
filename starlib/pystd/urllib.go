package pystd

import (
	"fmt"
	"net/url"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// module.urllib.parse: Python's quote, quote_plus, unquote, unquote_plus,
// urlencode, urlsplit and urlparse; and module.string: Python's string
// constants.

func newURLLibModule() starlark.Value {
	parse := &starlarkstruct.Module{Name: "urllib.parse", Members: starlark.StringDict{
		"quote":        starlark.NewBuiltin("urllib.parse.quote", quoteFn(false)),
		"quote_plus":   starlark.NewBuiltin("urllib.parse.quote_plus", quoteFn(true)),
		"unquote":      starlark.NewBuiltin("urllib.parse.unquote", unquoteFn(false)),
		"unquote_plus": starlark.NewBuiltin("urllib.parse.unquote_plus", unquoteFn(true)),
		"urlencode":    starlark.NewBuiltin("urllib.parse.urlencode", urlencode),
		"urlsplit":     starlark.NewBuiltin("urllib.parse.urlsplit", urlsplit(false)),
		"urlparse":     starlark.NewBuiltin("urllib.parse.urlparse", urlsplit(true)),
		"parse_qs":     starlark.NewBuiltin("urllib.parse.parse_qs", parseQS),
	}}
	return &starlarkstruct.Module{Name: "urllib", Members: starlark.StringDict{"parse": parse}}
}

const alwaysSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"

// pyQuote percent-encodes s (UTF-8) as Python's quote: letters, digits,
// "_.-~" and the bytes of safe stay; with plus, a space becomes "+".
func pyQuote(s, safe string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(alwaysSafe, c) >= 0 || (c < 0x80 && strings.IndexByte(safe, c) >= 0):
			b.WriteByte(c)
		case plus && c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func quoteFn(plus bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s starlark.Value
		var safe starlark.Value = starlark.String("/")
		if plus {
			safe = starlark.String("")
		}
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "string", &s, "safe?", &safe); err != nil {
			return nil, err
		}
		str, err := textArg(b.Name(), "string", s)
		if err != nil {
			return nil, err
		}
		sf, err := textArg(b.Name(), "safe", safe)
		if err != nil {
			return nil, err
		}
		if plus && strings.Contains(str, " ") {
			sf += " "
			return starlark.String(strings.ReplaceAll(pyQuote(str, sf, false), " ", "+")), nil
		}
		return starlark.String(pyQuote(str, sf, false)), nil
	}
}

// textArg reads a str or bytes argument as text.
func textArg(fn, param string, v starlark.Value) (string, error) {
	switch v := v.(type) {
	case starlark.String:
		return string(v), nil
	case starlark.Bytes:
		return string(v), nil
	}
	return "", fmt.Errorf("%s: for parameter %s: got %s, want str or bytes", fn, param, v.Type())
}

func unquoteFn(plus bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "string", &s); err != nil {
			return nil, err
		}
		return starlark.String(unquote(s, plus)), nil
	}
}

// unquote decodes %XX escapes (and + as a space with plus) as Python's
// unquote does: a malformed escape is left as it is, invalid UTF-8 becomes
// U+FFFD.
func unquote(s string, plus bool) string {
	if plus {
		s = strings.ReplaceAll(s, "+", " ")
	}
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		out.WriteByte(s[i])
	}
	return strings.ToValidUTF8(out.String(), "\uFFFD")
}

// parseQS is urllib.parse.parse_qs(qs, keep_blank_values=False): a dict of
// lists of values, keys in first-seen order, pairs split on '&' (Python 3.10+).
func parseQS(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var qs string
	keepBlank := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "qs", &qs, "keep_blank_values?", &keepBlank); err != nil {
		return nil, err
	}
	d := starlark.NewDict(4)
	for _, pair := range strings.Split(qs, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unquote(k, true), unquote(v, true)
		if v == "" && !keepBlank {
			continue
		}
		old, found, _ := d.Get(starlark.String(k))
		if found {
			l := old.(*starlark.List)
			_ = l.Append(starlark.String(v))
			continue
		}
		_ = d.SetKey(starlark.String(k), starlark.NewList([]starlark.Value{starlark.String(v)}))
	}
	return d, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// urlencode is urlencode(query, doseq=False, safe=”): a mapping or a
// sequence of pairs, quote_plus'ed, joined with "&".
func urlencode(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var query starlark.Value
	doseq := false
	safe := ""
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "query", &query, "doseq?", &doseq, "safe?", &safe); err != nil {
		return nil, err
	}
	var pairs [][2]starlark.Value
	switch q := query.(type) {
	case starlark.IterableMapping:
		for _, kv := range q.Items() {
			pairs = append(pairs, [2]starlark.Value{kv[0], kv[1]})
		}
	case starlark.Iterable:
		it := q.Iterate()
		defer it.Done()
		var x starlark.Value
		for it.Next(&x) {
			p, ok := x.(starlark.Indexable)
			if !ok || p.Len() != 2 {
				return nil, fmt.Errorf("%s: not a valid non-string sequence or mapping object", b.Name())
			}
			pairs = append(pairs, [2]starlark.Value{p.Index(0), p.Index(1)})
		}
	default:
		return nil, fmt.Errorf("%s: not a valid non-string sequence or mapping object", b.Name())
	}
	plus := func(v starlark.Value) string {
		s, ok := starlark.AsString(v)
		if !ok {
			if by, isB := v.(starlark.Bytes); isB {
				s = string(by)
			} else {
				s = v.String()
			}
		}
		return strings.ReplaceAll(pyQuote(s, safe+" ", false), " ", "+")
	}
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		k := plus(p[0])
		if seq, ok := p[1].(starlark.Iterable); doseq && ok {
			if _, isStr := p[1].(starlark.String); !isStr {
				it := seq.Iterate()
				var x starlark.Value
				for it.Next(&x) {
					parts = append(parts, k+"="+plus(x))
				}
				it.Done()
				continue
			}
		}
		parts = append(parts, k+"="+plus(p[1]))
	}
	return starlark.String(strings.Join(parts, "&")), nil
}

// urlsplit is urlsplit/urlparse(url): a struct with scheme, netloc, path,
// (params,) query, fragment, hostname, port, username, password and
// geturl().
func urlsplit(withParams bool) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var raw string
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, "url", &raw); err != nil {
			return nil, err
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		path := u.EscapedPath()
		if u.Opaque != "" {
			path = u.Opaque
		}
		params := ""
		if withParams {
			if i := strings.LastIndexByte(path, ';'); i >= 0 && strings.LastIndexByte(path, '/') < i {
				path, params = path[:i], path[i+1:]
			}
		}
		host := u.Hostname()
		var hostname, port, user, pass starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
		if host != "" {
			hostname = starlark.String(strings.ToLower(host))
		}
		if p := u.Port(); p != "" {
			var n int
			fmt.Sscan(p, &n)
			port = starlark.MakeInt(n)
		}
		if u.User != nil {
			user = starlark.String(u.User.Username())
			if pw, ok := u.User.Password(); ok {
				pass = starlark.String(pw)
			}
		}
		fields := starlark.StringDict{
			"scheme": starlark.String(strings.ToLower(u.Scheme)), "netloc": starlark.String(u.Host),
			"path": starlark.String(path), "query": starlark.String(u.RawQuery), "fragment": starlark.String(u.Fragment),
			"hostname": hostname, "port": port, "username": user, "password": pass,
			"geturl": starlark.NewBuiltin(b.Name()+".geturl", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return starlark.String(u.String()), nil
			}),
		}
		if u.User != nil {
			fields["netloc"] = starlark.String(u.User.String() + "@" + u.Host)
		}
		if withParams {
			fields["params"] = starlark.String(params)
		}
		return starlarkstruct.FromStringDict(starlark.String("ParseResult"), fields), nil
	}
}

func newStringModule() starlark.Value {
	const lower, upper, digits = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
	const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	const whitespace = " \t\n\r\x0b\x0c"
	return &starlarkstruct.Module{Name: "string", Members: starlark.StringDict{
		"ascii_lowercase": starlark.String(lower),
		"ascii_uppercase": starlark.String(upper),
		"ascii_letters":   starlark.String(lower + upper),
		"digits":          starlark.String(digits),
		"hexdigits":       starlark.String(digits + "abcdefABCDEF"),
		"octdigits":       starlark.String("01234567"),
		"punctuation":     starlark.String(punctuation),
		"whitespace":      starlark.String(whitespace),
		"printable":       starlark.String(digits + lower + upper + punctuation + whitespace),
	}}
}
