package faker

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"go.starlark.net/starlark"
)

// gen produces fake values from one generator's RNG. It is not safe for
// concurrent use: like the *rand.Rand it wraps, it belongs to the goroutine
// running one generator's Starlark thread.
type gen struct {
	r  *rand.Rand
	gf *gofakeit.Faker // draws from r too: one stream, reproducible with --seed
	t  *tables
	// now is the upper bound of random dates, fixed when the value is built.
	now time.Time
	buf []byte // scratch for composite strings
}

func newGen(r *rand.Rand) *gen {
	return &gen{
		r: r,
		// *rand.Rand is itself a rand.Source, so gofakeit shares the
		// generator's stream; no locking needed (one goroutine).
		gf:  gofakeit.NewFaker(r, false),
		t:   loadTables(),
		now: time.Now().UTC().Truncate(time.Second),
		buf: make([]byte, 0, 256),
	}
}

const (
	lowerLetters = "abcdefghijklmnopqrstuvwxyz"
	upperLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	asciiLetters = lowerLetters + upperLetters
	digits       = "0123456789"
	hexLower     = "0123456789abcdef"
	specialChars = "!@#$%^&*()_+"
)

func (g *gen) pick(t table) starlark.Value { return t.v[g.r.IntN(len(t.v))] }
func (g *gen) pickS(t table) string        { return t.s[g.r.IntN(len(t.s))] }

// result returns the scratch buffer as a Starlark string.
func (g *gen) result() starlark.Value { return starlark.String(g.buf) }

// intBetween returns a uniform int in [lo, hi]; lo > hi is swapped.
func (g *gen) intBetween(lo, hi int) int {
	if lo > hi {
		lo, hi = hi, lo
	}
	return lo + int(g.r.Int64N(int64(hi)-int64(lo)+1))
}

// appendLowerAlnum appends s lowercased, keeping ASCII letters and digits
// only (the shape of user names and domain labels).
func appendLowerAlnum(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	return b
}

// appendPattern expands a Faker-style pattern: '#' a digit, '%' a digit 1-9,
// '?' a letter from letters, '^' a lowercase hex digit; other bytes are
// copied.
func (g *gen) appendPattern(b []byte, pattern, letters string) []byte {
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '#':
			b = append(b, digits[g.r.IntN(10)])
		case '%':
			b = append(b, digits[1+g.r.IntN(9)])
		case '?':
			b = append(b, letters[g.r.IntN(len(letters))])
		case '^':
			b = append(b, hexLower[g.r.IntN(16)])
		default:
			b = append(b, c)
		}
	}
	return b
}

func (g *gen) appendRandom(b []byte, n int, alphabet string) []byte {
	for range n {
		b = append(b, alphabet[g.r.IntN(len(alphabet))])
	}
	return b
}

// --- person -----------------------------------------------------------------

func (g *gen) fullName(l *localeData) starlark.Value {
	first, last := g.pickS(l.first), g.pickS(l.last)
	if l.familyFirst {
		return starlark.String(last + first)
	}
	return starlark.String(first + " " + last)
}

func (g *gen) appendUserName(b []byte) []byte {
	en := g.t.en
	switch g.r.IntN(4) {
	case 0:
		b = appendLowerAlnum(b, g.pickS(en.last))
		b = append(b, '.')
		b = appendLowerAlnum(b, g.pickS(en.first))
	case 1:
		b = appendLowerAlnum(b, g.pickS(en.first))
		b = append(b, '.')
		b = appendLowerAlnum(b, g.pickS(en.last))
	case 2:
		b = appendLowerAlnum(b, g.pickS(en.first))
		b = append(b, digits[g.r.IntN(10)], digits[g.r.IntN(10)])
	default:
		b = append(b, lowerLetters[g.r.IntN(26)])
		b = appendLowerAlnum(b, g.pickS(en.last))
	}
	return b
}

func (g *gen) userName() starlark.Value {
	g.buf = g.appendUserName(g.buf[:0])
	return g.result()
}

// --- internet ---------------------------------------------------------------

