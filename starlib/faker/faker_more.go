package faker

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
	"go.starlark.net/starlark"
)

// fakerMethods is every Faker method: the base table, the date methods and
// the ones below. A later table replaces an earlier entry of the same name
// (the base table's simpler forms of a few methods).
var fakerMethods = mergeMethods(fakerBaseMethods, fakerDateMethods, fakerMoreMethods)

func mergeMethods(tables ...map[string]fakerFn) map[string]fakerFn {
	out := make(map[string]fakerFn)
	for _, t := range tables {
		for k, v := range t {
			out[k] = v
		}
	}
	return out
}

// English names by gender (Faker's en_US split). Other locales' name lists
// are not split: their gendered methods draw from all first names.
var (
	maleFirstEN   = newTable(strings.Split("James|John|Robert|Michael|William|David|Richard|Joseph|Thomas|Charles|Christopher|Daniel|Matthew|Anthony|Mark|Donald|Steven|Paul|Andrew|Joshua|Kenneth|Kevin|Brian|George|Timothy|Ronald|Edward|Jason|Jeffrey|Ryan|Jacob|Gary|Nicholas|Eric|Jonathan|Stephen|Larry|Justin|Scott|Brandon|Benjamin|Samuel|Gregory|Alexander|Frank|Patrick|Raymond|Jack|Dennis|Jerry|Tyler|Aaron|Jose|Adam|Nathan|Henry|Douglas|Zachary|Peter|Kyle", "|"))
	femaleFirstEN = newTable(strings.Split("Mary|Patricia|Jennifer|Linda|Elizabeth|Barbara|Susan|Jessica|Sarah|Karen|Lisa|Nancy|Betty|Margaret|Sandra|Ashley|Kimberly|Emily|Donna|Michelle|Carol|Amanda|Dorothy|Melissa|Deborah|Stephanie|Rebecca|Sharon|Laura|Cynthia|Kathleen|Amy|Angela|Shirley|Anna|Brenda|Pamela|Emma|Nicole|Helen|Samantha|Katherine|Christine|Debra|Rachel|Carolyn|Janet|Catherine|Maria|Heather|Diane|Ruth|Julie|Olivia|Joyce|Virginia|Victoria|Kelly|Lauren|Christina", "|"))
	prefixMale    = newTable([]string{"Mr.", "Dr."})
	prefixFemale  = newTable([]string{"Mrs.", "Ms.", "Miss", "Dr."})
	suffixMale    = newTable([]string{"Jr.", "Sr.", "I", "II", "III", "IV", "V", "MD", "DDS", "PhD", "DVM"})
	suffixFemale  = newTable([]string{"MD", "DDS", "PhD", "DVM"})
	bloodGroups   = newTable([]string{"A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"})
)

// firstByGender picks a first name: English lists by gender, other locales
// from their single list.
func (g *gen) firstByGender(l *localeData, female bool) string {
	if l != g.t.en {
		return g.pickS(l.first)
	}
	if female {
		return g.pickS(femaleFirstEN)
	}
	return g.pickS(maleFirstEN)
}

func (g *gen) nameByGender(l *localeData, female bool) starlark.Value {
	first, last := g.firstByGender(l, female), g.pickS(l.last)
	if l.familyFirst {
		return starlark.String(last + first)
	}
	return starlark.String(first + " " + last)
}

// ccInfo are Faker's card types: provider name, prefixes, length, security
// code name and length.
type ccInfo struct {
	name     string
	prefixes []string
	length   int
	codeName string
	codeLen  int
}

var ccInfos = map[string]ccInfo{
	"maestro":    {"Maestro", []string{"5018", "5020", "5038", "56##", "57##", "58##", "6304", "6759", "6761", "6762", "6763", "0604", "6390"}, 12, "CVV", 3},
	"mastercard": {"Mastercard", []string{"51", "52", "53", "54", "55", "222%"}, 16, "CVV", 3},
	"visa16":     {"VISA 16 digit", []string{"4"}, 16, "CVC", 3},
	"visa13":     {"VISA 13 digit", []string{"4"}, 13, "CVC", 3},
	"visa19":     {"VISA 19 digit", []string{"4"}, 19, "CVC", 3},
	"amex":       {"American Express", []string{"34", "37"}, 15, "CID", 4},
	"discover":   {"Discover", []string{"6011", "65"}, 16, "CVC", 3},
	"diners":     {"Diners Club / Carte Blanche", []string{"300", "301", "302", "303", "304", "305", "36", "38"}, 14, "CVV", 3},
	"jcb15":      {"JCB 15 digit", []string{"2131", "1800"}, 15, "CVV", 3},
	"jcb16":      {"JCB 16 digit", []string{"35"}, 16, "CVV", 3},
}

var ccKeys = sortedKeys(ccInfos)

// ccType resolves card_type (None: a random type; "visa" and "jcb" pick a
// length).
func (g *gen) ccType(fn string, v starlark.Value) (ccInfo, error) {
	if v == nil || v == starlark.None {
		return ccInfos[ccKeys[g.r.IntN(len(ccKeys))]], nil
	}
	s, ok := starlark.AsString(v)
	if !ok {
		return ccInfo{}, fmt.Errorf("%s: for parameter \"card_type\": got %s, want string", fn, v.Type())
	}
	switch s {
	case "visa":
		s = [...]string{"visa13", "visa16", "visa19"}[g.r.IntN(3)]
	case "jcb":
		s = [...]string{"jcb15", "jcb16"}[g.r.IntN(2)]
	}
	c, ok := ccInfos[s]
	if !ok {
		return ccInfo{}, fmt.Errorf("%s: unknown card_type %s (known: amex, diners, discover, jcb, jcb15, jcb16, maestro, mastercard, visa, visa13, visa16, visa19)", fn, pyQuote(s))
	}
	return c, nil
}

// pyQuote is Python's repr of a short string (single quotes).
func pyQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// appendLuhn appends a card number: prefix, random digits and the Luhn
// check digit, length digits in all.
func (g *gen) appendCardNumber(b []byte, c ccInfo) []byte {
	start := len(b)
	b = g.appendPattern(b, c.prefixes[g.r.IntN(len(c.prefixes))], digits)
	for len(b)-start < c.length-1 {
		b = append(b, digits[g.r.IntN(10)])
	}
	sum := 0
	for i := len(b) - 1; i >= start; i-- {
		d := int(b[i] - '0')
		if (len(b)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return append(b, byte('0'+(10-sum%10)%10))
}

// eanCheck returns the EAN/ISBN-13 check digit of ds (without it).
func eanCheck(ds []byte) byte {
	sum := 0
	for i, c := range ds {
		w := 1
		if (len(ds)-i)%2 == 1 {
			w = 3
		}
		sum += int(c-'0') * w
	}
	return byte('0' + (10-sum%10)%10)
}

func eanFn(length int) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		n := length
		var prefixes starlark.Value = starlark.Tuple{}
		var lead starlark.Value = starlark.None
		pairs := []any{"prefixes?", &prefixes}
		if length == 0 {
			n = 13
			pairs = []any{"length?", &n, "prefixes?", &prefixes}
		} else if length == 13 {
			pairs = append(pairs, "leading_zero?", &lead)
		}
		if err := starlark.UnpackArgs(fn, args, kwargs, pairs...); err != nil {
			return nil, err
		}
		if n != 8 && n != 13 {
			return nil, fmt.Errorf("%s: length must be 8 or 13, got %d", fn, n)
		}
		b := g.buf[:0]
		seq, ok := prefixes.(starlark.Indexable)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter \"prefixes\": got %s, want a tuple or list of strings", fn, prefixes.Type())
		}
		if seq.Len() > 0 {
			p, _ := starlark.AsString(seq.Index(g.r.IntN(seq.Len())))
			b = append(b, p...)
		} else if lead != starlark.None {
			if lead.Truth() {
				b = append(b, '0')
			} else {
				b = append(b, digits[1+g.r.IntN(9)])
			}
		}
		for len(b) < n-1 {
			b = append(b, digits[g.r.IntN(10)])
		}
		b = b[:n-1]
		g.buf = append(b, eanCheck(b))
		return g.result(), nil
	}
}

