package faker

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// enumMember is a value of a mimesis enum (mimesis.enums.Gender.FEMALE):
// str() gives "Gender.FEMALE", .name and .value as in Python's Enum.
type enumMember struct {
	enum, name string
	value      starlark.Value
}

var (
	_ starlark.HasAttrs   = (*enumMember)(nil)
	_ starlark.Comparable = (*enumMember)(nil)
)

func (e *enumMember) String() string        { return e.enum + "." + e.name }
func (e *enumMember) Type() string          { return e.enum }
func (e *enumMember) Freeze()               {}
func (e *enumMember) Truth() starlark.Bool  { return true }
func (e *enumMember) Hash() (uint32, error) { return starlark.String(e.String()).Hash() }
func (e *enumMember) AttrNames() []string   { return []string{"name", "value"} }
func (e *enumMember) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(e.name), nil
	case "value":
		return e.value, nil
	}
	return nil, nil
}

func (e *enumMember) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	o := y.(*enumMember)
	switch op {
	case syntax.EQL:
		return e == o, nil
	case syntax.NEQ:
		return e != o, nil
	}
	return false, fmt.Errorf("%s %s %s not supported", e.enum, op, o.enum)
}

// mimesisEnumDefs are the enums of mimesis.enums that methods here take, with
// their members' values.
var mimesisEnumDefs = map[string][][2]string{
	"Gender":           {{"FEMALE", "female"}, {"MALE", "male"}},
	"TLDType":          {{"CCTLD", "cctld"}, {"GTLD", "gtld"}, {"GEOTLD", "geotld"}, {"UTLD", "utld"}, {"STLD", "stld"}},
	"URLScheme":        {{"WS", "ws"}, {"WSS", "wss"}, {"FTP", "ftp"}, {"SFTP", "sftp"}, {"HTTP", "http"}, {"HTTPS", "https"}},
	"FileType":         {{"SOURCE", "source"}, {"TEXT", "text"}, {"DATA", "data"}, {"AUDIO", "audio"}, {"VIDEO", "video"}, {"IMAGE", "image"}, {"EXECUTABLE", "executable"}, {"COMPRESSED", "compressed"}},
	"MimeType":         {{"APPLICATION", "application"}, {"AUDIO", "audio"}, {"IMAGE", "image"}, {"MESSAGE", "message"}, {"TEXT", "text"}, {"VIDEO", "video"}},
	"Algorithm":        {{"MD5", "md5"}, {"SHA1", "sha1"}, {"SHA224", "sha224"}, {"SHA256", "sha256"}, {"SHA384", "sha384"}, {"SHA512", "sha512"}, {"BLAKE2B", "blake2b"}, {"BLAKE2S", "blake2s"}},
	"CardType":         {{"VISA", "Visa"}, {"MASTER_CARD", "MasterCard"}, {"AMERICAN_EXPRESS", "American Express"}},
	"EANFormat":        {{"EAN8", "ean-8"}, {"EAN13", "ean-13"}},
	"ISBNFormat":       {{"ISBN13", "isbn-13"}, {"ISBN10", "isbn-10"}},
	"TimestampFormat":  {{"POSIX", "posix"}, {"RFC_3339", "rfc3339"}, {"ISO_8601", "iso8601"}},
	"CountryCode":      {{"A2", "a2"}, {"A3", "a3"}, {"NUMERIC", "numeric"}, {"IOC", "ioc"}, {"FIFA", "fifa"}},
	"DSNType":          {{"POSTGRES", "postgres"}, {"MYSQL", "mysql"}, {"MONGODB", "mongodb"}, {"REDIS", "redis"}, {"COUCHBASE", "couchbase"}, {"MEMCACHED", "memcached"}, {"RABBITMQ", "rabbitmq"}},
	"MetricPrefixSign": {{"POSITIVE", "positive"}, {"NEGATIVE", "negative"}},
	"TimezoneRegion":   {{"AFRICA", "Africa"}, {"AMERICA", "America"}, {"ANTARCTICA", "Antarctica"}, {"ARCTIC", "Arctic"}, {"ASIA", "Asia"}, {"ATLANTIC", "Atlantic"}, {"AUSTRALIA", "Australia"}, {"EUROPE", "Europe"}, {"INDIAN", "Indian"}, {"PACIFIC", "Pacific"}},
	"PortRange":        {{"ALL", "(1, 65535)"}, {"WELL_KNOWN", "(1, 1023)"}, {"EPHEMERAL", "(49152, 65535)"}, {"REGISTERED", "(1024, 49151)"}},
	"Locale": {{"CS", "cs"}, {"DA", "da"}, {"DE", "de"}, {"DE_AT", "de-at"}, {"DE_CH", "de-ch"}, {"EL", "el"}, {"EN", "en"}, {"EN_AU", "en-au"}, {"EN_CA", "en-ca"}, {"EN_GB", "en-gb"},
		{"ES", "es"}, {"ES_MX", "es-mx"}, {"ET", "et"}, {"FA", "fa"}, {"FI", "fi"}, {"FR", "fr"}, {"HU", "hu"}, {"IS", "is"}, {"IT", "it"}, {"JA", "ja"}, {"KK", "kk"}, {"KO", "ko"},
		{"NL", "nl"}, {"NL_BE", "nl-be"}, {"NO", "no"}, {"PL", "pl"}, {"PT", "pt"}, {"PT_BR", "pt-br"}, {"RU", "ru"}, {"SK", "sk"}, {"SV", "sv"}, {"TR", "tr"}, {"UK", "uk"}, {"ZH", "zh"}},
}

