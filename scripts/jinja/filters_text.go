package jinja

import (
	"fmt"
	"html"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"
)

// Text filters: wordwrap, striptags, filesizeformat, as Jinja 3.1 (and
// Python's textwrap and MarkupSafe) compute them.

func init() {
	builtinFilters["wordwrap"] = filterWordwrap
	builtinFilters["striptags"] = filterStriptags
	builtinFilters["filesizeformat"] = filterFilesizeformat
}

// filterWordwrap is wordwrap(s, width=79, break_long_words=True,
// wrapstring=None, break_on_hyphens=True): each line of s wrapped by
// Python's textwrap.wrap, joined with wrapstring (default "\n").
func filterWordwrap(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var wrapstring starlark.Value = starlark.None
	width, breakLong, breakHyphens := 79, true, true
	if err := unpack(name, args, kw, "s", &v, "width?", &width, "break_long_words?", &breakLong,
		"wrapstring?", &wrapstring, "break_on_hyphens?", &breakHyphens); err != nil {
		return nil, err
	}
	sep := "\n"
	if wrapstring != starlark.None {
		sep = toStr(wrapstring)
	}
	if width <= 0 {
		return nil, fmt.Errorf("invalid width %d (must be > 0)", width)
	}
	w := textWrapper{width: width, breakLong: breakLong, breakHyphens: breakHyphens}
	var paras []string
	for _, line := range pySplitLines(toStr(v)) {
		paras = append(paras, strings.Join(w.wrap(line), sep))
	}
	return starlark.String(strings.Join(paras, sep)), nil
}

// pySplitLines is Python's str.splitlines().
func pySplitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, s[start:i])
			if r == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				n++
			}
			start = i + n
		}
		i += n
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// textWrapper is Python's textwrap.TextWrapper with Jinja's settings:
// expand_tabs=False, replace_whitespace=False, drop_whitespace=True, no
// indents, no sentence fixing.
type textWrapper struct {
	width                   int
	breakLong, breakHyphens bool
}

func isWrapSpace(r rune) bool {
	return r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == ' '
}

// isPyWord is Python's \w: alphanumerics (str.isalnum) and "_".
func isPyWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// isPyLetter is textwrap's letter class [^\d\W].
func isPyLetter(r rune) bool { return isPyWord(r) && !unicode.Is(unicode.Nd, r) }

// isWordPunct is textwrap's word_punct class [\w!"'&.,?].
func isWordPunct(r rune) bool { return isPyWord(r) || strings.ContainsRune(`!"'&.,?`, r) }

// isPySpace is Python's str.isspace for one character.
func isPySpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// chunks splits text as TextWrapper._split does: runs of whitespace and
// words, words also broken after hyphens between letters and around
// em-dashes ("--") when breakHyphens.
func (w textWrapper) chunks(text string) []string {
	t := []rune(text)
	n := len(t)
	at := func(i int) rune {
		if i < 0 || i >= n {
			return -1
		}
		return t[i]
	}
	// emDash: 2+ hyphens at i followed by a word character.
	emDash := func(i int) bool {
		j := i
		for j < n && t[j] == '-' {
			j++
		}
		return j-i >= 2 && j < n && isPyWord(t[j])
	}
	var out []string
	for i := 0; i < n; {
		if isWrapSpace(t[i]) {
			j := i
			for j < n && isWrapSpace(t[j]) {
				j++
			}
			out = append(out, string(t[i:j]))
			i = j
			continue
		}
		if !w.breakHyphens {
			j := i
			for j < n && !isWrapSpace(t[j]) {
				j++
			}
			out = append(out, string(t[i:j]))
			i = j
			continue
		}
		if i > 0 && isWordPunct(t[i-1]) && emDash(i) {
			j := i
			for j < n && t[j] == '-' {
				j++
			}
			out = append(out, string(t[i:j]))
			i = j
			continue
		}
		// A word, as short as possible, ending after a hyphen between
		// letters, before whitespace or the end, or before an em-dash.
		end := n
		for p := i + 1; p <= n; p++ {
			if at(p) == '-' {
				q := p + 1
				behind := isPyLetter(at(q-3)) && isPyLetter(at(q-2)) ||
					isPyLetter(at(q-4)) && at(q-3) == '-' && isPyLetter(at(q-2))
				ahead := isPyLetter(at(q)) && (isPyLetter(at(q+1)) || at(q+1) == '-' && isPyLetter(at(q+2)))
				if behind && ahead {
					end = q
					break
				}
			}
			if p == n || isWrapSpace(t[p]) {
				end = p
				break
			}
			if isWordPunct(t[p-1]) && emDash(p) {
				end = p
				break
			}
		}
		out = append(out, string(t[i:end]))
		i = end
	}
	return out
}