// isbnParts draws the group digit and the registrant and publication
// digits (9 digits in all).
func (g *gen) isbnParts() (group, registrant, publication string) {
	var d [9]byte // group, then 8 digits split between registrant and publication
	g.appendPattern(d[:0], "#########", digits)
	group = string('0' + d[0]&1) // English-language groups 0 and 1
	split := 2 + g.r.IntN(5)
	return group, string(d[1 : 1+split]), string(d[1+split:])
}

func isbnFn(thirteen bool) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		sep := "-"
		if err := starlark.UnpackArgs(fn, args, kwargs, "separator?", &sep); err != nil {
			return nil, err
		}
		group, reg, pub := g.isbnParts()
		body := group + reg + pub
		var check byte
		prefix := ""
		if thirteen {
			prefix = "978"
			check = eanCheck([]byte(prefix + body))
		} else {
			sum := 0
			for i := 0; i < 9; i++ {
				sum += int(body[i]-'0') * (10 - i)
			}
			c := (11 - sum%11) % 11
			check = byte('0' + c)
			if c == 10 {
				check = 'X'
			}
		}
		parts := []string{group, reg, pub, string(check)}
		if prefix != "" {
			parts = append([]string{prefix}, parts...)
		}
		return starlark.String(strings.Join(parts, sep)), nil
	}
}

// swift builds a SWIFT/BIC code: bank (4 letters), country, location (2),
// branch (3, "XXX" when primary) for length 11.
func (g *gen) swift(l *localeData, length int, primary bool) starlark.Value {
	b := g.appendPattern(g.buf[:0], "????", upperLetters)
	cc := l.countryCode
	if cc == "US" {
		cc = "GB" // Faker's default bank provider is British
	}
	b = append(b, cc...)
	b = g.appendRandom(b, 2, upperLetters+digits)
	if length == 11 {
		if primary {
			b = append(b, "XXX"...)
		} else {
			b = g.appendRandom(b, 3, upperLetters+digits)
		}
	}
	g.buf = b
	return g.result()
}

// hashFn implements md5/sha1/sha256(raw_output=False): the digest of random
// bytes, as hex or (raw_output) bytes.
func hashFn(size int, sum func([]byte) []byte) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		raw := false
		if len(args) > 0 || len(kwargs) > 0 {
			x := raw
			if err := starlark.UnpackArgs(fn, args, kwargs, "raw_output?", &x); err != nil {
				return nil, err
			}
			raw = x
		}
		if !raw {
			return g.hexString(size * 2), nil
		}
		var seed [8]byte
		v := g.r.Uint64()
		for i := range seed {
			seed[i] = byte(v >> (8 * i))
		}
		return starlark.Bytes(sum(seed[:])), nil
	}
}

// file categories of Faker's file provider.
var fileExtensions = map[string][]string{
	"audio":  {"flac", "mp3", "wav"},
	"image":  {"bmp", "gif", "jpeg", "jpg", "png", "tiff"},
	"office": {"doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "pages", "numbers", "key", "pdf"},
	"text":   {"css", "csv", "html", "js", "json", "txt"},
	"video":  {"mp4", "avi", "mov", "webm"},
}

var fileCategories = sortedKeys(fileExtensions)

func (g *gen) fileExtension(fn string, category starlark.Value) (string, error) {
	cat := fileCategories[g.r.IntN(len(fileCategories))]
	if category != nil && category != starlark.None {
		s, _ := starlark.AsString(category)
		if _, ok := fileExtensions[s]; !ok {
			return "", fmt.Errorf("%s: unknown category %s (known: %s)", fn, pyQuote(s), strings.Join(fileCategories, ", "))
		}
		cat = s
	}
	exts := fileExtensions[cat]
	return exts[g.r.IntN(len(exts))], nil
}

// extensionArg reads extension=: None (random), a string ("" for none) or
// a list to pick from.
func (g *gen) extensionArg(fn string, ext, category starlark.Value) (string, bool, error) {
	switch e := ext.(type) {
	case starlark.NoneType:
		s, err := g.fileExtension(fn, category)
		return s, true, err
	case starlark.String:
		return string(e), e != "", nil
	case starlark.Indexable:
		if e.Len() == 0 {
			return "", false, nil
		}
		s, _ := starlark.AsString(e.Index(g.r.IntN(e.Len())))
		return s, s != "", nil
	}
	return "", false, fmt.Errorf("%s: for parameter \"extension\": got %s, want str, list or None", fn, ext.Type())
}

var mimeCategories = []string{"application", "audio", "image", "message", "model", "multipart", "text", "video"}

// ipv4 networks of Faker's address classes.
var (
	classNets   = map[string][2]uint32{"a": {0x00000000, 1}, "b": {0x80000000, 2}, "c": {0xC0000000, 3}}
	privateNets = map[string][2]uint32{"a": {0x0A000000, 8}, "b": {0xAC100000, 12}, "c": {0xC0A80000, 16}}
)

// ipv4In returns an address (or, with network, a network) inside base/bits.
func (g *gen) ipv4In(base, bits uint32, network bool) starlark.Value {
	host := g.r.Uint32()
	if bits > 0 {
		host &= uint32(1)<<(32-bits) - 1
	}
	ip := base | host
	prefix := uint32(32)
	if network {
		prefix = bits + uint32(g.r.IntN(int(33-bits)))
		if prefix < 32 {
			ip &^= uint32(1)<<(32-prefix) - 1
		}
	}
	b := g.buf[:0]
	for i := 3; i >= 0; i-- {
		b = strconv.AppendUint(b, uint64(ip>>(8*i)&0xFF), 10)
		if i > 0 {
			b = append(b, '.')
		}
	}
	if network {
		b = append(b, '/')
		b = strconv.AppendUint(b, uint64(prefix), 10)
	}
	g.buf = b
	return g.result()
}

func ipv4ClassFn(private bool) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		network := false
		var class starlark.Value = starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			n, c := network, class
			if err := starlark.UnpackArgs(fn, args, kwargs, "network?", &n, "address_class?", &c); err != nil {
				return nil, err
			}
			network, class = n, c
		}
		c := [...]string{"a", "b", "c"}[g.r.IntN(3)]
		if class != starlark.None {
			s, _ := starlark.AsString(class)
			if _, ok := classNets[s]; !ok {
				return nil, fmt.Errorf("%s: address_class must be 'a', 'b' or 'c', got %s", fn, class)
			}
			c = s
		}
		if private {
			n := privateNets[c]
			return g.ipv4In(n[0], n[1], network), nil
		}
		if !network {
			n := classNets[c]
			for {
				v := g.ipv4In(n[0], n[1], false)
				s := string(v.(starlark.String))
				a, rest, _ := strings.Cut(s, ".")
				bs, _, _ := strings.Cut(rest, ".")
				x, _ := strconv.Atoi(a)
				y, _ := strconv.Atoi(bs)
				if isPublicIPv4(byte(x), byte(y)) {
					return v, nil
				}
			}
		}
		n := classNets[c]
		return g.ipv4In(n[0], n[1], true), nil
	}
}

