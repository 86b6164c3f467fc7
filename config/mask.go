package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The ${...} expressions of a config file are found in its text, before
// YAML (or TOML) parsing, as the original does with a Jinja environment
// whose variable delimiters are ${ and }: so `static: {count: ${params.n}}`
// in flow style, and braces, quotes and `|` filters inside an expression,
// are fine. Each expression is replaced by a placeholder: a word of
// letters, digits and `_` as long as the expression's text where it can
// be, so the parsed nodes keep the line and column of the source. The
// placeholders are evaluated in the parsed tree (see Vars.substitute):
// each value becomes exactly one scalar, list or mapping, so a value can
// never add keys (a secret holding "x\nkey: y" stays one string), and an
// expression inside a comment is never evaluated.

// placeholder is one ${...} of the source.
type placeholder struct {
	token     string // the word standing for it in the masked text
	expr      string // the text between ${ and }
	line, col int    // of the "${" (1-based; col counts characters)
	exprCol   int    // column of the expression's first character
}

// masked is the text of a config file with its expressions replaced.
type masked struct {
	text   string
	prefix string // every token starts with it; it occurs nowhere in the source
	subs   []*placeholder
}

// has reports whether s holds a placeholder.
func (m *masked) has(s string) bool {
	return m != nil && len(m.subs) > 0 && strings.Contains(s, m.prefix)
}

// next finds the first placeholder in s: its offset and itself, or nil.
func (m *masked) next(s string) (int, *placeholder) {
	if m == nil || len(m.subs) == 0 {
		return -1, nil
	}
	off := 0
	for {
		i := strings.Index(s[off:], m.prefix)
		if i < 0 {
			return -1, nil
		}
		i += off
		j := i + len(m.prefix)
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if idx, err := strconv.Atoi(s[j:k]); err == nil && idx < len(m.subs) && strings.HasPrefix(s[i:], m.subs[idx].token) {
			return i, m.subs[idx]
		}
		off = i + 1
	}
}

// tokenPrefixes are tried in order for the placeholders' common prefix.
const tokenLetters = "QZXJKVWYqzxjkvwy"

// mask replaces the ${...} expressions of src. An expression must end on
// the line where it starts; one that does not is left in the text (the
// scalar holding it then fails with "unterminated ${"). In TOML, an
// expression outside a string becomes a quoted placeholder (TOML has no
// unquoted words), taking the value's type all the same.
func mask(src string, toml bool) *masked {
	m := &masked{text: src}
	if !strings.Contains(src, "${") {
		return m
	}
	m.prefix = pickPrefix(src)
	var b strings.Builder
	b.Grow(len(src) + 16)
	line, col := 1, 1
	var ts tomlState
	for i := 0; i < len(src); {
		c := src[i]
		if c == '$' && i+1 < len(src) && src[i+1] == '{' && (!toml || ts.mode != tomlComment) {
			if j := closingBrace(src, i+2); j >= 0 && !strings.ContainsAny(src[i:j], "\r\n") {
				width := utf8.RuneCountInString(src[i : j+1])
				quote := toml && ts.mode == tomlNormal
				if quote {
					width -= 2
				}
				p := &placeholder{
					token: m.makeToken(len(m.subs), width), expr: src[i+2 : j],
					line: line, col: col, exprCol: col + 2,
				}
				m.subs = append(m.subs, p)
				if quote {
					b.WriteString(`"` + p.token + `"`)
				} else {
					b.WriteString(p.token)
				}
				col += utf8.RuneCountInString(src[i : j+1])
				i = j + 1
				continue
			}
		}
		if toml {
			ts.step(src, i)
		}
		b.WriteByte(c)
		switch {
		case c == '\n':
			line, col = line+1, 1
		case utf8.RuneStart(c):
			col++
		}
		i++
	}
	m.text = b.String()
	return m
}

// makeToken builds placeholder i: prefix, index, and `_` padding up to
// width characters (at least one, so the index ends unambiguously).
func (m *masked) makeToken(i, width int) string {
	t := m.prefix + strconv.Itoa(i) + "_"
	if pad := width - len(t); pad > 0 {
		t += strings.Repeat("_", pad)
	}
	return t
}

// pickPrefix returns two letters that do not occur together in src.
func pickPrefix(src string) string {
	for _, a := range tokenLetters {
		for _, b := range tokenLetters {
			p := string(a) + string(b)
			if !strings.Contains(src, p) {
				return p
			}
		}
	}
	for n := 3; ; n++ { // every pair occurs: a source of at least 256 characters
		p := strings.Repeat("Q", n) + "z"
		if !strings.Contains(src, p) {
			return p
		}
	}
}

// tomlState follows TOML strings and comments, so that a ${ inside a
// string stays there and one in a comment is left alone.
type tomlState struct {
	mode, skip int
	escaped    bool
}

const (
	tomlNormal = iota
	tomlComment
	tomlBasic     // "..."
	tomlLiteral   // '...'
	tomlMLBasic   // """..."""
	tomlMLLiteral // '''...'''
)

// step moves the state past the byte at src[i].
func (t *tomlState) step(src string, i int) {
	if t.skip > 0 {
		t.skip--
		return
	}
	c := src[i]
	switch t.mode {
	case tomlNormal:
		switch {
		case c == '#':
			t.mode = tomlComment
		case strings.HasPrefix(src[i:], `"""`):
			t.mode, t.skip = tomlMLBasic, 2
		case strings.HasPrefix(src[i:], "'''"):
			t.mode, t.skip = tomlMLLiteral, 2
		case c == '"':
			t.mode = tomlBasic
		case c == '\'':
			t.mode = tomlLiteral
		}
	case tomlComment:
		if c == '\n' {
			t.mode = tomlNormal
		}
	case tomlBasic, tomlMLBasic:
		switch {
		case t.escaped:
			t.escaped = false
		case c == '\\':
			t.escaped = true
		case t.mode == tomlBasic && (c == '"' || c == '\n'):
			t.mode = tomlNormal
		case t.mode == tomlMLBasic && strings.HasPrefix(src[i:], `"""`):
			t.mode, t.skip = tomlNormal, 2
		}
	case tomlLiteral:
		if c == '\'' || c == '\n' {
			t.mode = tomlNormal
		}
	case tomlMLLiteral:
		if strings.HasPrefix(src[i:], "'''") {
			t.mode, t.skip = tomlNormal, 2
		}
	}
}
