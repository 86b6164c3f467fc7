package starlib

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// module.re: Python's re API over Go's regexp (RE2 syntax). Differences
// from Python: no backreferences in patterns (\1), no lookahead/lookbehind,
// no possessive quantifiers or atomic groups; \Z is written \z. Named groups
// use (?P<name>...) or (?<name>...). Replacement strings use Python's
// syntax (\1, \g<1>, \g<name>).

const (
	reIgnoreCase = 2
	reMultiline  = 8
	reDotAll     = 16
)

var reModule = sync.OnceValue(func() starlark.Value {
	fn := func(name string, f func(thread *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) *starlark.Builtin {
		return starlark.NewBuiltin("re."+name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("%s: missing pattern", b.Name())
			}
			flags := 0
			var rest []starlark.Tuple
			for _, kv := range kwargs {
				if kv[0] == starlark.String("flags") {
					if err := starlark.AsInt(kv[1], &flags); err != nil {
						return nil, fmt.Errorf("%s: flags: %w", b.Name(), err)
					}
					continue
				}
				rest = append(rest, kv)
			}
			p, err := compilePattern(args[0], flags)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			return f(thread, b.Name(), p, args[1:], rest)
		})
	}
	return &starlarkstruct.Module{Name: "re", Members: starlark.StringDict{
		"compile": starlark.NewBuiltin("re.compile", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var pat starlark.Value
			flags := 0
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pattern", &pat, "flags?", &flags); err != nil {
				return nil, err
			}
			p, err := compilePattern(pat, flags)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			return p, nil
		}),
		"match":     fn("match", rePatternMatch(anchorStart)),
		"search":    fn("search", rePatternMatch(anchorNone)),
		"fullmatch": fn("fullmatch", rePatternMatch(anchorBoth)),
		"findall":   fn("findall", reFindall),
		"sub":       fn("sub", reSub),
		"split":     fn("split", reSplit),
		"escape": starlark.NewBuiltin("re.escape", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var s string
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "pattern", &s); err != nil {
				return nil, err
			}
			return starlark.String(regexp.QuoteMeta(s)), nil
		}),
		"IGNORECASE": starlark.MakeInt(reIgnoreCase), "I": starlark.MakeInt(reIgnoreCase),
		"MULTILINE": starlark.MakeInt(reMultiline), "M": starlark.MakeInt(reMultiline),
		"DOTALL": starlark.MakeInt(reDotAll), "S": starlark.MakeInt(reDotAll),
	}}
})

type anchor int

const (
	anchorNone anchor = iota
	anchorStart
	anchorBoth
)

// rePattern is a compiled pattern (type "re.Pattern").
type rePattern struct {
	src   string
	flags int
	re    [3]*regexp.Regexp // by anchor; 1 and 2 built on demand
	mu    sync.Mutex
}

type reKey struct {
	src   string
	flags int
}

var (
	reCache     sync.Map // reKey -> *rePattern
	reCacheSize atomic.Int64
)

func compilePattern(v starlark.Value, flags int) (*rePattern, error) {
	if p, ok := v.(*rePattern); ok {
		return p, nil
	}
	s, ok := v.(starlark.String)
	if !ok {
		return nil, fmt.Errorf("pattern must be a string, not %s", v.Type())
	}
	key := reKey{string(s), flags}
	if p, ok := reCache.Load(key); ok {
		return p.(*rePattern), nil
	}
	prefix := ""
	if flags&reIgnoreCase != 0 {
		prefix += "i"
	}
	if flags&reMultiline != 0 {
		prefix += "m"
	}
	if flags&reDotAll != 0 {
		prefix += "s"
	}
	src := string(s)
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q (Go RE2 syntax): %w", string(s), err)
	}
	p := &rePattern{src: string(s), flags: flags}
	p.re[anchorNone] = re
	if reCacheSize.Load() < 1024 {
		if _, loaded := reCache.LoadOrStore(key, p); !loaded {
			reCacheSize.Add(1)
		}
	}
	return p, nil
}

func (p *rePattern) regexp(a anchor) *regexp.Regexp {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.re[a] == nil {
		src := p.re[anchorNone].String()
		if a == anchorStart {
			p.re[a] = regexp.MustCompile(`\A(?:` + src + `)`)
		} else {
			p.re[a] = regexp.MustCompile(`\A(?:` + src + `)\z`)
		}
	}
	return p.re[a]
}

func (p *rePattern) String() string        { return "re.compile(" + strconv.Quote(p.src) + ")" }
func (p *rePattern) Type() string          { return "re.Pattern" }
func (p *rePattern) Freeze()               {}
func (p *rePattern) Truth() starlark.Bool  { return true }
func (p *rePattern) Hash() (uint32, error) { return starlark.String(p.src).Hash() }
func (p *rePattern) AttrNames() []string {
	return []string{"findall", "fullmatch", "groups", "match", "pattern", "search", "split", "sub"}
}