// wordsArg reads ext_word_list: None uses the built-in words.
func (g *gen) wordsArg(fn string, ext starlark.Value) ([]string, error) {
	if ext == nil || ext == starlark.None {
		return g.t.words.s, nil
	}
	seq, ok := ext.(starlark.Indexable)
	if !ok || seq.Len() == 0 {
		return nil, fmt.Errorf("%s: for parameter \"ext_word_list\": want a non-empty list of strings, got %s", fn, ext.Type())
	}
	out := make([]string, seq.Len())
	for i := range out {
		s, ok := starlark.AsString(seq.Index(i))
		if !ok {
			return nil, fmt.Errorf("%s: for parameter \"ext_word_list\": item %d is %s, want string", fn, i, seq.Index(i).Type())
		}
		out[i] = s
	}
	return out, nil
}

func (g *gen) appendSentenceFrom(b []byte, n int, words []string) []byte {
	for i := range n {
		w := words[g.r.IntN(len(words))]
		if i == 0 {
			if w != "" && w[0] >= 'a' && w[0] <= 'z' {
				b = append(b, w[0]-'a'+'A')
				w = w[1:]
			}
		} else {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return append(b, '.')
}

func (g *gen) appendParagraphFrom(b []byte, sentences int, words []string) []byte {
	for i := range sentences {
		if i > 0 {
			b = append(b, ' ')
		}
		b = g.appendSentenceFrom(b, g.varied(6), words)
	}
	return b
}

// textFrom is Faker's text(): sentences up to maxChars characters (under
// 25 characters: words; under 100: sentences; else paragraphs joined by
// newlines).
func (g *gen) textFrom(maxChars int, words []string) starlark.Value {
	b := g.buf[:0]
	switch {
	case maxChars < 25:
		for {
			start := len(b)
			if start > 0 {
				b = append(b, ' ')
			}
			w := words[g.r.IntN(len(words))]
			if start == 0 && w != "" && w[0] >= 'a' && w[0] <= 'z' {
				b = append(b, w[0]-'a'+'A')
				w = w[1:]
			}
			b = append(b, w...)
			if len(b)+1 > maxChars {
				b = b[:start]
				if start == 0 { // no word fits: cut one
					b = append(b[:0], words[0][:min(len(words[0]), maxChars-1)]...)
				}
				break
			}
		}
		b = append(b, '.')
	default:
		sep := byte(' ')
		if maxChars >= 100 {
			sep = '\n'
		}
		for {
			start := len(b)
			if start > 0 {
				b = append(b, sep)
			}
			if sep == '\n' {
				b = g.appendParagraphFrom(b, g.varied(3), words)
			} else {
				b = g.appendSentenceFrom(b, g.varied(6), words)
			}
			if len(b) > maxChars {
				if start == 0 {
					b = append(b[:maxChars-1], '.')
				} else {
					b = b[:start]
				}
				break
			}
		}
	}
	g.buf = b
	return g.result()
}

// pyNumber implements pyfloat and pydecimal (both Starlark floats).
func pyNumber(g *gen, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var left, right, minV, maxV starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	positive := false
	if len(args) > 0 || len(kwargs) > 0 {
		if err := starlark.UnpackArgs(fn, args, kwargs, "left_digits?", &left, "right_digits?", &right,
			"positive?", &positive, "min_value?", &minV, "max_value?", &maxV); err != nil {
			return nil, err
		}
	}
	optInt := func(name string, v starlark.Value) (int, bool, error) {
		if v == starlark.None {
			return 0, false, nil
		}
		n, err := starlark.AsInt32(v)
		if err != nil || n < 0 {
			return 0, false, fmt.Errorf("%s: for parameter %q: want a non-negative int, got %s", fn, name, v)
		}
		return n, true, nil
	}
	optFloat := func(name string, v starlark.Value) (float64, bool, error) {
		if v == starlark.None {
			return 0, false, nil
		}
		f, ok := starlark.AsFloat(v)
		if !ok {
			return 0, false, fmt.Errorf("%s: for parameter %q: got %s, want float", fn, name, v.Type())
		}
		return f, true, nil
	}
	l, hasL, err := optInt("left_digits", left)
	if err != nil {
		return nil, err
	}
	r, hasR, err := optInt("right_digits", right)
	if err != nil {
		return nil, err
	}
	lo, hasLo, err := optFloat("min_value", minV)
	if err != nil {
		return nil, err
	}
	hi, hasHi, err := optFloat("max_value", maxV)
	if err != nil {
		return nil, err
	}
	if hasL && hasR && l+r == 0 {
		return nil, fmt.Errorf("%s: a float has at least one digit (left_digits + right_digits > 0)", fn)
	}
	if l+r > 15 {
		return nil, fmt.Errorf("%s: left_digits + right_digits must be at most 15, got %d", fn, l+r)
	}
	if hasLo && hasHi && lo > hi {
		return nil, fmt.Errorf("%s: min_value (%v) is greater than max_value (%v)", fn, lo, hi)
	}
	if !hasR {
		r = g.intBetween(0, 15-max(l, 1))
	}
	if hasLo || hasHi {
		if !hasLo {
			lo = math.Min(hi, 0) - 1e6
			if positive {
				lo = 0
			}
		}
		if !hasHi {
			hi = math.Max(lo, 0) + 1e6
		}
		p := math.Pow(10, float64(r))
		return starlark.Float(math.Round((lo+g.r.Float64()*(hi-lo))*p) / p), nil
	}
	if !hasL {
		l = g.intBetween(1, 15-r)
	}
	var ip int64
	if l > 0 {
		ip = g.r.Int64N(int64(math.Pow10(l)))
	}
	var frac int64
	if r > 0 {
		frac = g.r.Int64N(int64(math.Pow10(r)))
	}
	v := float64(ip)
	if r > 0 {
		v += float64(frac) / math.Pow10(r)
	}
	if positive && v == 0 {
		v = 1 / math.Pow10(r)
	}
	if !positive && g.r.IntN(2) == 0 {
		v = -v
	}
	return starlark.Float(v), nil
}

// profileFields are Faker's profile() keys in its order.
var profileFields = []string{"job", "company", "ssn", "residence", "current_location", "blood_group",
	"website", "username", "name", "sex", "address", "mail", "birthdate"}

func (g *gen) profile(fn string, l *localeData, fields, sex starlark.Value, simple bool) (starlark.Value, error) {
	female := g.r.IntN(2) == 0
	if sex != nil && sex != starlark.None {
		s, _ := starlark.AsString(sex)
		switch s {
		case "F":
			female = true
		case "M":
			female = false
		default:
			return nil, fmt.Errorf("%s: for parameter \"sex\": want 'M' or 'F', got %s", fn, sex)
		}
	}
	var want map[string]bool
	if _, ok := fields.(starlark.Iterable); !ok && fields != starlark.None {
		return nil, fmt.Errorf("%s: for parameter \"fields\": got %s, want a list of field names", fn, fields.Type())
	}
	if seq, ok := fields.(starlark.Iterable); ok && fields != starlark.None {
		want = map[string]bool{}
		it := seq.Iterate()
		var x starlark.Value
		for it.Next(&x) {
			s, _ := starlark.AsString(x)
			want[s] = true
		}
		it.Done()
	}
	d := starlark.NewDict(len(profileFields))
	set := func(k string, v func() starlark.Value) {
		if want == nil || want[k] {
			_ = d.SetKey(starlark.String(k), v())
		}
	}
	if !simple {
		set("job", func() starlark.Value { return g.pick(g.t.jobTitle) })
		set("company", func() starlark.Value { return g.pick(g.t.company) })
		set("ssn", func() starlark.Value { return g.ssn() })
		set("residence", func() starlark.Value { return g.address(l) })
		set("current_location", func() starlark.Value {
			return starlark.Tuple{starlark.Float(g.coordinate(90)), starlark.Float(g.coordinate(180))}
		})
		set("blood_group", func() starlark.Value { return g.pick(bloodGroups) })
		set("website", func() starlark.Value {
			n := g.intBetween(1, 3)
			urls := make([]starlark.Value, n)
			for i := range urls {
				urls[i] = g.url()
			}
			return starlark.NewList(urls)
		})
	}
	set("username", func() starlark.Value { return g.userName() })
	set("name", func() starlark.Value { return g.nameByGender(l, female) })
	set("sex", func() starlark.Value {
		if female {
			return starlark.String("F")
		}
		return starlark.String("M")
	})
	set("address", func() starlark.Value { return g.address(l) })
	set("mail", func() starlark.Value { return g.email(emailFree) })
	set("birthdate", func() starlark.Value {
		v, _ := g.dayBetween(fn, g.now.AddDate(-116, 0, 1), g.now)
		return v
	})
	return d, nil
}

var windowsTokens = []string{"Windows 95", "Windows 98", "Windows 98; Win 9x 4.90", "Windows CE",
	"Windows NT 4.0", "Windows NT 5.0", "Windows NT 5.01", "Windows NT 5.1", "Windows NT 5.2",
	"Windows NT 6.0", "Windows NT 6.1", "Windows NT 6.2", "Windows NT 10.0"}

func (g *gen) platformToken(kind string) string {
	switch kind {
	case "windows":
		return windowsTokens[g.r.IntN(len(windowsTokens))]
	case "linux":
		return "X11; Linux " + [...]string{"i686", "x86_64"}[g.r.IntN(2)]
	case "mac":
		return fmt.Sprintf("Macintosh; %s Mac OS X 10_%d_%d", [...]string{"U; PPC", "U; Intel", "Intel"}[g.r.IntN(3)], g.intBetween(5, 12), g.intBetween(0, 9))
	case "android":
		return fmt.Sprintf("Android %d", g.intBetween(5, 14))
	}
	return fmt.Sprintf("%s; CPU %s OS %d_%d like Mac OS X", [...]string{"iPhone", "iPad", "iPod"}[g.r.IntN(3)],
		[...]string{"iPhone", "iPad", "iPod"}[g.r.IntN(3)], g.intBetween(9, 17), g.intBetween(0, 4))
}

func tokenFn(kind string) fakerFn {
	return noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.String(g.platformToken(kind)) })
}

