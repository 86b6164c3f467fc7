package jinja

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"go.starlark.net/starlark"
)

// HTML filters: urlize and xmlattr, as Jinja 3.1 computes them (with its
// default policies: rel "noopener", no target, no extra schemes).

func init() {
	builtinFilters["urlize"] = filterUrlize
	builtinFilters["xmlattr"] = filterXmlattr
}

// pySpace is the class of Python's \s (str.isspace).
const pySpace = `\t\n\v\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

// Python's \w and \d on str are Unicode-wide.
var (
	urlizeHTTP = regexp.MustCompile(strings.NewReplacer(`\w`, `\p{L}\p{N}_`, `\d`, `\p{Nd}`, `\S`, `[^`+pySpace+`]`).Replace(
		`(?i)^(?:(?:https?://|www\.)(?:(?:[\w%-]+\.)+)?(?:[a-z]{2,63}|xn--[\w%]{2,59})` +
			`|(?:[\w%-]{2,63}\.)+(?:com|net|int|edu|gov|org|info|mil)` +
			`|(?:https?://)(?:(?:[\d]{1,3})(?:\.[\d]{1,3}){3}|\[(?:[\da-f]{0,4}:){2}(?:[\da-f]{0,4}:?){1,6}\]))` +
			`(?::[\d]{1,5})?(?:[/?#]\S*)?$`))
	urlizeEmail = regexp.MustCompile(`^[^` + pySpace + `]+@[\p{L}\p{N}_][\p{L}\p{N}_.-]*\.[\p{L}\p{N}_]+$`)
	uriScheme   = regexp.MustCompile(`^[\p{L}\p{N}_.+-]{2,}:/{0,2}$`)
	spaceRun    = regexp.MustCompile(`[` + pySpace + `]+`)
	leadPunct   = regexp.MustCompile(`^(?:[(<]|&lt;)+`)
)

// filterUrlize is urlize(value, trim_url_limit=None, nofollow=False,
// target=None, rel=None, extra_schemes=None).
func filterUrlize(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var limit, target, rel, extra starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	nofollow := false
	if err := unpack(name, args, kw, "value", &v, "trim_url_limit?", &limit, "nofollow?", &nofollow,
		"target?", &target, "rel?", &rel, "extra_schemes?", &extra); err != nil {
		return nil, err
	}
	parts := map[string]bool{"noopener": true}
	if rel != starlark.None {
		for _, f := range strings.Fields(toStr(rel)) {
			parts[f] = true
		}
	}
	if nofollow {
		parts["nofollow"] = true
	}
	rels := make([]string, 0, len(parts))
	for p := range parts {
		rels = append(rels, p)
	}
	sort.Strings(rels)
	u := urlizer{limit: -1, rel: ` rel="` + htmlEscape(strings.Join(rels, " ")) + `"`}
	if limit != starlark.None {
		n, ok := limit.(starlark.Int)
		if !ok {
			return nil, fmt.Errorf("trim_url_limit: got %s, want int", limit.Type())
		}
		l, _ := n.Int64()
		u.limit = int(l)
	}
	if target != starlark.None && target.Truth() {
		u.target = ` target="` + htmlEscape(toStr(target)) + `"`
	}
	if extra != starlark.None {
		items, err := toList(extra)
		if err != nil {
			return nil, fmt.Errorf("extra_schemes: %w", err)
		}
		for _, s := range items {
			scheme := toStr(s)
			if !uriScheme.MatchString(scheme) {
				return nil, fmt.Errorf("%s is not a valid URI scheme prefix", pyRepr(starlark.String(scheme)))
			}
			u.schemes = append(u.schemes, scheme)
		}
	}
	return starlark.String(u.urlize(toStr(v))), nil
}

type urlizer struct {
	limit       int // -1: no trimming
	rel, target string
	schemes     []string
}

