package outputs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small strict JSON scanner for outputs that take fields
// out of JSON events (postgres columns, the kafka key_field). It validates the
// whole document but only remembers the top-level members it was asked for,
// as substrings of the event: no tree, no reflection, no allocation unless a
// wanted member's string value or key contains escapes.

// jsonKind is the type of a scanned JSON value.
type jsonKind uint8

const (
	jsonAbsent jsonKind = iota // the member was not in the object
	jsonNull
	jsonFalse
	jsonTrue
	jsonNumber
	jsonString
	jsonObject
	jsonArray
)

func (k jsonKind) String() string {
	return [...]string{"absent", "null", "false", "true", "number", "string", "object", "array"}[k]
}

// jsonValue is one scanned value. raw is the value's text in the event: for a
// string, its content between the quotes (still escaped when esc is set); for
// the others, the literal text (an object or array with its brackets).
type jsonValue struct {
	raw  string
	kind jsonKind
	esc  bool
}

// text returns a string's content (unescaped) or another value's literal text.
func (v jsonValue) text() string {
	if v.kind == jsonString && v.esc {
		s, err := jsonUnescape(v.raw)
		if err != nil { // cannot happen: the scanner validated the escapes
			return v.raw
		}
		return s
	}
	return v.raw
}

// errNotObject is returned for a payload that is valid JSON but not an object.
var errNotObject = errors.New("not a JSON object")

// scanJSONObject scans the JSON object s. For each top-level member whose key
// is in slots, it stores the value in vals[slots[key]] (a repeated key: the
// last one wins). Members not present leave their slot untouched, so callers
// reset vals first. Any syntax error fails the whole document.
func scanJSONObject(s string, slots map[string]int, vals []jsonValue) error {
	return scanJSONObjectHinted(s, slots, nil, vals)
}

// jsonKeyHint remembers, for each member position, the key last seen there
// and its slot (-1: not wanted), so that objects whose keys come in the same
// order every time (as generated events do) are matched with one string
// comparison per member instead of a map lookup.
type jsonKeyHint []jsonKeySeen

type jsonKeySeen struct {
	key  string
	slot int
}

// scanJSONObjectHinted is scanJSONObject with a hint of the key order, which
// it updates; hint may be nil. A hint is used by one goroutine at a time.
func scanJSONObjectHinted(s string, slots map[string]int, hint *jsonKeyHint, vals []jsonValue) error {
	sc := jsonScanner{s: s}
	sc.space()
	if sc.i >= len(s) {
		return errors.New("empty payload")
	}
	if s[sc.i] != '{' {
		if _, err := sc.value(0); err != nil {
			return err
		}
		return errNotObject
	}
	sc.i++
	sc.space()
	if sc.i < len(s) && s[sc.i] == '}' {
		sc.i++
		return sc.end()
	}
	member := 0
	for {
		sc.space()
		if sc.i >= len(s) || s[sc.i] != '"' {
			return sc.errorf("expected a member name")
		}
		kraw, kesc, err := sc.str()
		if err != nil {
			return err
		}
		sc.space()
		if sc.i >= len(s) || s[sc.i] != ':' {
			return sc.errorf("expected ':'")
		}
		sc.i++
		sc.space()
		v, err := sc.value(1)
		if err != nil {
			return err
		}
		key := kraw
		if kesc {
			key, _ = jsonUnescape(kraw)
		}
		if hint != nil {
			h := *hint
			if member < len(h) && h[member].key == key {
				if h[member].slot >= 0 {
					vals[h[member].slot] = v
				}
			} else {
				slot, ok := slots[key]
				if !ok {
					slot = -1
				} else {
					vals[slot] = v
				}
				if member < len(h) {
					h[member] = jsonKeySeen{strings.Clone(key), slot}
				} else if member < maxHintedMembers {
					*hint = append(h, jsonKeySeen{strings.Clone(key), slot})
				}
			}
		} else if slot, ok := slots[key]; ok {
			vals[slot] = v
		}
		member++
		sc.space()
		if sc.i >= len(s) {
			return sc.errorf("unterminated object")
		}
		switch s[sc.i] {
		case ',':
			sc.i++
		case '}':
			sc.i++
			return sc.end()
		default:
			return sc.errorf("expected ',' or '}'")
		}
	}
}

const maxJSONDepth = 1000

// maxHintedMembers bounds a jsonKeyHint: members after it are looked up.
const maxHintedMembers = 64

type jsonScanner struct {
	s string
	i int
}

func (sc *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", sc.i, fmt.Sprintf(format, args...))
}

func (sc *jsonScanner) space() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *jsonScanner) end() error {
	sc.space()
	if sc.i != len(sc.s) {
		return sc.errorf("unexpected data after the object")
	}
	return nil
}

// value scans one value starting at sc.i (no leading space).
func (sc *jsonScanner) value(depth int) (jsonValue, error) {
	if depth > maxJSONDepth {
		return jsonValue{}, sc.errorf("nested too deeply")
	}
	if sc.i >= len(sc.s) {
		return jsonValue{}, sc.errorf("unexpected end")
	}
	start := sc.i
	switch c := sc.s[sc.i]; {
	case c == '"':
		raw, esc, err := sc.str()
		return jsonValue{raw: raw, kind: jsonString, esc: esc}, err
	case c == '{' || c == '[':
		if err := sc.container(depth); err != nil {
			return jsonValue{}, err
		}
		k := jsonObject
		if c == '[' {
			k = jsonArray
		}
		return jsonValue{raw: sc.s[start:sc.i], kind: k}, nil
	case c == 't':
		return sc.literal("true", jsonTrue)
	case c == 'f':
		return sc.literal("false", jsonFalse)
	case c == 'n':
		return sc.literal("null", jsonNull)
	case c == '-' || (c >= '0' && c <= '9'):
		if err := sc.number(); err != nil {
			return jsonValue{}, err
		}
		return jsonValue{raw: sc.s[start:sc.i], kind: jsonNumber}, nil
	default:
		return jsonValue{}, sc.errorf("unexpected character %q", c)
	}
}