var fakerMoreMethods = map[string]fakerFn{
	// person
	"name_male":         noArgs(func(g *gen, l *localeData) starlark.Value { return g.nameByGender(l, false) }),
	"name_female":       noArgs(func(g *gen, l *localeData) starlark.Value { return g.nameByGender(l, true) }),
	"name_nonbinary":    noArgs(func(g *gen, l *localeData) starlark.Value { return g.nameByGender(l, g.r.IntN(2) == 0) }),
	"first_name_male":   noArgs(func(g *gen, l *localeData) starlark.Value { return starlark.String(g.firstByGender(l, false)) }),
	"first_name_female": noArgs(func(g *gen, l *localeData) starlark.Value { return starlark.String(g.firstByGender(l, true)) }),
	"first_name_nonbinary": noArgs(func(g *gen, l *localeData) starlark.Value {
		return starlark.String(g.firstByGender(l, g.r.IntN(2) == 0))
	}),
	"last_name_male":   pickLocal(func(l *localeData) table { return l.last }),
	"last_name_female": pickLocal(func(l *localeData) table { return l.last }),
	"prefix_male":      noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(prefixMale) }),
	"prefix_female":    noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(prefixFemale) }),
	"suffix_male":      noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(suffixMale) }),
	"suffix_female":    noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(suffixFemale) }),
	"profile": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var fields, sex starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "fields?", &fields, "sex?", &sex); err != nil {
			return nil, err
		}
		return g.profile(fn, l, fields, sex, false)
	},
	"simple_profile": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var sex starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "sex?", &sex); err != nil {
			return nil, err
		}
		return g.profile(fn, l, starlark.None, sex, true)
	},

	// python
	"pyfloat": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return pyNumber(g, fn, args, kwargs)
	},
	"pydecimal": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return pyNumber(g, fn, args, kwargs)
	},
	"pybool": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		p := 50
		if len(args) > 0 || len(kwargs) > 0 {
			x := p
			if err := starlark.UnpackArgs(fn, args, kwargs, "truth_probability?", &x); err != nil {
				return nil, err
			}
			p = x
		}
		if p < 0 || p > 100 {
			return nil, fmt.Errorf("%s: truth_probability must be between 0 and 100, got %d", fn, p)
		}
		return starlark.Bool(g.r.IntN(100) < p), nil
	},
	"pylist":     pyCollectionFn("list"),
	"pytuple":    pyCollectionFn("tuple"),
	"pyiterable": pyCollectionFn("list"),
	"pyset":      pyCollectionFn("set"),
	"pydict":     pyCollectionFn("dict"),
	"null_boolean": noArgs(func(g *gen, _ *localeData) starlark.Value {
		return [...]starlark.Value{starlark.None, starlark.True, starlark.False}[g.r.IntN(3)]
	}),
	"random_digit_not_null": intRangeFixed(1, 9),
	"random_lowercase_letter": noArgs(func(g *gen, _ *localeData) starlark.Value {
		i := g.r.IntN(26)
		return starlark.String(lowerLetters[i : i+1])
	}),
	"random_uppercase_letter": noArgs(func(g *gen, _ *localeData) starlark.Value {
		i := g.r.IntN(26)
		return starlark.String(upperLetters[i : i+1])
	}),
	"random_letters": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		n := 16
		if err := starlark.UnpackArgs(fn, args, kwargs, "length?", &n); err != nil {
			return nil, err
		}
		if err := guard.CheckCount(fn, "length", int64(n), 16); err != nil {
			return nil, err
		}
		out := make([]starlark.Value, max(n, 0))
		for i := range out {
			j := g.r.IntN(len(asciiLetters))
			out[i] = starlark.String(asciiLetters[j : j+1])
		}
		return starlark.NewList(out), nil
	},
	"random_choices": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var elems starlark.Value = starlark.Tuple{starlark.String("a"), starlark.String("b"), starlark.String("c")}
		var lenV starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "elements?", &elems, "length?", &lenV); err != nil {
			return nil, err
		}
		n, err := lengthArg(fn, lenV)
		if err != nil {
			return nil, err
		}
		return pickN(g, fn, elems, n, false)
	},
	"random_sample": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var elems starlark.Value = starlark.Tuple{starlark.String("a"), starlark.String("b"), starlark.String("c")}
		var lenV starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "elements?", &elems, "length?", &lenV); err != nil {
			return nil, err
		}
		n, err := lengthArg(fn, lenV)
		if err != nil {
			return nil, err
		}
		return pickN(g, fn, elems, n, true)
	},

	// barcodes and books
	"ean":    eanFn(0),
	"ean13":  eanFn(13),
	"ean8":   eanFn(8),
	"isbn10": isbnFn(false),
	"isbn13": isbnFn(true),

	// bank
	"bban": noArgs(func(g *gen, _ *localeData) starlark.Value {
		g.buf = g.appendPattern(g.buf[:0], "????##############", upperLetters)
		return g.result()
	}),
	"swift": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var lenV starlark.Value = starlark.None
		primary, useDataset := false, false
		if err := starlark.UnpackArgs(fn, args, kwargs, "length?", &lenV, "primary?", &primary, "use_dataset?", &useDataset); err != nil {
			return nil, err
		}
		n := [...]int{8, 11}[g.r.IntN(2)]
		if lenV != starlark.None {
			var err error
			if n, err = starlark.AsInt32(lenV); err != nil || (n != 8 && n != 11) {
				return nil, fmt.Errorf("%s: length can only be 8 or 11 or None", fn)
			}
		}
		return g.swift(l, n, primary), nil
	},
	"swift8": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		useDataset := false
		if err := starlark.UnpackArgs(fn, args, kwargs, "use_dataset?", &useDataset); err != nil {
			return nil, err
		}
		return g.swift(l, 8, false), nil
	},
	"swift11": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		primary, useDataset := false, false
		if err := starlark.UnpackArgs(fn, args, kwargs, "primary?", &primary, "use_dataset?", &useDataset); err != nil {
			return nil, err
		}
		return g.swift(l, 11, primary), nil
	},

	// credit cards
	"credit_card_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var ct starlark.Value = starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			x := ct
			if err := starlark.UnpackArgs(fn, args, kwargs, "card_type?", &x); err != nil {
				return nil, err
			}
			ct = x
		}
		c, err := g.ccType(fn, ct)
		if err != nil {
			return nil, err
		}
		g.buf = g.appendCardNumber(g.buf[:0], c)
		return g.result(), nil
	},
	"credit_card_provider": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var ct starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "card_type?", &ct); err != nil {
			return nil, err
		}
		c, err := g.ccType(fn, ct)
		if err != nil {
			return nil, err
		}
		return starlark.String(c.name), nil
	},
	"credit_card_security_code": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var ct starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "card_type?", &ct); err != nil {
			return nil, err
		}
		c, err := g.ccType(fn, ct)
		if err != nil {
			return nil, err
		}
		g.buf = g.appendRandom(g.buf[:0], c.codeLen, digits)
		return g.result(), nil
	},
	"credit_card_expire": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var start, end starlark.Value = starlark.String("now"), starlark.String("+10y")
		format := "%m/%y"
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &start, "end?", &end, "date_format?", &format); err != nil {
				return nil, err
			}
		}
		a, err := g.fakerDate(fn, "start", start)
		if err != nil {
			return nil, err
		}
		b, err := g.fakerDate(fn, "end", end)
		if err != nil {
			return nil, err
		}
		t, err := g.between(fn, a, b)
		if err != nil {
			return nil, err
		}
		g.buf = starlib.AppendStrftime(g.buf[:0], t, format, true)
		return g.result(), nil
	},
	"credit_card_full": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var ct starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "card_type?", &ct); err != nil {
			return nil, err
		}
		c, err := g.ccType(fn, ct)
		if err != nil {
			return nil, err
		}
		name := string(g.fullName(l).(starlark.String))
		b := append(g.buf[:0], c.name...)
		b = append(b, '\n')
		b = append(b, name...)
		b = append(b, '\n')
		b = g.appendCardNumber(b, c)
		b = append(b, ' ')
		t := g.now.Add(time.Duration(g.r.Int64N(int64(10*365*24*time.Hour/time.Second))) * time.Second)
		b = starlib.AppendStrftime(b, t, "%m/%y", true)
		b = append(b, '\n')
		b = append(b, c.codeName...)
		b = append(b, ": "...)
		b = g.appendRandom(b, c.codeLen, digits)
		g.buf = append(b, '\n')
		return g.result(), nil
	},

	// hashes and ids
	"md5":    hashFn(16, func(p []byte) []byte { s := md5.Sum(p); return s[:] }),
	"sha1":   hashFn(20, func(p []byte) []byte { s := sha1.Sum(p); return s[:] }),
	"sha256": hashFn(32, func(p []byte) []byte { s := sha256.Sum256(p); return s[:] }),
	"uuid4": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var cast starlark.Value = starlark.String("str")
		if len(args) > 0 || len(kwargs) > 0 {
			x := cast
			if err := starlark.UnpackArgs(fn, args, kwargs, "cast_to?", &x); err != nil {
				return nil, err
			}
			cast = x
		}
		s := g.uuid4()
		if cast == starlark.None {
			var u starlib.UUID
			h, _ := hex.DecodeString(strings.ReplaceAll(string(s.(starlark.String)), "-", ""))
			copy(u[:], h)
			return u, nil
		}
		if cast == starlark.String("str") {
			return s, nil
		}
		c, ok := cast.(starlark.Callable)
		if !ok {
			return nil, fmt.Errorf("%s: for parameter \"cast_to\": got %s, want a callable or None", fn, cast.Type())
		}
		return starlark.Call(&starlark.Thread{Name: fn}, c, starlark.Tuple{s}, nil)
	},

	// user agents
	"internet_explorer": noArgs(func(g *gen, _ *localeData) starlark.Value {
		return starlark.String(fmt.Sprintf("Mozilla/5.0 (compatible; MSIE %d.0; %s; Trident/%d.%d)",
			g.intBetween(5, 9), g.platformToken("windows"), g.intBetween(3, 5), g.intBetween(0, 1)))
	}),
	"windows_platform_token": tokenFn("windows"),
	"linux_platform_token":   tokenFn("linux"),
	"mac_platform_token":     tokenFn("mac"),
	"android_platform_token": tokenFn("android"),
	"ios_platform_token":     tokenFn("ios"),
	"linux_processor": noArgs(func(g *gen, _ *localeData) starlark.Value {
		return starlark.String([...]string{"i686", "x86_64"}[g.r.IntN(2)])
	}),
	"mac_processor": noArgs(func(g *gen, _ *localeData) starlark.Value {
		return starlark.String([...]string{"U; Intel", "U; PPC", "Intel"}[g.r.IntN(3)])
	}),

	// files
	"file_extension": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var category starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "category?", &category); err != nil {
			return nil, err
		}
		s, err := g.fileExtension(fn, category)
		if err != nil {
			return nil, err
		}
		return starlark.String(s), nil
	},
	"file_name": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var category, ext starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "category?", &category, "extension?", &ext); err != nil {
			return nil, err
		}
		e, dot, err := g.extensionArg(fn, ext, category)
		if err != nil {
			return nil, err
		}
		b := append(g.buf[:0], g.pickS(g.t.words)...)
		if dot {
			b = append(b, '.')
			b = append(b, e...)
		}
		g.buf = b
		return g.result(), nil
	},
	"file_path": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		depth := 1
		var category, ext starlark.Value = starlark.None, starlark.None
		absolute := true
		rule := "linux"
		if err := starlark.UnpackArgs(fn, args, kwargs, "depth?", &depth, "category?", &category, "extension?", &ext,
			"absolute?", &absolute, "file_system_rule?", &rule); err != nil {
			return nil, err
		}
		if rule != "linux" && rule != "windows" {
			return nil, fmt.Errorf("%s: file_system_rule must be 'linux' or 'windows', got %s", fn, pyQuote(rule))
		}
		if err := guard.CheckCount(fn, "depth", int64(depth), 16); err != nil {
			return nil, err
		}
		e, dot, err := g.extensionArg(fn, ext, category)
		if err != nil {
			return nil, err
		}
		sep := byte('/')
		b := g.buf[:0]
		if rule == "windows" {
			sep = '\\'
			if absolute {
				b = append(b, "C:"...)
			}
		}
		for i := 0; i < depth; i++ {
			if i > 0 || absolute {
				b = append(b, sep)
			}
			b = append(b, g.pickS(g.t.words)...)
		}
		if depth > 0 || absolute {
			b = append(b, sep)
		}
		b = append(b, g.pickS(g.t.words)...)
		if dot {
			b = append(b, '.')
			b = append(b, e...)
		}
		g.buf = b
		return g.result(), nil
	},
	"mime_type": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var category starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "category?", &category); err != nil {
			return nil, err
		}
		if category == starlark.None {
			return g.pick(g.t.mime), nil
		}
		c, _ := starlark.AsString(category)
		var pool []string
		for _, m := range g.t.mime.s {
			if strings.HasPrefix(m, c+"/") {
				pool = append(pool, m)
			}
		}
		if len(pool) == 0 {
			return nil, fmt.Errorf("%s: unknown category %s (known: %s)", fn, pyQuote(c), strings.Join(mimeCategories, ", "))
		}
		return starlark.String(pool[g.r.IntN(len(pool))]), nil
	},
	"unix_device": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var prefix starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "prefix?", &prefix); err != nil {
			return nil, err
		}
		p, err := devicePrefix(g, fn, prefix)
		if err != nil {
			return nil, err
		}
		return starlark.String("/dev/" + p + string(lowerLetters[g.r.IntN(26)])), nil
	},
	"unix_partition": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var prefix starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "prefix?", &prefix); err != nil {
			return nil, err
		}
		p, err := devicePrefix(g, fn, prefix)
		if err != nil {
			return nil, err
		}
		return starlark.String("/dev/" + p + string(lowerLetters[g.r.IntN(26)]) + strconv.Itoa(g.intBetween(1, 9))), nil
	},

	// internet
	"http_status_code": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		include := true
		if len(args) > 0 || len(kwargs) > 0 {
			x := include
			if err := starlark.UnpackArgs(fn, args, kwargs, "include_unassigned?", &x); err != nil {
				return nil, err
			}
			include = x
		}
		if include {
			return starlark.MakeInt(g.intBetween(100, 599)), nil
		}
		return g.t.httpStatus[g.r.IntN(len(g.t.httpStatus))], nil
	},
	"url": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var schemes starlark.Value = starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			s := schemes
			if err := starlark.UnpackArgs(fn, args, kwargs, "schemes?", &s); err != nil {
				return nil, err
			}
			schemes = s
		}
		b, err := g.appendScheme(fn, g.buf[:0], schemes)
		if err != nil {
			return nil, err
		}
		b = append(b, "www."...)
		b = g.appendDomain(b)
		g.buf = append(b, '/')
		return g.result(), nil
	},
	"uri": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var schemes, deep starlark.Value = starlark.None, starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			s, d := schemes, deep
			if err := starlark.UnpackArgs(fn, args, kwargs, "schemes?", &s, "deep?", &d); err != nil {
				return nil, err
			}
			schemes, deep = s, d
		}
		b, err := g.appendScheme(fn, g.buf[:0], schemes)
		if err != nil {
			return nil, err
		}
		n := g.intBetween(1, 3)
		if deep != starlark.None {
			if n, err = starlark.AsInt32(deep); err != nil || n < 1 || n > 16 {
				return nil, fmt.Errorf("%s: for parameter \"deep\": want an int in 1..16, got %s", fn, deep)
			}
		}
		b = append(b, "www."...)
		b = g.appendDomain(b)
		b = append(b, '/')
		b = g.appendURIPath(b, n)
		b = append(b, '/')
		b = append(b, g.pickS(g.t.words)...)
		b = append(b, '.')
		b = append(b, [...]string{"html", "htm", "php", "jsp", "asp"}[g.r.IntN(5)]...)
		g.buf = b
		return g.result(), nil
	},
	"ipv4": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 && len(kwargs) == 0 {
			return g.ipv4(ipAny), nil
		}
		network := false
		var class, private starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "network?", &network, "address_class?", &class, "private?", &private); err != nil {
			return nil, err
		}
		rest := []starlark.Tuple{{starlark.String("network"), starlark.Bool(network)}, {starlark.String("address_class"), class}}
		switch {
		case private != starlark.None && bool(private.Truth()):
			return ipv4ClassFn(true)(g, l, fn, nil, rest)
		case private != starlark.None:
			return ipv4ClassFn(false)(g, l, fn, nil, rest)
		case class == starlark.None && !network:
			return g.ipv4(ipAny), nil
		}
		c := [...]string{"a", "b", "c"}[g.r.IntN(3)]
		if class != starlark.None {
			s, _ := starlark.AsString(class)
			if _, ok := classNets[s]; !ok {
				return nil, fmt.Errorf("%s: address_class must be 'a', 'b' or 'c', got %s", fn, class)
			}
			c = s
		}
		n := classNets[c]
		return g.ipv4In(n[0], n[1], network), nil
	},
	"ipv4_private": ipv4ClassFn(true),
	"ipv4_public":  ipv4ClassFn(false),
	"ipv4_network_class": noArgs(func(g *gen, _ *localeData) starlark.Value {
		return starlark.String([...]string{"a", "b", "c"}[g.r.IntN(3)])
	}),
	"mac_address": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		multicast := false
		if len(args) > 0 || len(kwargs) > 0 {
			m := multicast
			if err := starlark.UnpackArgs(fn, args, kwargs, "multicast?", &m); err != nil {
				return nil, err
			}
			multicast = m
		}
		v := g.macAddress()
		b := []byte(v.(starlark.String))
		first, _ := strconv.ParseUint(string(b[:2]), 16, 8)
		if multicast {
			first |= 1
		} else {
			first &^= 1
		}
		b[0], b[1] = hexLower[first>>4], hexLower[first&15]
		return starlark.String(b), nil
	},
	"port_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		system, user, dynamic := false, false, false
		if len(args) > 0 || len(kwargs) > 0 {
			s, u, d := system, user, dynamic
			if err := starlark.UnpackArgs(fn, args, kwargs, "is_system?", &s, "is_user?", &u, "is_dynamic?", &d); err != nil {
				return nil, err
			}
			system, user, dynamic = s, u, d
		}
		switch {
		case system:
			return starlark.MakeInt(g.intBetween(0, 1023)), nil
		case user:
			return starlark.MakeInt(g.intBetween(1024, 49151)), nil
		case dynamic:
			return starlark.MakeInt(g.intBetween(49152, 65535)), nil
		}
		return starlark.MakeInt(g.intBetween(0, 65535)), nil
	},
	"email": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) > 0 || len(kwargs) > 0 {
			safe := true // declared here: only calls with arguments allocate
			var domain starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "safe?", &safe, "domain?", &domain); err != nil {
				return nil, err
			}
			if domain != starlark.None {
				d, _ := starlark.AsString(domain)
				b := g.appendUserName(g.buf[:0])
				b = append(b, '@')
				g.buf = append(b, d...)
				return g.result(), nil
			}
		}
		return g.email(emailAny), nil
	},
	"ascii_email":         noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailAny) }),
	"ascii_safe_email":    noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailSafe) }),
	"ascii_free_email":    noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailFree) }),
	"ascii_company_email": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailCompany) }),
	"domain_name": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		levels := 1
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackArgs(fn, args, kwargs, "levels?", &levels); err != nil {
				return nil, err
			}
		}
		if levels < 1 || levels > 16 {
			return nil, fmt.Errorf("%s: levels must be in 1..16, got %d", fn, levels)
		}
		b := g.buf[:0]
		for i := 1; i < levels; i++ {
			b = append(b, g.pickS(g.t.words)...)
			b = append(b, '.')
		}
		g.buf = g.appendDomain(b)
		return g.result(), nil
	},
	"hostname": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 && len(kwargs) == 0 {
			return g.hostname(), nil
		}
		levels := 1
		if err := starlark.UnpackArgs(fn, args, kwargs, "levels?", &levels); err != nil {
			return nil, err
		}
		if levels < 0 || levels > 16 {
			return nil, fmt.Errorf("%s: levels must be in 0..16, got %d", fn, levels)
		}
		b := append(g.buf[:0], g.pickS(g.t.hostPrefix)...)
		b = append(b, '-')
		b = append(b, digits[g.r.IntN(10)], digits[g.r.IntN(10)])
		if levels == 0 {
			g.buf = b
			return g.result(), nil
		}
		b = append(b, '.')
		for i := 1; i < levels; i++ {
			b = append(b, g.pickS(g.t.words)...)
			b = append(b, '.')
		}
		g.buf = g.appendDomain(b)
		return g.result(), nil
	},
	"msisdn": noArgs(func(g *gen, _ *localeData) starlark.Value {
		g.buf = g.appendPattern(g.buf[:0], "#############", digits)
		return g.result()
	}),
	"country_calling_code": noArgs(func(g *gen, _ *localeData) starlark.Value {
		return starlark.String(callingCodes[g.r.IntN(len(callingCodes))])
	}),

	// color
	"safe_hex_color": noArgs(func(g *gen, _ *localeData) starlark.Value {
		v := g.r.Uint32()
		b := append(g.buf[:0], '#')
		for i := range 3 {
			x := hexLower[v>>(4*i)&15]
			b = append(b, x, x)
		}
		g.buf = b
		return g.result()
	}),
	"rgb_css_color": noArgs(func(g *gen, _ *localeData) starlark.Value {
		v := g.r.Uint32()
		b := append(g.buf[:0], "rgb("...)
		for i := range 3 {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendUint8(b, byte(v>>(8*i)))
		}
		g.buf = append(b, ')')
		return g.result()
	}),
	"color": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var hue, lum starlark.Value = starlark.None, starlark.None
		format := "hex"
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackArgs(fn, args, kwargs, "hue?", &hue, "luminosity?", &lum, "color_format?", &format); err != nil {
				return nil, err
			}
		}
		for _, a := range []struct {
			name string
			v    starlark.Value
		}{{"hue", hue}, {"luminosity", lum}} {
			switch a.v.(type) {
			case starlark.NoneType, starlark.String, starlark.Int, starlark.Float, starlark.Tuple, *starlark.List:
			default:
				return nil, fmt.Errorf("%s: for parameter %q: got %s, want str, number or None", fn, a.name, a.v.Type())
			}
		}
		v := g.r.Uint32()
		r, gg, bb := byte(v), byte(v>>8), byte(v>>16)
		switch format {
		case "hex":
			return starlark.String(fmt.Sprintf("#%02x%02x%02x", r, gg, bb)), nil
		case "rgb":
			return starlark.String(fmt.Sprintf("rgb(%d, %d, %d)", r, gg, bb)), nil
		case "hsv", "hsl":
			return starlark.String(fmt.Sprintf("%s(%d, %d, %d)", format, g.intBetween(0, 359), g.intBetween(0, 100), g.intBetween(0, 100))), nil
		}
		return nil, fmt.Errorf("%s: color_format must be hex, rgb, hsv or hsl, got %s", fn, pyQuote(format))
	},

	// text
	"word": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 0 && len(kwargs) == 0 {
			return g.pick(g.t.words), nil
		}
		var ext, pos starlark.Value = starlark.None, starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "ext_word_list?", &ext, "part_of_speech?", &pos); err != nil {
			return nil, err
		}
		words, err := g.wordsArg(fn, ext)
		if err != nil {
			return nil, err
		}
		return starlark.String(words[g.r.IntN(len(words))]), nil
	},
	"words": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		nb := 3
		var ext, pos starlark.Value = starlark.None, starlark.None
		unique := false
		if err := starlark.UnpackArgs(fn, args, kwargs, "nb?", &nb, "ext_word_list?", &ext, "part_of_speech?", &pos, "unique?", &unique); err != nil {
			return nil, err
		}
		if err := guard.CheckCount(fn, "nb", int64(nb), 16); err != nil {
			return nil, err
		}
		if ext != starlark.None {
			return pickN(g, fn, ext, nb, unique)
		}
		if unique {
			return pickN(g, fn, starlark.Tuple(g.t.words.v), nb, true)
		}
		return g.words(nb), nil
	},
	"sentence":   fakeText("nb_words", "variable_nb_words", 6, 16, (*gen).appendSentenceFrom),
	"sentences":  fakeTexts(6, 64, (*gen).appendSentenceFrom),
	"paragraph":  fakeText("nb_sentences", "variable_nb_sentences", 3, 64, (*gen).appendParagraphFrom),
	"paragraphs": fakeTexts(3, 256, (*gen).appendParagraphFrom),
	"text": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		n := 200
		var ext starlark.Value = starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			m, e := n, ext
			if err := starlark.UnpackArgs(fn, args, kwargs, "max_nb_chars?", &m, "ext_word_list?", &e); err != nil {
				return nil, err
			}
			n, ext = m, e
		}
		return textN(g, fn, n, ext)
	},
	"texts": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		nb, n := 3, 200
		var ext starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "nb_texts?", &nb, "max_nb_chars?", &n, "ext_word_list?", &ext); err != nil {
			return nil, err
		}
		if err := guard.CheckCount(fn, "nb_texts", int64(nb), 256); err != nil {
			return nil, err
		}
		l := make([]starlark.Value, max(nb, 0))
		for i := range l {
			v, err := textN(g, fn, n, ext)
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return starlark.NewList(l), nil
	},
}

