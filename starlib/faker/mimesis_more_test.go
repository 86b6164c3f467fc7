package faker

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

const reAny = `^\S.*$`

// mimesisMoreCases are the patterns of the providers added beside the
// first six; merged into mimesisCases, so TestMimesisMethods checks them.
var mimesisMoreCases = map[string]map[string]string{
	"code": {
		"locale_code": `^[a-z]{2}(-[a-z]{2})?$`,
		"issn":        `^\d{4}-\d{4}$`,
		"pin":         `^\d{4}$`,
		"isbn":        `^(978-)?[01]-\d{2,6}-\d{2,6}-[\dX]$`,
		"ean":         `^(\d{8}|\d{13})$`,
		"imei":        `^\d{15}$`,
	},
	"cryptographic": {
		"uuid":            `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
		"uuid_object":     `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
		"hash":            `^[0-9a-f]{32,128}$`,
		"token_bytes":     `^b"`,
		"token_hex":       `^[0-9a-f]{64}$`,
		"token_urlsafe":   `^[A-Za-z0-9_-]{43}$`,
		"mnemonic_phrase": `^[a-z]+( [a-z]+){11}( [a-z]+){0,12}$`,
	},
	"payment": {
		"cid":                         `^\d{4}$`,
		"cvv":                         `^\d{3}$`,
		"paypal":                      `^[a-z0-9.]+@[a-z]+\.com$`,
		"bitcoin_address":             `^[13][1-9A-HJ-NP-Za-km-z]{33}$`,
		"ethereum_address":            `^0x[0-9a-f]{40}$`,
		"credit_card_network":         `^(Visa|MasterCard|Chase|American Express|Discover)$`,
		"credit_card_number":          `^(\d{4} \d{4} \d{4} \d{4}|\d{4} \d{6} \d{5})$`,
		"credit_card_expiration_date": `^(0[1-9]|1[0-2])/(1[6-9]|2[0-5])$`,
		"credit_card_owner":           `^\{"credit_card": "\d{4} \d{4} \d{4} \d{4}", "expiration_date": "\d\d/\d\d", "owner": "[A-Z' -]+"\}$`,
	},
	"hardware": {
		"resolution":    `^\d{3,4}x\d{3,4}$`,
		"screen_size":   `^\d+(\.\d)?″$`,
		"cpu":           reAny,
		"cpu_frequency": `^\d\.\dGHz$`,
		"generation":    `^\d+(nd|rd|th) Generation$`,
		"cpu_codename":  reAny,
		"ram_type":      `^(S?DDR\d?|SDRAM)$`,
		"ram_size":      `^\d+GB$`,
		"ssd_or_hdd":    `^\d+(GB|TB) (SSD|HDD)$`,
		"graphics":      reAny,
		"manufacturer":  reAny,
		"phone_model":   reAny,
	},
	"file": {
		"extension": `^\.[a-z0-9.]+$`,
		"file_name": `^[a-z]+_[a-z]+\.[a-z0-9.]+$`,
		"mime_type": `^[a-z-]+/[A-Za-z0-9.+_-]+$`,
		"size":      `^\d+ (bytes|kB|MB|GB|TB)$`,
	},
	"numeric": {
		"integer_number": `^-?\d+$`,
		"float_number":   `^-?\d+(\.\d+)?(e[+-]\d+)?$`,
		"decimal_number": `^-?\d+(\.\d+)?(e[+-]\d+)?$`,
		"integers":       `^\[(\d+(, )?){10}\]$`,
		"floats":         `^\[([\d.e+-]+(, )?){10}\]$`,
	},
	"development": {
		"software_license":         reAny,
		"version":                  `^\d+\.\d+\.\d+$`,
		"programming_language":     reAny,
		"os":                       reAny,
		"boolean":                  `^(True|False)$`,
		"dsn":                      `^[a-z]+://[a-z0-9.-]+:\d+$`,
		"system_quality_attribute": `^[a-z]+$`,
		"ility":                    `^[a-z]+$`,
		"stage":                    reAny,
	},
	"path": {
		"root":         `^/$`,
		"home":         `^/home$`,
		"user":         `^/home/[a-z]+$`,
		"users_folder": `^/home/[a-z]+/[A-Z][a-z]+$`,
		"dev_dir":      `^/home/[a-z]+/Dev(elopment)?/.+$`,
		"project_dir":  `^/home/[a-z]+/Development/.+/[a-z]+$`,
	},
	"science": {
		"dna_sequence":  `^[TCGA]{10}$`,
		"rna_sequence":  `^[UCGA]{10}$`,
		"measure_unit":  `^[a-z_]+$`,
		"metric_prefix": `^[a-z]+$`,
	},
	"transport": {
		"manufacturer":              reAny,
		"car":                       reAny,
		"airplane":                  `^(Airbus|Boeing|Embraer|Bombardier|ATR) `,
		"vehicle_registration_code": `^USA$`,
	},
	"food": {
		"vegetable": reAny,
		"fruit":     reAny,
		"dish":      reAny,
		"spices":    reAny,
		"drink":     reAny,
	},
	"person": {
		"height":          `^[12]\.\d\d$`,
		"weight":          `^\d{2}$`,
		"blood_type":      `^(A|B|AB|O)[+-]$`,
		"political_views": reAny,
		"worldview":       reAny,
		"views_on":        reAny,
		"university":      reAny,
		"academic_degree": `^(Bachelor|Master|PhD)$`,
		"language":        reAny,
		"identifier":      `^\d\d-\d\d/\d\d$`,
		"birthdate":       reDate,
	},
	"finance": {
		"currency_symbol":       reAny,
		"cryptocurrency_symbol": reAny,
		"stock_name":            reAny,
		"stock_exchange":        `^[A-Z][A-Za-z]+$`,
	},
	"internet": {
		"http_status_message": `^\d{3} [A-Z].+$`,
		"public_dns":          `^[0-9a-f.:]+$`,
		"asn":                 `^AS\d+$`,
		"ip_v4_with_port":     `^(\d{1,3}\.){3}\d{1,3}:\d{1,5}$`,
	},
	"address": {
		"calling_code": `^\+\d{1,3}$`,
		"continent":    `^[A-Z][a-z]+( [A-Z][a-z]+)?$`,
	},
	"datetime": {
		"century":            `^[IVX]+$`,
		"periodicity":        `^[A-Z][a-z]+$`,
		"gmt_offset":         `^UTC [+-]\d\d:00$`,
		"week_date":          `^\d{4}-W\d{1,2}$`,
		"formatted_date":     reDate,
		"formatted_time":     `^\d\d:\d\d:\d\d$`,
		"formatted_datetime": `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`,
	},
	"text": {
		"alphabet": `^\["A", "B", .*"Z"\]$`,
	},
}

