package faker

import (
	"strings"
	"sync"

	"github.com/brianvoe/gofakeit/v7/data"
	"go.starlark.net/starlark"
)

// table is a read-only word list kept both as Go strings (for building
// composite values) and as boxed Starlark strings (returned as is, so picking
// from a table allocates nothing).
type table struct {
	s []string
	v []starlark.Value
}

func newTable(s []string) table {
	v := make([]starlark.Value, len(s))
	for i, x := range s {
		v[i] = starlark.String(x)
	}
	return table{s: s, v: v}
}

// localeData holds the word lists one locale draws from. Lists a locale does
// not define are taken from English.
type localeData struct {
	first, last, city, state, stateAbbr table
	// street holds whole street names; when empty a street name is built
	// as "<last name> <street type>" (the English way).
	street table
	// postcodeFmt is the numerify pattern of a postcode ('#' = digit).
	postcodeFmt string
	// phoneFmts are numerify patterns of phone numbers.
	phoneFmts []string
	// countryCode is the ISO 3166-1 alpha-2 code of the locale's country.
	countryCode string
	// familyFirst: full names are written family name first, without a
	// space (Japanese, Chinese).
	familyFirst bool
}

// tables are the word lists shared by every locale.
type tables struct {
	prefix, suffix, country, countryCode   table
	company, companySuffix, jobTitle       table
	jobDesc, jobLevel, bs, buzz            table
	colorName, safeColor                   table
	currency, currencyName, bank           table
	mime, ext, timezone, words, tld        table
	freeDomain, nationality, ticker        table
	crypto, httpMethod, gender, weekday    table
	month, quote, ccProvider, licenseFmt   table
	hostPrefix, streetType                 table
	mimesisTLD, mimesisDomain, mimesisWord table
	answer, level                          table
	httpStatus                             []starlark.Value
	locales                                map[string]*localeData
	en                                     *localeData // locales["en"], read per call by some methods
}