func (p *rePattern) Attr(name string) (starlark.Value, error) {
	var f func(*starlark.Thread, string, *rePattern, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)
	switch name {
	case "pattern":
		return starlark.String(p.src), nil
	case "groups":
		return starlark.MakeInt(p.re[anchorNone].NumSubexp()), nil
	case "match":
		f = rePatternMatch(anchorStart)
	case "search":
		f = rePatternMatch(anchorNone)
	case "fullmatch":
		f = rePatternMatch(anchorBoth)
	case "findall":
		f = reFindall
	case "sub":
		f = reSub
	case "split":
		f = reSplit
	default:
		return nil, nil
	}
	return starlark.NewBuiltin(name, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return f(thread, "Pattern."+name, p, args, kwargs)
	}), nil
}

func rePatternMatch(a anchor) func(*starlark.Thread, string, *rePattern, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackArgs(fn, args, kwargs, "string", &s); err != nil {
			return nil, err
		}
		re := p.re[anchorNone]
		if a != anchorNone {
			re = p.regexp(a)
		}
		idx := re.FindStringSubmatchIndex(s)
		if idx == nil {
			return starlark.None, nil
		}
		return &reMatch{s: s, idx: idx, re: p.re[anchorNone]}, nil
	}
}

func groupValue(s string, idx []int, i int) starlark.Value {
	if idx[2*i] < 0 {
		return starlark.None
	}
	return starlark.String(s[idx[2*i]:idx[2*i+1]])
}

func reFindall(_ *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackArgs(fn, args, kwargs, "string", &s); err != nil {
		return nil, err
	}
	re := p.re[anchorNone]
	n := re.NumSubexp()
	var out []starlark.Value
	for _, idx := range re.FindAllStringSubmatchIndex(s, -1) {
		str := func(i int) starlark.Value {
			if idx[2*i] < 0 {
				return starlark.String("")
			}
			return starlark.String(s[idx[2*i]:idx[2*i+1]])
		}
		switch n {
		case 0:
			out = append(out, str(0))
		case 1:
			out = append(out, str(1))
		default:
			t := make(starlark.Tuple, n)
			for i := range t {
				t[i] = str(i + 1)
			}
			out = append(out, t)
		}
	}
	return starlark.NewList(out), nil
}

// replPiece is a literal (group < 0) or a group reference.
type replPiece struct {
	lit   string
	group int
	name  string
}

// parseRepl parses a Python replacement template.
func parseRepl(repl string, re *regexp.Regexp) ([]replPiece, error) {
	var out []replPiece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, replPiece{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 == len(repl) {
			lit.WriteByte(c)
			continue
		}
		i++
		switch d := repl[i]; {
		case d >= '0' && d <= '9':
			j := i + 1
			if j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			g, _ := strconv.Atoi(repl[i:j])
			if g > re.NumSubexp() {
				return nil, fmt.Errorf("invalid group reference %d", g)
			}
			flush()
			out = append(out, replPiece{group: g})
			i = j - 1
		case d == 'g':
			end := strings.IndexByte(repl[i:], '>')
			if i+1 >= len(repl) || repl[i+1] != '<' || end < 0 {
				return nil, fmt.Errorf("bad group reference in replacement %q", repl)
			}
			ref := repl[i+2 : i+end]
			flush()
			if g, err := strconv.Atoi(ref); err == nil {
				if g > re.NumSubexp() {
					return nil, fmt.Errorf("invalid group reference %d", g)
				}
				out = append(out, replPiece{group: g})
			} else {
				g := re.SubexpIndex(ref)
				if g < 0 {
					return nil, fmt.Errorf("unknown group name %q", ref)
				}
				out = append(out, replPiece{group: g})
			}
			i += end
		case d == 'n':
			lit.WriteByte('\n')
		case d == 't':
			lit.WriteByte('\t')
		case d == 'r':
			lit.WriteByte('\r')
		case d == '\\':
			lit.WriteByte('\\')
		default:
			lit.WriteByte('\\')
			lit.WriteByte(d)
		}
	}
	flush()
	return out, nil
}

func reSub(thread *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var repl starlark.Value
	var s string
	count := 0
	if err := starlark.UnpackArgs(fn, args, kwargs, "repl", &repl, "string", &s, "count?", &count); err != nil {
		return nil, err
	}
	re := p.re[anchorNone]
	var pieces []replPiece
	callable, isFunc := repl.(starlark.Callable)
	if !isFunc {
		rs, ok := repl.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("%s: repl must be a string or a function, not %s", fn, repl.Type())
		}
		var err error
		if pieces, err = parseRepl(string(rs), re); err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
	}
	n := -1
	if count > 0 {
		n = count
	}
	var b strings.Builder
	last := 0
	for _, idx := range re.FindAllStringSubmatchIndex(s, n) {
		b.WriteString(s[last:idx[0]])
		if isFunc {
			v, err := starlark.Call(thread, callable, starlark.Tuple{&reMatch{s: s, idx: idx, re: re}}, nil)
			if err != nil {
				return nil, err
			}
			str, ok := v.(starlark.String)
			if !ok {
				return nil, fmt.Errorf("%s: repl function must return a string, not %s", fn, v.Type())
			}
			b.WriteString(string(str))
		} else {
			for _, pc := range pieces {
				if pc.group < 0 {
					b.WriteString(pc.lit)
				} else if idx[2*pc.group] >= 0 {
					b.WriteString(s[idx[2*pc.group]:idx[2*pc.group+1]])
				}
			}
		}
		last = idx[1]
	}
	b.WriteString(s[last:])
	return starlark.String(b.String()), nil
}

