package jinja

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// tokKind classifies template tokens. Text, the tag delimiters and the
// expression tokens inside tags share one stream, as in Jinja's lexer.
type tokKind int

const (
	tEOF        tokKind = iota
	tData               // literal text
	tVarBegin           // {{
	tVarEnd             // }}
	tBlockBegin         // {%
	tBlockEnd           // %}
	tName               // identifier or keyword
	tInt                // integer literal
	tFloat              // float literal
	tString             // string literal (raw text, quotes included)
	tOp                 // operator or punctuation
)

type token struct {
	kind tokKind
	text string // data text, name, literal source, or operator
	off  int    // byte offset in the normalized source
}

// srcFile is one template file: its normalized text and line index.
type srcFile struct {
	name  string
	path  *string // shared by every syntax.Position in this file
	src   string
	lines []int // byte offset of each line start
}

func newSrcFile(name, src string) *srcFile {
	// Jinja normalizes newlines to "\n" and, with keep_trailing_newline
	// off (the default), drops one trailing newline.
	if strings.ContainsRune(src, '\r') {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	src = strings.TrimSuffix(src, "\n")
	f := &srcFile{name: name, path: new(string), src: src, lines: []int{0}}
	*f.path = name
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// lineCol converts a byte offset to a 1-based line and rune column.
func (f *srcFile) lineCol(off int) (int, int) {
	if off > len(f.src) {
		off = len(f.src)
	}
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	return i + 1, utf8.RuneCountInString(f.src[f.lines[i]:off]) + 1
}

func (f *srcFile) errorf(off int, format string, args ...any) *Error {
	line, col := f.lineCol(off)
	return &Error{File: f.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// lexer turns a template into tokens.
type lexer struct {
	f    *srcFile
	toks []token
	// lstrip is set after a tag ending in "-": the next text loses its
	// leading whitespace.
	lstrip bool
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func lex(f *srcFile) ([]token, error) {
	lx := &lexer{f: f}
	if err := lx.run(); err != nil {
		return nil, err
	}
	lx.toks = append(lx.toks, token{kind: tEOF, off: len(f.src)})
	return lx.toks, nil
}

func (lx *lexer) text(s string, off int, rstrip bool) {
	if lx.lstrip {
		t := strings.TrimLeft(s, " \t\n\r\f\v")
		off += len(s) - len(t)
		s = t
		lx.lstrip = false
	}
	if rstrip {
		s = strings.TrimRight(s, " \t\n\r\f\v")
	}
	if s != "" {
		lx.toks = append(lx.toks, token{kind: tData, text: s, off: off})
	}
}

func (lx *lexer) run() error {
	src := lx.f.src
	pos := 0
	for pos < len(src) {
		i := strings.IndexByte(src[pos:], '{')
		for i >= 0 {
			j := pos + i
			if j+1 < len(src) && (src[j+1] == '{' || src[j+1] == '%' || src[j+1] == '#') {
				break
			}
			k := strings.IndexByte(src[j+1:], '{')
			if k < 0 {
				i = -1
				break
			}
			i = j + 1 + k - pos
		}
		if i < 0 {
			lx.text(src[pos:], pos, false)
			return nil
		}
		start := pos + i
		kind := src[start+1]
		inner := start + 2
		strip := false
		if inner < len(src) && src[inner] == '-' {
			strip = true
			inner++
		} else if inner < len(src) && src[inner] == '+' && kind != '{' {
			inner++
		}
		lx.text(src[pos:start], pos, strip)
		switch kind {
		case '#':
			end := strings.Index(src[inner:], "#}")
			if end < 0 {
				return lx.f.errorf(start, "unterminated comment")
			}
			end += inner
			if end > inner && src[end-1] == '-' {
				lx.lstrip = true
			}
			pos = end + 2
		case '{':
			lx.toks = append(lx.toks, token{kind: tVarBegin, off: start})
			p, err := lx.exprTokens(inner, "}}", tVarEnd)
			if err != nil {
				return err
			}
			pos = p
		case '%':
			// {% raw %} is handled here: its body is text up to endraw.
			if name, after := lx.peekTagName(inner); name == "raw" {
				p := after
				for p < len(src) && isSpace(src[p]) {
					p++
				}
				rstrip := false
				if strings.HasPrefix(src[p:], "-%}") {
					rstrip = true
					p++
				}
				if !strings.HasPrefix(src[p:], "%}") {
					return lx.f.errorf(p, "expected %%} after raw")
				}
				p += 2
				bodyStart, bodyEnd, next, stripBefore, stripAfter, ok := findEndRaw(src, p)
				if !ok {
					return lx.f.errorf(start, "unterminated raw block: missing {%% endraw %%}")
				}
				lx.lstrip = rstrip
				lx.text(src[bodyStart:bodyEnd], bodyStart, stripBefore)
				lx.lstrip = stripAfter
				pos = next
				continue
			}
			lx.toks = append(lx.toks, token{kind: tBlockBegin, off: start})
			p, err := lx.exprTokens(inner, "%}", tBlockEnd)
			if err != nil {
				return err
			}
			pos = p
		}
	}
	return nil
}

func (lx *lexer) peekTagName(p int) (string, int) {
	src := lx.f.src
	for p < len(src) && isSpace(src[p]) {
		p++
	}
	s := p
	for p < len(src) && isIdentByte(src[p]) {
		p++
	}
	return src[s:p], p
}

// findEndRaw finds "{% endraw %}" (with optional "-" marks) from p.
func findEndRaw(src string, p int) (bodyStart, bodyEnd, next int, stripBefore, stripAfter, ok bool) {
	bodyStart = p
	for {
		i := strings.Index(src[p:], "{%")
		if i < 0 {
			return 0, 0, 0, false, false, false
		}
		tagStart := p + i
		q := tagStart + 2
		sb := false
		if q < len(src) && (src[q] == '-' || src[q] == '+') {
			sb = src[q] == '-'
			q++
		}
		for q < len(src) && isSpace(src[q]) {
			q++
		}
		if strings.HasPrefix(src[q:], "endraw") {
			q += len("endraw")
			for q < len(src) && isSpace(src[q]) {
				q++
			}
			sa := false
			if strings.HasPrefix(src[q:], "-%}") {
				sa = true
				q++
			}
			if strings.HasPrefix(src[q:], "%}") {
				return bodyStart, tagStart, q + 2, sb, sa, true
			}
		}
		p = tagStart + 2
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// operators, longest first.
var operators = []string{
	"**", "//", "==", "!=", "<=", ">=", "<<", ">>",
	"+", "-", "*", "/", "%", "~", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}",
	"<", ">", "=", "&", "^",
}

// exprTokens scans expression tokens from p up to the closing delimiter
// (at bracket depth zero) and returns the offset after it.
func (lx *lexer) exprTokens(p int, closing string, endKind tokKind) (int, error) {
	src := lx.f.src
	depth := 0
	for {
		for p < len(src) && isSpace(src[p]) {
			p++
		}
		if p >= len(src) {
			return 0, lx.f.errorf(p, "unexpected end of template, expected %q", closing)
		}
		if depth == 0 {
			if strings.HasPrefix(src[p:], closing) {
				lx.toks = append(lx.toks, token{kind: endKind, off: p})
				return p + 2, nil
			}
			if (src[p] == '-' || src[p] == '+') && strings.HasPrefix(src[p+1:], closing) {
				lx.toks = append(lx.toks, token{kind: endKind, off: p})
				lx.lstrip = src[p] == '-'
				return p + 3, nil
			}
		}
		c := src[p]
		switch {
		case c == '"' || c == '\'':
			e, err := lx.scanString(p, p)
			if err != nil {
				return 0, err
			}
			lx.toks = append(lx.toks, token{kind: tString, text: src[p:e], off: p})
			p = e
		case (c == 'r' || c == 'b' || c == 'R' || c == 'B') && p+1 < len(src) && (src[p+1] == '"' || src[p+1] == '\'' ||
			(p+2 < len(src) && (src[p+1] == 'r' || src[p+1] == 'R' || src[p+1] == 'b' || src[p+1] == 'B') && (src[p+2] == '"' || src[p+2] == '\''))):
			q := p + 1
			if src[q] != '"' && src[q] != '\'' {
				q++
			}
			e, err := lx.scanString(p, q)
			if err != nil {
				return 0, err
			}
			lx.toks = append(lx.toks, token{kind: tString, text: src[p:e], off: p})
			p = e
		case c >= '0' && c <= '9' || c == '.' && p+1 < len(src) && src[p+1] >= '0' && src[p+1] <= '9' && !lx.afterOperand():
			e, kind := scanNumber(src, p)
			lx.toks = append(lx.toks, token{kind: kind, text: src[p:e], off: p})
			p = e
		case isIdentByte(c):
			e := p
			for e < len(src) && isIdentByte(src[e]) {
				if src[e] >= 0x80 {
					r, n := utf8.DecodeRuneInString(src[e:])
					if !isLetterRune(r) {
						break
					}
					e += n
					continue
				}
				e++
			}
			if e == p {
				return 0, lx.f.errorf(p, "unexpected character %q", src[p:p+utf8RuneLen(src[p:])])
			}
			lx.toks = append(lx.toks, token{kind: tName, text: src[p:e], off: p})
			p = e
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(src[p:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return 0, lx.f.errorf(p, "unexpected character %q", src[p:p+utf8RuneLen(src[p:])])
			}
			switch op {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth > 0 {
					depth--
				}
			}
			lx.toks = append(lx.toks, token{kind: tOp, text: op, off: p})
			p += len(op)
		}
	}
}

func utf8RuneLen(s string) int {
	_, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return 1
	}
	return n
}

// afterOperand reports whether the previous token ends an operand, so that
// ".5" after it is an attribute access (x.0) rather than a float.
func (lx *lexer) afterOperand() bool {
	if len(lx.toks) == 0 {
		return false
	}
	t := lx.toks[len(lx.toks)-1]
	switch t.kind {
	case tName, tInt, tFloat, tString:
		return true
	case tOp:
		return t.text == ")" || t.text == "]" || t.text == "}"
	}
	return false
}

func (lx *lexer) scanString(start, q int) (int, error) {
	src := lx.f.src
	quote := src[q]
	triple := strings.HasPrefix(src[q:], strings.Repeat(string(quote), 3))
	p := q + 1
	if triple {
		p = q + 3
	}
	for p < len(src) {
		c := src[p]
		if c == '\\' {
			p += 2
			continue
		}
		if c == quote {
			if !triple {
				return p + 1, nil
			}
			if strings.HasPrefix(src[p:], strings.Repeat(string(quote), 3)) {
				return p + 3, nil
			}
		}
		if c == '\n' && !triple {
			break
		}
		p++
	}
	return 0, lx.f.errorf(start, "unterminated string literal")
}

func scanNumber(src string, p int) (int, tokKind) {
	e := p
	if src[e] == '0' && e+1 < len(src) && strings.ContainsRune("xXoObB", rune(src[e+1])) {
		e += 2
		for e < len(src) && (isHex(src[e]) || src[e] == '_') {
			e++
		}
		return e, tInt
	}
	kind := tInt
	for e < len(src) && (src[e] >= '0' && src[e] <= '9' || src[e] == '_') {
		e++
	}
	if e < len(src) && src[e] == '.' && e+1 < len(src) && src[e+1] >= '0' && src[e+1] <= '9' {
		kind = tFloat
		e++
		for e < len(src) && (src[e] >= '0' && src[e] <= '9' || src[e] == '_') {
			e++
		}
	}
	if e < len(src) && (src[e] == 'e' || src[e] == 'E') {
		q := e + 1
		if q < len(src) && (src[q] == '+' || src[q] == '-') {
			q++
		}
		if q < len(src) && src[q] >= '0' && src[q] <= '9' {
			kind = tFloat
			e = q
			for e < len(src) && src[e] >= '0' && src[e] <= '9' {
				e++
			}
		}
	}
	return e, kind
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