func (g *gen) appendDomain(b []byte) []byte {
	en := g.t.en
	b = appendLowerAlnum(b, g.pickS(en.last))
	if g.r.IntN(3) == 0 {
		b = append(b, '-')
		b = appendLowerAlnum(b, g.pickS(en.last))
	}
	b = append(b, '.')
	return append(b, g.pickS(g.t.tld)...)
}

// email kinds
const (
	emailAny = iota
	emailSafe
	emailFree
	emailCompany
)

func (g *gen) email(kind int) starlark.Value {
	b := g.appendUserName(g.buf[:0])
	b = append(b, '@')
	switch kind {
	case emailAny:
		if g.r.IntN(2) == 0 {
			b = append(b, g.pickS(g.t.freeDomain)...)
		} else {
			b = g.appendDomain(b)
		}
	case emailSafe:
		b = append(b, "example."...)
		b = append(b, [...]string{"com", "net", "org"}[g.r.IntN(3)]...)
	case emailFree:
		b = append(b, g.pickS(g.t.freeDomain)...)
	default:
		b = g.appendDomain(b)
	}
	g.buf = b
	return g.result()
}

func (g *gen) domainName() starlark.Value {
	g.buf = g.appendDomain(g.buf[:0])
	return g.result()
}

func (g *gen) appendHostname(b []byte) []byte {
	b = append(b, g.pickS(g.t.hostPrefix)...)
	b = append(b, '-')
	b = append(b, digits[g.r.IntN(10)], digits[g.r.IntN(10)], '.')
	return g.appendDomain(b)
}

func (g *gen) hostname() starlark.Value {
	g.buf = g.appendHostname(g.buf[:0])
	return g.result()
}

func (g *gen) appendURL(b []byte) []byte {
	if g.r.IntN(2) == 0 {
		b = append(b, "https://www."...)
	} else {
		b = append(b, "http://www."...)
	}
	b = g.appendDomain(b)
	return append(b, '/')
}

func (g *gen) url() starlark.Value {
	g.buf = g.appendURL(g.buf[:0])
	return g.result()
}

func (g *gen) appendURIPath(b []byte, depth int) []byte {
	for i := range depth {
		if i > 0 {
			b = append(b, '/')
		}
		b = append(b, g.pickS(g.t.words)...)
	}
	return b
}

func (g *gen) uri() starlark.Value {
	b := g.appendURL(g.buf[:0])
	b = g.appendURIPath(b, 1+g.r.IntN(3))
	b = append(b, '/')
	b = append(b, g.pickS(g.t.words)...)
	b = append(b, '.')
	b = append(b, [...]string{"html", "htm", "php", "jsp", "asp"}[g.r.IntN(5)]...)
	g.buf = b
	return g.result()
}

func (g *gen) slug(n int) starlark.Value {
	b := g.buf[:0]
	for i := range n {
		if i > 0 {
			b = append(b, '-')
		}
		b = append(b, g.pickS(g.t.words)...)
	}
	g.buf = b
	return g.result()
}

// ipv4 kinds
const (
	ipAny = iota
	ipPrivate
	ipPublic
)

func isPublicIPv4(a, b byte) bool {
	switch {
	case a == 0, a == 10, a == 127, a >= 224:
		return false
	case a == 100 && b >= 64 && b < 128: // carrier-grade NAT
		return false
	case a == 169 && b == 254, a == 172 && b >= 16 && b < 32, a == 192 && b == 168:
		return false
	}
	return true
}