func reSplit(_ *starlark.Thread, fn string, p *rePattern, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	maxsplit := 0
	if err := starlark.UnpackArgs(fn, args, kwargs, "string", &s, "maxsplit?", &maxsplit); err != nil {
		return nil, err
	}
	re := p.re[anchorNone]
	n := -1
	if maxsplit > 0 {
		n = maxsplit
	}
	var out []starlark.Value
	last := 0
	for _, idx := range re.FindAllStringSubmatchIndex(s, n) {
		out = append(out, starlark.String(s[last:idx[0]]))
		for g := 1; g <= re.NumSubexp(); g++ {
			out = append(out, groupValue(s, idx, g))
		}
		last = idx[1]
	}
	out = append(out, starlark.String(s[last:]))
	return starlark.NewList(out), nil
}

// reMatch is a match object (type "re.Match").
type reMatch struct {
	s   string
	idx []int
	re  *regexp.Regexp
}

func (m *reMatch) String() string {
	return fmt.Sprintf("<re.Match object; span=(%d, %d), match=%q>", m.idx[0], m.idx[1], m.s[m.idx[0]:m.idx[1]])
}
func (m *reMatch) Type() string          { return "re.Match" }
func (m *reMatch) Freeze()               {}
func (m *reMatch) Truth() starlark.Bool  { return true }
func (m *reMatch) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: re.Match") }
func (m *reMatch) AttrNames() []string {
	return []string{"end", "group", "groupdict", "groups", "span", "start", "string"}
}

// groupIndex resolves a group number or name.
func (m *reMatch) groupIndex(v starlark.Value) (int, error) {
	switch v := v.(type) {
	case starlark.Int:
		g, ok := v.Int64()
		if !ok || g < 0 || int(g) > m.re.NumSubexp() {
			return 0, fmt.Errorf("no such group: %s", v)
		}
		return int(g), nil
	case starlark.String:
		g := m.re.SubexpIndex(string(v))
		if g < 0 {
			return 0, fmt.Errorf("no such group: %q", string(v))
		}
		return g, nil
	}
	return 0, fmt.Errorf("group must be int or str, not %s", v.Type())
}

func (m *reMatch) Attr(name string) (starlark.Value, error) {
	if name == "string" {
		return starlark.String(m.s), nil
	}
	var f builtinFn
	switch name {
	case "group":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(kwargs) > 0 {
				return nil, fmt.Errorf("%s: unexpected keyword arguments", b.Name())
			}
			if len(args) == 0 {
				return groupValue(m.s, m.idx, 0), nil
			}
			out := make(starlark.Tuple, len(args))
			for i, a := range args {
				g, err := m.groupIndex(a)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", b.Name(), err)
				}
				out[i] = groupValue(m.s, m.idx, g)
			}
			if len(out) == 1 {
				return out[0], nil
			}
			return out, nil
		}
	case "groups":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var def starlark.Value = starlark.None
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "default?", &def); err != nil {
				return nil, err
			}
			out := make(starlark.Tuple, m.re.NumSubexp())
			for i := range out {
				if out[i] = groupValue(m.s, m.idx, i+1); out[i] == starlark.None {
					out[i] = def
				}
			}
			return out, nil
		}
	case "groupdict":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var def starlark.Value = starlark.None
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "default?", &def); err != nil {
				return nil, err
			}
			d := starlark.NewDict(len(m.re.SubexpNames()))
			for i, n := range m.re.SubexpNames() {
				if n == "" {
					continue
				}
				v := groupValue(m.s, m.idx, i)
				if v == starlark.None {
					v = def
				}
				_ = d.SetKey(starlark.String(n), v)
			}
			return d, nil
		}
	case "start", "end", "span":
		f = func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var gv starlark.Value = starlark.MakeInt(0)
			if err := starlark.UnpackArgs(b.Name(), args, kwargs, "group?", &gv); err != nil {
				return nil, err
			}
			g, err := m.groupIndex(gv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
			lo, hi := starlark.MakeInt(m.idx[2*g]), starlark.MakeInt(m.idx[2*g+1])
			switch name {
			case "start":
				return lo, nil
			case "end":
				return hi, nil
			}
			return starlark.Tuple{lo, hi}, nil
		}
	default:
		return nil, nil
	}
	return starlark.NewBuiltin(name, f), nil
}