func (u *urlizer) trim(s string) string {
	if u.limit >= 0 && runeLen(s) > u.limit {
		return string([]rune(s)[:u.limit]) + "..."
	}
	return s
}

func (u *urlizer) urlize(text string) string {
	text = htmlEscape(text)
	var b strings.Builder
	last := 0
	for _, loc := range spaceRun.FindAllStringIndex(text, -1) {
		b.WriteString(u.word(text[last:loc[0]]))
		b.WriteString(text[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(u.word(text[last:]))
	return b.String()
}

// word links one word (no spaces) if it is a URL or an email address.
func (u *urlizer) word(middle string) string {
	head, tail := "", ""
	if m := leadPunct.FindString(middle); m != "" {
		head, middle = m, middle[len(m):]
	}
	// Trailing punctuation: ")", ">", ".", ",", "\n" and "&gt;".
	for {
		switch {
		case strings.HasSuffix(middle, "&gt;"):
			tail, middle = middle[len(middle)-4:]+tail, middle[:len(middle)-4]
			continue
		case middle != "" && strings.ContainsRune(")>.,\n", rune(middle[len(middle)-1])):
			tail, middle = middle[len(middle)-1:]+tail, middle[:len(middle)-1]
			continue
		}
		break
	}
	// Prefer balanced parentheses: move closing ones back from the tail.
	for _, pair := range [][2]string{{"(", ")"}, {"<", ">"}, {"&lt;", "&gt;"}} {
		open := strings.Count(middle, pair[0])
		if open <= strings.Count(middle, pair[1]) {
			continue
		}
		for range min(open, strings.Count(tail, pair[1])) {
			end := strings.Index(tail, pair[1]) + len(pair[1])
			middle += tail[:end]
			tail = tail[end:]
		}
	}
	switch {
	case urlizeHTTP.MatchString(middle):
		href := middle
		if !strings.HasPrefix(middle, "https://") && !strings.HasPrefix(middle, "http://") {
			href = "https://" + middle
		}
		middle = `<a href="` + href + `"` + u.rel + u.target + `>` + u.trim(middle) + `</a>`
	case strings.HasPrefix(middle, "mailto:") && urlizeEmail.MatchString(middle[7:]):
		middle = `<a href="` + middle + `">` + middle[7:] + `</a>`
	case strings.Contains(middle, "@") && !strings.HasPrefix(middle, "www.") && !strings.HasPrefix(middle, "@") &&
		!strings.Contains(middle, ":") && urlizeEmail.MatchString(middle):
		middle = `<a href="mailto:` + middle + `">` + middle + `</a>`
	default:
		for _, s := range u.schemes {
			if middle != s && strings.HasPrefix(middle, s) {
				middle = `<a href="` + middle + `"` + u.rel + u.target + `>` + middle + `</a>`
			}
		}
	}
	return head + middle + tail
}

// filterXmlattr is xmlattr(d, autospace=True): key="value" pairs of a
// mapping (values escaped; None and undefined values left out).
func filterXmlattr(e *env, th *starlark.Thread, name string, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	var d starlark.IterableMapping
	autospace := true
	if err := unpack(name, args, kw, "d", &d, "autospace?", &autospace); err != nil {
		return nil, err
	}
	var items []string
	for _, kv := range d.Items() {
		if kv[1] == starlark.None || IsUndefined(kv[1]) {
			continue
		}
		key := toStr(kv[0])
		if strings.ContainsFunc(key, func(r rune) bool {
			return r == '/' || r == '>' || r == '=' || r < 0x80 && unicode.IsSpace(r) // re.ASCII's \s
		}) {
			return nil, fmt.Errorf("invalid character in attribute name: %s", pyRepr(starlark.String(key)))
		}
		items = append(items, htmlEscape(key)+`="`+htmlEscape(toStr(kv[1]))+`"`)
	}
	out := strings.Join(items, " ")
	if autospace && out != "" {
		out = " " + out
	}
	return starlark.String(out), nil
}