func (g *gen) ipv4(kind int) starlark.Value {
	var ip [4]byte
	switch kind {
	case ipPrivate:
		v := g.r.Uint32()
		ip = [4]byte{10, byte(v >> 16), byte(v >> 8), byte(v)}
		switch g.r.IntN(3) {
		case 1:
			ip[0], ip[1] = 172, 16+ip[1]&15
		case 2:
			ip[0], ip[1] = 192, 168
		}
	case ipPublic:
		for {
			v := g.r.Uint32()
			ip = [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
			if isPublicIPv4(ip[0], ip[1]) {
				break
			}
		}
	default:
		v := g.r.Uint32()
		ip = [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	}
	b := g.buf[:0]
	for i, x := range ip {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, uint64(x), 10)
	}
	g.buf = b
	return g.result()
}

func (g *gen) ipv6() starlark.Value {
	b := g.buf[:0]
	for i := range 8 {
		if i > 0 {
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, uint64(g.r.Uint32()&0xffff), 16)
	}
	g.buf = b
	return g.result()
}

func (g *gen) macAddress() starlark.Value {
	v := g.r.Uint64()
	b := g.buf[:0]
	for i := range 6 {
		if i > 0 {
			b = append(b, ':')
		}
		x := byte(v >> (8 * i))
		b = append(b, hexLower[x>>4], hexLower[x&15])
	}
	g.buf = b
	return g.result()
}

func (g *gen) uuid4() starlark.Value {
	var u [16]byte
	hi, lo := g.r.Uint64(), g.r.Uint64()
	for i := range 8 {
		u[i], u[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	b := g.buf[:0]
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexLower[x>>4], hexLower[x&15])
	}
	g.buf = b
	return g.result()
}

// hexString returns n random lowercase hex digits (md5/sha1/sha256 shapes).
func (g *gen) hexString(n int) starlark.Value {
	b := g.buf[:0]
	for n > 0 {
		v := g.r.Uint64()
		for i := 0; i < 16 && n > 0; i++ {
			b = append(b, hexLower[v&15])
			v >>= 4
			n--
		}
	}
	g.buf = b
	return g.result()
}

// --- address ----------------------------------------------------------------

func (g *gen) appendStreetName(b []byte, l *localeData) []byte {
	if len(l.street.s) > 0 {
		return append(b, g.pickS(l.street)...)
	}
	b = append(b, g.pickS(l.last)...)
	b = append(b, ' ')
	return append(b, g.pickS(g.t.streetType)...)
}

func (g *gen) appendBuildingNumber(b []byte) []byte {
	return strconv.AppendInt(b, int64(g.intBetween(1, 9999)), 10)
}

func (g *gen) appendStreetAddress(b []byte, l *localeData) []byte {
	if l.countryCode == "US" {
		b = g.appendBuildingNumber(b)
		b = append(b, ' ')
		return g.appendStreetName(b, l)
	}
	b = g.appendStreetName(b, l)
	b = append(b, ' ')
	return strconv.AppendInt(b, int64(g.intBetween(1, 200)), 10)
}

func (g *gen) streetAddress(l *localeData) starlark.Value {
	g.buf = g.appendStreetAddress(g.buf[:0], l)
	return g.result()
}

func (g *gen) streetName(l *localeData) starlark.Value {
	g.buf = g.appendStreetName(g.buf[:0], l)
	return g.result()
}

func (g *gen) appendPostcode(b []byte, l *localeData) []byte {
	return g.appendPattern(b, l.postcodeFmt, upperLetters)
}

func (g *gen) postcode(l *localeData) starlark.Value {
	g.buf = g.appendPostcode(g.buf[:0], l)
	return g.result()
}

func (g *gen) address(l *localeData) starlark.Value {
	b := g.appendStreetAddress(g.buf[:0], l)
	if l.countryCode == "US" {
		b = append(b, '\n')
		b = append(b, g.pickS(l.city)...)
		b = append(b, ", "...)
		b = append(b, g.pickS(l.stateAbbr)...)
		b = append(b, ' ')
		b = g.appendPostcode(b, l)
	} else {
		b = append(b, '\n')
		b = g.appendPostcode(b, l)
		b = append(b, ' ')
		b = append(b, g.pickS(l.city)...)
	}
	g.buf = b
	return g.result()
}

func (g *gen) phone(l *localeData) starlark.Value {
	g.buf = g.appendPattern(g.buf[:0], l.phoneFmts[g.r.IntN(len(l.phoneFmts))], digits)
	return g.result()
}

// coordinate returns a uniform value in [-limit, limit] rounded to 6 places.
func (g *gen) coordinate(limit float64) float64 {
	return math.Round((g.r.Float64()*2-1)*limit*1e6) / 1e6
}

// --- text -------------------------------------------------------------------

func (g *gen) appendSentence(b []byte, n int) []byte {
	for i := range n {
		w := g.pickS(g.t.words)
		if i == 0 {
			if c := w[0]; c >= 'a' && c <= 'z' {
				b = append(b, c-'a'+'A')
				w = w[1:]
			}
		} else {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return append(b, '.')
}

// varied returns n varied by up to ±40%, at least 1 (Faker's
// variable_nb_words / variable_nb_sentences).
func (g *gen) varied(n int) int {
	if n <= 0 {
		return 1
	}
	d := n * 40 / 100
	n = g.intBetween(n-d, n+d)
	return max(n, 1)
}

func (g *gen) sentence(n int, vary bool) starlark.Value {
	if vary {
		n = g.varied(n)
	}
	g.buf = g.appendSentence(g.buf[:0], max(n, 1))
	return g.result()
}

func (g *gen) appendParagraph(b []byte, sentences int) []byte {
	for i := range sentences {
		if i > 0 {
			b = append(b, ' ')
		}
		b = g.appendSentence(b, g.varied(6))
	}
	return b
}

func (g *gen) paragraph(n int, vary bool) starlark.Value {
	if vary {
		n = g.varied(n)
	}
	g.buf = g.appendParagraph(g.buf[:0], max(n, 1))
	return g.result()
}

func (g *gen) words(n int) starlark.Value {
	l := make([]starlark.Value, max(n, 0))
	for i := range l {
		l[i] = g.pick(g.t.words)
	}
	return starlark.NewList(l)
}

// --- date and time -----------------------------------------------------------

// dateTime returns a random instant in [1970-01-01, now) in UTC.
func (g *gen) dateTime() time.Time {
	return time.Unix(g.r.Int64N(max(g.now.Unix(), 1)), 0).UTC()
}

func (g *gen) formatTime(layout string) starlark.Value {
	g.buf = g.dateTime().AppendFormat(g.buf[:0], layout)
	return g.result()
}

// --- misc -------------------------------------------------------------------

func (g *gen) password(length int, special, digit, upper, lower bool) starlark.Value {
	var classes []string
	alphabet := ""
	for _, c := range []struct {
		on  bool
		set string
	}{{special, specialChars}, {digit, digits}, {upper, upperLetters}, {lower, lowerLetters}} {
		if c.on {
			classes = append(classes, c.set)
			alphabet += c.set
		}
	}
	if alphabet == "" {
		alphabet = lowerLetters
	}
	b := g.appendRandom(g.buf[:0], length, alphabet)
	// one character of each required class, at distinct positions
	if len(classes) <= length {
		for i, p := range g.r.Perm(length)[:len(classes)] {
			b[p] = classes[i][g.r.IntN(len(classes[i]))]
		}
	}
	g.buf = b
	return g.result()
}

func (g *gen) licensePlate() starlark.Value {
	g.buf = g.appendPattern(g.buf[:0], g.pickS(g.t.licenseFmt), upperLetters)
	return g.result()
}

func (g *gen) ssn() starlark.Value {
	area := g.intBetween(1, 899)
	if area == 666 {
		area = 665
	}
	b := g.buf[:0]
	b = appendPadded(b, area, 3)
	b = append(b, '-')
	b = appendPadded(b, g.intBetween(1, 99), 2)
	b = append(b, '-')
	b = appendPadded(b, g.intBetween(1, 9999), 4)
	g.buf = b
	return g.result()
}

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// iban returns a GB IBAN with a valid ISO 7064 mod-97 check.
func (g *gen) iban() starlark.Value {
	var bban [18]byte
	g.appendPattern(bban[:0], "????##############", upperLetters)
	// check digits: move "GB00" to the end, letters to numbers, 98 - mod 97
	rem := 0
	add := func(c byte) {
		if c >= 'A' && c <= 'Z' {
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
			return
		}
		rem = (rem*10 + int(c-'0')) % 97
	}
	for _, c := range bban {
		add(c)
	}
	for _, c := range []byte("GB00") {
		add(c)
	}
	b := append(g.buf[:0], 'G', 'B')
	b = appendPadded(b, 98-rem, 2)
	b = append(b, bban[:]...)
	g.buf = b
	return g.result()
}

func (g *gen) hexColor() starlark.Value {
	v := g.r.Uint32()
	b := append(g.buf[:0], '#')
	for i := range 3 {
		x := byte(v >> (8 * i))
		b = append(b, hexLower[x>>4], hexLower[x&15])
	}
	g.buf = b
	return g.result()
}