func init() {
	for p, methods := range mimesisMoreCases {
		if mimesisCases[p] == nil {
			mimesisCases[p] = map[string]string{}
		}
		for m, re := range methods {
			mimesisCases[p][m] = re
		}
	}
}

// TestMimesisEnumsAndArguments: mimesis.enums members as arguments,
// mimesis.random, and errors naming the method in full.
func TestMimesisEnumsAndArguments(t *testing.T) {
	t.Parallel()
	ok := []string{
		`mimesis.locale.en.file.extension(file_type=mimesis.enums.FileType.IMAGE) in [".bmp", ".jpg", ".jpeg", ".png", ".svg"]`,
		`mimesis.locale.en.file.mime_type(type_=mimesis.enums.MimeType.IMAGE).startswith("image/")`,
		`len(mimesis.locale.en.cryptographic.hash(algorithm=mimesis.enums.Algorithm.SHA256)) == 64`,
		`len(mimesis.locale.en.cryptographic.hash(mimesis.enums.Algorithm.MD5)) == 32`,
		`len(mimesis.locale.en.cryptographic.token_hex(entropy=4)) == 8`,
		`len(mimesis.locale.en.code.ean(fmt=mimesis.enums.EANFormat.EAN8)) == 8`,
		`mimesis.locale.en.code.isbn(fmt=mimesis.enums.ISBNFormat.ISBN13).startswith("978-")`,
		`mimesis.locale.en.payment.credit_card_number(card_type=mimesis.enums.CardType.AMERICAN_EXPRESS)[0] == "3"`,
		`mimesis.locale.en.internet.port(port_range=mimesis.enums.PortRange.WELL_KNOWN) <= 1023`,
		`mimesis.locale.en.internet.url(scheme=mimesis.enums.URLScheme.FTP).startswith("ftp://")`,
		`mimesis.locale.en.internet.tld(tld_type=mimesis.enums.TLDType.GEOTLD) in [".berlin", ".london", ".nyc", ".paris", ".tokyo", ".moscow", ".amsterdam"]`,
		`mimesis.locale.en.person.full_name(gender=mimesis.enums.Gender.FEMALE) != ""`,
		`mimesis.locale.en.development.dsn(dsn_type=mimesis.enums.DSNType.POSTGRES).startswith("postgresql://")`,
		`mimesis.locale.en.datetime.timezone(region=mimesis.enums.TimezoneRegion.EUROPE).startswith("Europe/")`,
		`type(mimesis.locale.en.datetime.timestamp(fmt=mimesis.enums.TimestampFormat.ISO_8601)) == "string"`,
		`mimesis.locale.en.science.measure_unit(name="mass", symbol=True) == "gr"`,
		`str(mimesis.enums.Gender.MALE) == "Gender.MALE" and mimesis.enums.Gender.MALE.value == "male"`,
		`mimesis.enums.Gender.MALE == mimesis.enums.Gender.MALE and mimesis.enums.Gender.MALE != mimesis.enums.Gender.FEMALE`,
		`mimesis.random.random.randint(3, 3) == 3`,
		`len(mimesis.random.Random().generate_string("ab", length=5)) == 5`,
		`mimesis.random.random.custom_code(mask="@@-###")[2] == "-"`,
		`mimesis.locale["de"].numeric.integer_number(start=1, end=1) == 1`,
		`mimesis.locale.en.numeric.float_number(start=1, end=1) == 1.0`,
		`mimesis.locale.en.choice(["a", "b"]) in ["a", "b"]`,
		`sorted(mimesis.locale.en.choice(items=["a", "b", "c"], length=3, unique=True)) == ["a", "b", "c"]`,
		`type(mimesis.locale.en.choice(("x", "y"), length=2)) == "tuple" and len(mimesis.locale.en.choice.choice("xyz", length=4)) == 4`,
		`mimesis.random.random.uniform(2, 2) == 2.0`,
		`mimesis.locale.en.person.height(minimum=2, maximum=2) == "2.00"`,
	}
	for _, expr := range ok {
		v, err := eval(t, 3, expr)
		if err != nil || v != starlark.True {
			t.Errorf("%s = %v, %v; want True", expr, v, err)
		}
	}
	bad := []struct{ expr, want string }{
		{`mimesis.locale.en.file.extension(file_type=mimesis.enums.Gender.MALE)`, `mimesis.locale.en.file.extension: for parameter "file_type": got Gender.MALE, want a member of FileType`},
		{`mimesis.locale.en.file.extension(file_type="nope")`, `mimesis.locale.en.file.extension: for parameter "file_type": got "nope", want one of FileType.AUDIO`},
		{`mimesis.locale.en.numeric.integer_number(start="a")`, `mimesis.locale.en.numeric.integer_number: for parameter "start": got string, want int`},
		{`mimesis.enums.Gender.OTHER`, `mimesis.enums.Gender has no member "OTHER"`},
		{`mimesis.locale.en.choice(["a"], length=2, unique=True)`, `mimesis.locale.en.choice: there are not enough unique elements`},
	}
	for _, tt := range bad {
		_, err := eval(t, 3, tt.expr)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want prefix %q", tt.expr, err, tt.want)
		}
	}
}