func isBlank(s string) bool { return strings.TrimFunc(s, isPySpace) == "" }

// wrap is TextWrapper.wrap(text).
func (w textWrapper) wrap(text string) []string {
	chunks := w.chunks(text)
	// Chunks are consumed from the front, as Python pops a reversed list.
	var lines []string
	rl := func(s string) int { return utf8.RuneCountInString(s) }
	for len(chunks) > 0 {
		var cur []string
		curLen := 0
		if isBlank(chunks[0]) && len(lines) > 0 {
			chunks = chunks[1:]
		}
		for len(chunks) > 0 {
			l := rl(chunks[0])
			if curLen+l > w.width {
				break
			}
			cur = append(cur, chunks[0])
			curLen += l
			chunks = chunks[1:]
		}
		if len(chunks) > 0 && rl(chunks[0]) > w.width {
			// _handle_long_word
			spaceLeft := max(w.width-curLen, 1)
			if w.breakLong {
				chunk := []rune(chunks[0])
				end := spaceLeft
				if w.breakHyphens && len(chunk) > spaceLeft {
					hyphen := strings.LastIndex(string(chunk[:spaceLeft]), "-")
					if hyphen > 0 {
						hyphen = utf8.RuneCountInString(string(chunk[:spaceLeft])[:hyphen])
						if strings.Trim(string(chunk[:hyphen]), "-") != "" {
							end = hyphen + 1
						}
					}
				}
				cur = append(cur, string(chunk[:end]))
				chunks[0] = string(chunk[end:])
			} else if len(cur) == 0 {
				cur = append(cur, chunks[0])
				chunks = chunks[1:]
			}
		}
		if len(cur) > 0 && isBlank(cur[len(cur)-1]) {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			lines = append(lines, strings.Join(cur, ""))
		}
	}
	return lines
}

// filterStriptags is Markup(value).striptags(): comments, then tags
// removed, whitespace collapsed to single spaces, entities unescaped.
func filterStriptags(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := unpack(name, args, kw, "value", &v); err != nil {
		return nil, err
	}
	s := toStr(v)
	s = stripBetween(s, "<!--", "-->")
	s = stripBetween(s, "<", ">")
	s = strings.Join(strings.FieldsFunc(s, isPySpace), " ")
	return starlark.String(html.UnescapeString(s)), nil
}

// stripBetween removes every open...close span, leftmost first, stopping
// at an open without a close.
func stripBetween(s, open, close string) string {
	for {
		start := strings.Index(s, open)
		if start < 0 {
			return s
		}
		end := strings.Index(s[start:], close)
		if end < 0 {
			return s
		}
		s = s[:start] + s[start+end+len(close):]
	}
}

// filterFilesizeformat is filesizeformat(value, binary=False): "1 Byte",
// "N Bytes", else one decimal and a decimal (kB, MB…) or binary (KiB,
// MiB…) prefix.
func filterFilesizeformat(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var binary bool
	if err := unpack(name, args, kw, "value", &v, "binary?", &binary); err != nil {
		return nil, err
	}
	var size float64
	switch x := v.(type) {
	case starlark.String:
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(string(x), "_", "")), 64)
		if err != nil {
			return nil, fmt.Errorf("could not convert string to float: %s", pyRepr(x))
		}
		size = f
	default:
		f, ok := starlark.AsFloat(v)
		if !ok {
			return nil, fmt.Errorf("float() argument must be a string or a real number, not '%s'", pyTypeName(v))
		}
		size = f
	}
	base := 1000.0
	prefixes := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if binary {
		base = 1024
		prefixes = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	switch {
	case size == 1:
		return starlark.String("1 Byte"), nil
	case size < base:
		if math.IsNaN(size) {
			return nil, fmt.Errorf("cannot convert float NaN to integer")
		}
		return starlark.String(strconv.FormatFloat(math.Trunc(size), 'f', 0, 64) + " Bytes"), nil
	}
	// Python compares the float with the exact integer base**k.
	exact := new(big.Float).SetFloat64(size)
	var unit *big.Int
	var prefix string
	for i, p := range prefixes {
		unit, prefix = new(big.Int).Exp(big.NewInt(int64(base)), big.NewInt(int64(i+2)), nil), p
		if exact.Cmp(new(big.Float).SetInt(unit)) < 0 {
			break
		}
	}
	u, _ := new(big.Float).SetInt(unit).Float64()
	b := appendFloat(nil, base*size/u, fmtSpec{typ: 'f', prec: 1, width: -1}.resolve(true))
	return starlark.String(string(b) + " " + prefix), nil
}