func devicePrefix(g *gen, fn string, prefix starlark.Value) (string, error) {
	if prefix == starlark.None {
		return [...]string{"sd", "vd", "xvd"}[g.r.IntN(3)], nil
	}
	s, ok := starlark.AsString(prefix)
	if !ok {
		return "", fmt.Errorf("%s: for parameter \"prefix\": got %s, want string", fn, prefix.Type())
	}
	return s, nil
}

func textN(g *gen, fn string, n int, ext starlark.Value) (starlark.Value, error) {
	if n < 5 {
		return nil, fmt.Errorf("%s: text() can only generate text of at least 5 characters, got max_nb_chars=%d", fn, n)
	}
	if err := guard.CheckCount(fn, "max_nb_chars", int64(n), 1); err != nil {
		return nil, err
	}
	words, err := g.wordsArg(fn, ext)
	if err != nil {
		return nil, err
	}
	return g.textFrom(n, words), nil
}

func lengthArg(fn string, v starlark.Value) (int, error) {
	if v == starlark.None {
		return -1, nil
	}
	n, err := starlark.AsInt32(v)
	if err != nil {
		return 0, fmt.Errorf("%s: for parameter \"length\": %w", fn, err)
	}
	if err := guard.CheckCount(fn, "length", int64(n), 16); err != nil {
		return 0, err
	}
	return n, nil
}