// portRanges are PortRange's bounds.
var portRanges = map[string][2]int{"ALL": {1, 65535}, "WELL_KNOWN": {1, 1023}, "EPHEMERAL": {49152, 65535}, "REGISTERED": {1024, 49151}}

// mimesisEnums is `mimesis.enums`: one namespace per enum, its members as
// attributes. Built once per process (the values are immutable).
var mimesisEnums = func() starlark.Value {
	enums := make(map[string]starlark.Value, len(mimesisEnumDefs))
	for name, members := range mimesisEnumDefs {
		attrs := make(map[string]starlark.Value, len(members))
		names := make([]string, 0, len(members))
		for _, m := range members {
			var v starlark.Value = starlark.String(m[1])
			if name == "PortRange" {
				r := portRanges[m[0]]
				v = starlark.Tuple{starlark.MakeInt(r[0]), starlark.MakeInt(r[1])}
			}
			attrs[m[0]] = &enumMember{enum: name, name: m[0], value: v}
			names = append(names, m[0])
		}
		label := "mimesis.enums." + name
		enums[name] = newObject("mimesis.enum", label, attrs, func(n string) error {
			return unknownError(label, "member", n, names)
		})
	}
	names := sortedKeys(mimesisEnumDefs)
	return newObject("mimesis.enums", "mimesis.enums", enums, func(n string) error {
		return unknownError("mimesis.enums", "enum", n, names)
	})
}()

// enumArg reads an enum argument: a member of enum, its value or name as a
// string, or None ("" is returned). It returns the member's name.
func enumArg(fn, param, enum string, v starlark.Value) (string, error) {
	switch v := v.(type) {
	case nil, starlark.NoneType:
		return "", nil
	case *enumMember:
		if v.enum != enum {
			return "", fmt.Errorf("%s: for parameter %q: got %s, want a member of %s", fn, param, v, enum)
		}
		return v.name, nil
	case starlark.String:
		for _, m := range mimesisEnumDefs[enum] {
			if strings.EqualFold(string(v), m[0]) || string(v) == m[1] {
				return m[0], nil
			}
		}
	}
	names := make([]string, 0, len(mimesisEnumDefs[enum]))
	for _, m := range mimesisEnumDefs[enum] {
		names = append(names, enum+"."+m[0])
	}
	sort.Strings(names)
	return "", fmt.Errorf("%s: for parameter %q: got %s, want one of %s", fn, param, v, strings.Join(names, ", "))
}
