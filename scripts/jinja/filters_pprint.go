package jinja

import (
	"regexp"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// The pprint filter is Python's pprint.pformat(value) (width 80, indent 1,
// dicts sorted by key): a value whose repr is too wide is split over
// lines, one item per line, long strings into adjacent literals.

func init() {
	builtinFilters["pprint"] = func(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		var b strings.Builder
		pformat(&b, args[0], 0, 0, 0)
		return starlark.String(b.String()), nil
	}
}

const pprintWidth = 80

// sortedItems is a dict's items ordered as pprint orders them: by key,
// keys of different types by type name.
func sortedItems(d *starlark.Dict) []starlark.Tuple {
	items := d.Items()
	sort.SliceStable(items, func(i, j int) bool {
		x, y := items[i][0], items[j][0]
		if x.Type() != y.Type() {
			return x.Type() < y.Type()
		}
		lt, err := starlark.Compare(syntax.LT, x, y)
		return err == nil && lt
	})
	return items
}

// safeRepr is pprint's one-line repr: Python's, with dicts sorted.
func safeRepr(b []byte, v starlark.Value) []byte { return appendReprOf(b, v, true) }

// pformat is PrettyPrinter._format.
func pformat(b *strings.Builder, v starlark.Value, indent, allowance, level int) {
	rep := string(safeRepr(nil, v))
	if runeLen(rep) > pprintWidth-indent-allowance {
		switch v := v.(type) {
		case *starlark.Dict:
			b.WriteByte('{')
			if items := sortedItems(v); len(items) > 0 {
				indent++
				for i, kv := range items {
					last := i == len(items)-1
					k := string(safeRepr(nil, kv[0]))
					b.WriteString(k)
					b.WriteString(": ")
					pformat(b, kv[1], indent+runeLen(k)+2, pick(last, allowance+1, 1), level+1)
					if !last {
						b.WriteString(",\n" + strings.Repeat(" ", indent))
					}
				}
			}
			b.WriteByte('}')
			return
		case *starlark.List:
			b.WriteByte('[')
			items := make([]starlark.Value, v.Len())
			for i := range items {
				items[i] = v.Index(i)
			}
			pformatItems(b, items, indent, allowance+1, level+1)
			b.WriteByte(']')
			return
		case starlark.Tuple:
			b.WriteByte('(')
			end := ")"
			if len(v) == 1 {
				end = ",)"
			}
			pformatItems(b, v, indent, allowance+len(end), level+1)
			b.WriteString(end)
			return
		case starlark.String:
			if s := string(v); s != "" {
				pformatStr(b, s, indent, allowance, level+1)
				return
			}
		}
	}
	b.WriteString(rep)
}

func pick(c bool, a, b int) int {
	if c {
		return a
	}
	return b
}

// pformatItems is PrettyPrinter._format_items (not compact).
func pformatItems(b *strings.Builder, items []starlark.Value, indent, allowance, level int) {
	indent++
	for i, x := range items {
		if i > 0 {
			b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		pformat(b, x, indent, pick(i == len(items)-1, allowance, 1), level)
	}
}

var pprintWords = regexp.MustCompile(`[^` + pySpace + `]*[` + pySpace + `]*`)

// pformatStr is PrettyPrinter._pprint_str: a long string as adjacent
// literals split after whitespace (in parentheses at the top level).
func pformatStr(b *strings.Builder, s string, indent, allowance, level int) {
	repr := func(s string) string { return pyRepr(starlark.String(s)) }
	var chunks []string
	lines := splitLinesKeep(s)
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth1 := pprintWidth - indent
	maxWidth := maxWidth1
	for i, line := range lines {
		rep := repr(line)
		if i == len(lines)-1 {
			maxWidth1 -= allowance
		}
		if runeLen(rep) <= maxWidth1 {
			chunks = append(chunks, rep)
			continue
		}
		parts := pprintWords.FindAllString(line, -1)
		if n := len(parts); n > 0 && parts[n-1] == "" {
			parts = parts[:n-1]
		}
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && i == len(lines)-1 {
				maxWidth2 -= allowance
			}
			if runeLen(repr(candidate)) > maxWidth2 {
				if current != "" {
					chunks = append(chunks, repr(current))
				}
				current = part
			} else {
				current = candidate
			}
		}
		if current != "" {
			chunks = append(chunks, repr(current))
		}
	}
	if len(chunks) == 1 {
		b.WriteString(chunks[0])
		return
	}
	if level == 1 {
		b.WriteByte('(')
	}
	for i, c := range chunks {
		if i > 0 {
			b.WriteString("\n" + strings.Repeat(" ", indent))
		}
		b.WriteString(c)
	}
	if level == 1 {
		b.WriteByte(')')
	}
}

// splitLinesKeep is Python's str.splitlines(True).
func splitLinesKeep(s string) []string {
	var out []string
	rest := s
	for _, line := range pySplitLines(s) {
		n := len(line)
		// the line break that followed it ("\r\n" counts as one)
		brk := 0
		if n < len(rest) {
			brk = len(string([]rune(rest[n:])[:1]))
			if strings.HasPrefix(rest[n:], "\r\n") {
				brk = 2
			}
		}
		out = append(out, rest[:n+brk])
		rest = rest[n+brk:]
	}
	return out
}