// appendScheme writes "<scheme>://" from schemes (None: http or https; an
// empty list: no scheme).
func (g *gen) appendScheme(fn string, b []byte, schemes starlark.Value) ([]byte, error) {
	if schemes == starlark.None {
		if g.r.IntN(2) == 0 {
			return append(b, "https://"...), nil
		}
		return append(b, "http://"...), nil
	}
	seq, ok := schemes.(starlark.Indexable)
	if !ok {
		return b, fmt.Errorf("%s: for parameter \"schemes\": got %s, want list", fn, schemes.Type())
	}
	if seq.Len() == 0 {
		return b, nil
	}
	s, _ := starlark.AsString(seq.Index(g.r.IntN(seq.Len())))
	b = append(b, s...)
	return append(b, "://"...), nil
}

var callingCodes = []string{"+1", "+7", "+20", "+27", "+30", "+31", "+32", "+33", "+34", "+36", "+39",
	"+40", "+41", "+43", "+44", "+45", "+46", "+47", "+48", "+49", "+51", "+52", "+54", "+55", "+56",
	"+57", "+60", "+61", "+62", "+63", "+64", "+65", "+66", "+81", "+82", "+84", "+86", "+90", "+91",
	"+92", "+94", "+98", "+212", "+234", "+254", "+351", "+352", "+353", "+358", "+380", "+420", "+972"}