// loadTables builds the shared tables once per process, on first use.
var loadTables = sync.OnceValue(func() *tables {
	p, a, c, j := data.Person, data.Address, data.Company, data.Job
	var words []string
	for _, k := range []string{"noun_common", "noun_concrete", "noun_abstract", "verb_action",
		"verb_transitive", "adjective_descriptive", "adverb_manner"} {
		for _, w := range data.Word[k] {
			if isLowerWord(w) {
				words = append(words, w)
			}
		}
	}
	var quotes []string
	for _, q := range data.Text["quote"] {
		if !strings.Contains(q, "{") {
			quotes = append(quotes, strings.Trim(q, `"`))
		}
	}
	if len(quotes) == 0 {
		quotes = []string{"The best way to predict the future is to invent it."}
	}
	status := []int{100, 101, 200, 201, 202, 203, 204, 206, 301, 302, 303, 304, 307, 308,
		400, 401, 403, 404, 405, 406, 408, 409, 410, 413, 415, 418, 422, 429,
		500, 501, 502, 503, 504}
	statusV := make([]starlark.Value, len(status))
	for i, s := range status {
		statusV[i] = starlark.MakeInt(s)
	}
	t := &tables{
		prefix:        newTable(p["prefix"]),
		suffix:        newTable(p["suffix"]),
		country:       newTable(a["country"]),
		countryCode:   newTable(a["country_abr"]),
		company:       newTable(c["name"]),
		companySuffix: newTable(c["suffix"]),
		bs:            newTable(c["bs"]),
		buzz:          newTable(c["buzzwords"]),
		jobTitle:      newTable(j["title"]),
		jobDesc:       newTable(j["descriptor"]),
		jobLevel:      newTable(j["level"]),
		colorName:     newTable(data.Colors["full"]),
		safeColor:     newTable(data.Colors["safe"]),
		currency:      newTable(data.Currency["short"]),
		currencyName:  newTable(data.Currency["long"]),
		bank:          newTable(data.Bank["name"]),
		mime:          newTable(filter(data.Files["mime_type"], isMIMEType)),
		ext:           newTable(data.Files["extension"]),
		timezone:      newTable(data.TimeZone["region"]),
		words:         newTable(words),
		quote:         newTable(quotes),
		tld:           newTable([]string{"com", "com", "com", "net", "org", "info", "biz", "io"}),
		freeDomain:    newTable([]string{"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com"}),
		nationality: newTable([]string{"American", "Argentinian", "Australian", "Austrian", "Belgian",
			"Brazilian", "British", "Canadian", "Chilean", "Chinese", "Colombian", "Czech", "Danish",
			"Dutch", "Egyptian", "Estonian", "Finnish", "French", "German", "Greek", "Hungarian",
			"Indian", "Indonesian", "Irish", "Israeli", "Italian", "Japanese", "Kazakh", "Korean",
			"Mexican", "New Zealander", "Nigerian", "Norwegian", "Polish", "Portuguese", "Romanian",
			"Russian", "Spanish", "Swedish", "Swiss", "Turkish", "Ukrainian", "Vietnamese"}),
		ticker: newTable([]string{"AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA", "NFLX",
			"INTC", "AMD", "ORCL", "IBM", "CSCO", "ADBE", "CRM", "PYPL", "UBER", "SHOP", "SNOW",
			"JPM", "BAC", "WFC", "GS", "MS", "V", "MA", "KO", "PEP", "WMT", "DIS", "NKE", "XOM"}),
		crypto: newTable([]string{"BTC", "ETH", "USDT", "BNB", "SOL", "XRP", "USDC", "ADA", "DOGE",
			"TRX", "DOT", "LTC", "XMR", "DASH", "ZEC", "ETC", "BCH", "XLM"}),
		httpMethod: newTable([]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
			"CONNECT", "TRACE"}),
		httpStatus: statusV,
		gender:     newTable([]string{"Male", "Female"}),
		weekday: newTable([]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
			"Friday", "Saturday"}),
		month: newTable([]string{"January", "February", "March", "April", "May", "June", "July",
			"August", "September", "October", "November", "December"}),
		ccProvider: newTable([]string{"VISA 16 digit", "VISA 13 digit", "Mastercard",
			"American Express", "Discover", "JCB 16 digit", "Diners Club / Carte Blanche", "Maestro"}),
		licenseFmt: newTable([]string{"???-####", "###-???", "#??-####", "???####", "#???###",
			"?## ???", "### ###", "???-###"}),
		hostPrefix: newTable([]string{"web", "db", "srv", "app", "api", "mail", "email",
			"desktop", "laptop", "lt", "cache", "proxy"}),
		streetType: newTable(a["street_name"]),
		answer:     newTable([]string{"Yes", "No", "Maybe"}),
		level:      newTable([]string{"critical", "high", "moderate", "low", "minor"}),
		mimesisTLD: newTable([]string{".com", ".net", ".org", ".io", ".info", ".biz", ".dev",
			".app", ".co", ".me", ".us", ".uk", ".de", ".fr"}),
		mimesisDomain: newTable([]string{"@gmail.com", "@yahoo.com", "@outlook.com", "@live.com",
			"@yandex.com", "@protonmail.com", "@icloud.com", "@duck.com"}),
	}
	var adj []string
	for _, w := range data.Word["adjective_descriptive"] {
		if isLowerWord(w) {
			adj = append(adj, w)
		}
	}
	t.mimesisWord = newTable(adj)
	t.locales = buildLocales(p, a)
	t.en = t.locales["en"]
	return t
})

func filter(s []string, keep func(string) bool) []string {
	var out []string
	for _, x := range s {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// isMIMEType reports whether s is a plain "type/subtype" (gofakeit's list
// has a few entries with comments in them).
func isMIMEType(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	return ok && typ != "" && sub != "" && !strings.ContainsAny(s, " ()")
}

// isLowerWord reports whether w is a single lowercase ASCII word.
func isLowerWord(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

func buildLocales(p, a map[string][]string) map[string]*localeData {
	en := &localeData{
		first:       newTable(p["first"]),
		last:        newTable(p["last"]),
		city:        newTable(a["city"]),
		state:       newTable(a["state"]),
		stateAbbr:   newTable(a["state_abr"]),
		postcodeFmt: "#####",
		phoneFmts: []string{"###-###-####", "(###)###-####", "+1-###-###-####", "###.###.####",
			"001-###-###-####x###", "###-###-####x####"},
		countryCode: "US",
	}
	m := map[string]*localeData{"en": en}
	for code, l := range extraLocales() {
		l.fillFrom(en)
		m[code] = l
	}
	return m
}

// fillFrom copies every list l does not define from def.
func (l *localeData) fillFrom(def *localeData) {
	fill := func(dst *table, src table) {
		if len(dst.s) == 0 {
			*dst = src
		}
	}
	fill(&l.first, def.first)
	fill(&l.last, def.last)
	fill(&l.city, def.city)
	fill(&l.state, def.state)
	fill(&l.stateAbbr, def.stateAbbr)
	if l.postcodeFmt == "" {
		l.postcodeFmt = def.postcodeFmt
	}
	if len(l.phoneFmts) == 0 {
		l.phoneFmts = def.phoneFmts
	}
	if l.countryCode == "" {
		l.countryCode = def.countryCode
	}
}