func (sc *jsonScanner) literal(word string, k jsonKind) (jsonValue, error) {
	if !strings.HasPrefix(sc.s[sc.i:], word) {
		return jsonValue{}, sc.errorf("invalid literal")
	}
	sc.i += len(word)
	return jsonValue{raw: word, kind: k}, nil
}

// container skips an object or array, validating it.
func (sc *jsonScanner) container(depth int) error {
	closing := byte(']')
	isObj := sc.s[sc.i] == '{'
	if isObj {
		closing = '}'
	}
	sc.i++
	sc.space()
	if sc.i < len(sc.s) && sc.s[sc.i] == closing {
		sc.i++
		return nil
	}
	for {
		sc.space()
		if isObj {
			if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
				return sc.errorf("expected a member name")
			}
			if _, _, err := sc.str(); err != nil {
				return err
			}
			sc.space()
			if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
				return sc.errorf("expected ':'")
			}
			sc.i++
			sc.space()
		}
		if _, err := sc.value(depth + 1); err != nil {
			return err
		}
		sc.space()
		if sc.i >= len(sc.s) {
			return sc.errorf("unterminated %s", map[bool]string{true: "object", false: "array"}[isObj])
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case closing:
			sc.i++
			return nil
		default:
			return sc.errorf("expected ',' or %q", closing)
		}
	}
}

// str scans a string at sc.i (the opening quote) and returns its raw content.
func (sc *jsonScanner) str() (raw string, esc bool, err error) {
	sc.i++
	start := sc.i
	s := sc.s
	for sc.i < len(s) {
		// The plain run up to the next quote, backslash or control character.
		for sc.i < len(s) && !jsonStrSpecial[s[sc.i]] {
			sc.i++
		}
		if sc.i >= len(s) {
			break
		}
		c := s[sc.i]
		switch {
		case c == '"':
			raw = s[start:sc.i]
			sc.i++
			return raw, esc, nil
		case c == '\\':
			esc = true
			if sc.i+1 >= len(s) {
				return "", false, sc.errorf("unterminated string")
			}
			switch s[sc.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.i += 2
			case 'u':
				if sc.i+6 > len(s) || !isHex4(s[sc.i+2:sc.i+6]) {
					return "", false, sc.errorf("invalid \\u escape")
				}
				sc.i += 6
			default:
				return "", false, sc.errorf("invalid escape")
			}
		case c < 0x20:
			return "", false, sc.errorf("control character in string")
		default:
			sc.i++
		}
	}
	return "", false, sc.errorf("unterminated string")
}

// jsonStrSpecial marks the bytes that end a plain run inside a string.
var jsonStrSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (sc *jsonScanner) digits() int {
	n := 0
	for sc.i < len(sc.s) && sc.s[sc.i] >= '0' && sc.s[sc.i] <= '9' {
		sc.i++
		n++
	}
	return n
}

func (sc *jsonScanner) number() error {
	s := sc.s
	if s[sc.i] == '-' {
		sc.i++
	}
	if sc.i >= len(s) {
		return sc.errorf("invalid number")
	}
	if s[sc.i] == '0' {
		sc.i++
	} else if sc.digits() == 0 {
		return sc.errorf("invalid number")
	}
	if sc.i < len(s) && s[sc.i] == '.' {
		sc.i++
		if sc.digits() == 0 {
			return sc.errorf("invalid number")
		}
	}
	if sc.i < len(s) && (s[sc.i] == 'e' || s[sc.i] == 'E') {
		sc.i++
		if sc.i < len(s) && (s[sc.i] == '+' || s[sc.i] == '-') {
			sc.i++
		}
		if sc.digits() == 0 {
			return sc.errorf("invalid number")
		}
	}
	return nil
}

// jsonUnescape decodes the escapes of a string's raw content.
func jsonUnescape(raw string) (string, error) {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := strings.IndexByte(raw[i:], '\\')
			if j < 0 {
				b.WriteString(raw[i:])
				break
			}
			b.WriteString(raw[i : i+j])
			i += j
			continue
		}
		if i+1 >= len(raw) {
			return "", errors.New("truncated escape")
		}
		switch raw[i+1] {
		case '"', '\\', '/':
			b.WriteByte(raw[i+1])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, err := unescapeU(raw[i:])
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
			i += n
			continue
		default:
			return "", errors.New("invalid escape")
		}
		i += 2
	}
	return b.String(), nil
}

// unescapeU decodes \uXXXX (and a following low surrogate) at the start of s.
func unescapeU(s string) (rune, int, error) {
	if len(s) < 6 {
		return 0, 0, errors.New("truncated \\u escape")
	}
	v, err := strconv.ParseUint(s[2:6], 16, 16)
	if err != nil {
		return 0, 0, err
	}
	r := rune(v)
	if utf16.IsSurrogate(r) {
		if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if v2, err := strconv.ParseUint(s[8:12], 16, 16); err == nil {
				if d := utf16.DecodeRune(r, rune(v2)); d != utf8.RuneError {
					return d, 12, nil
				}
			}
		}
		return utf8.RuneError, 6, nil
	}
	return r, 6, nil
}