// textAppender appends one piece of lorem text of n units (words of a
// sentence, sentences of a paragraph) drawn from words.
type textAppender func(g *gen, b []byte, n int, words []string) []byte

// fakeText is Faker's sentence/paragraph: (nb, variable_nb, ext_word_list),
// nb units varied by ±40% unless variable_nb is false; at most limit.
func fakeText(nbParam, varyParam string, def, limit int, appendText textAppender) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		nb, vary := def, true
		var ext starlark.Value = starlark.None
		if len(args) > 0 || len(kwargs) > 0 {
			n, v, e := nb, vary, ext // copies: only they escape, and only here
			if err := starlark.UnpackArgs(fn, args, kwargs, nbParam+"?", &n, varyParam+"?", &v, "ext_word_list?", &e); err != nil {
				return nil, err
			}
			nb, vary, ext = n, v, e
			if err := guard.CheckCount(fn, nbParam, int64(nb), limit); err != nil {
				return nil, err
			}
		}
		words, err := g.wordsArg(fn, ext)
		if err != nil {
			return nil, err
		}
		if nb <= 0 {
			return starlark.String(""), nil
		}
		if vary {
			nb = g.varied(nb)
		}
		g.buf = appendText(g, g.buf[:0], nb, words)
		return g.result(), nil
	}
}

// fakeTexts is Faker's sentences/paragraphs: (nb=3, ext_word_list), a list
// of nb pieces of about unit units each; at most limit.
func fakeTexts(unit, limit int, appendText textAppender) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		nb := 3
		var ext starlark.Value = starlark.None
		if err := starlark.UnpackArgs(fn, args, kwargs, "nb?", &nb, "ext_word_list?", &ext); err != nil {
			return nil, err
		}
		if err := guard.CheckCount(fn, "nb", int64(nb), limit); err != nil {
			return nil, err
		}
		words, err := g.wordsArg(fn, ext)
		if err != nil {
			return nil, err
		}
		l := make([]starlark.Value, max(nb, 0))
		for i := range l {
			g.buf = appendText(g, g.buf[:0], g.varied(unit), words)
			l[i] = g.result()
		}
		return starlark.NewList(l), nil
	}
}
