package faker

import (
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/starlib"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// attrPath resolves a dotted attribute path on v.
func attrPath(t testing.TB, v starlark.Value, path string) starlark.Value {
	t.Helper()
	for _, name := range strings.Split(path, ".") {
		h, ok := v.(starlark.HasAttrs)
		if !ok {
			t.Fatalf("%s: %s has no attributes", path, v.Type())
		}
		next, err := h.Attr(name)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		v = next
	}
	return v
}

// eval runs a Starlark expression with `faker` and `mimesis` predeclared.
func eval(t testing.TB, seed uint64, expr string) (starlark.Value, error) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed+1))
	env := starlark.StringDict{"faker": NewFaker(r), "mimesis": NewMimesis(r)}
	return starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{Name: "test"}, "test.star", expr, env)
}

const (
	reDate  = `^\d{4}-\d\d-\d\d$`
	reNaive = `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`
	reWord  = `^[a-z]+$`
	reWords = `^[A-Za-z][A-Za-z ,.'&()/-]*$`
	reHex   = `^[0-9a-f]+$`
)

var fakerCases = map[string]string{
	"name":                      `^\S+( \S+)+$`,
	"first_name":                `^[A-Z][A-Za-z'-]+$`,
	"last_name":                 `^[A-Z][A-Za-z' -]+$`,
	"prefix":                    `^(Mr|Mrs|Ms|Miss|Dr)\.?$`,
	"suffix":                    `^[A-Za-z.]+$`,
	"ssn":                       `^\d{3}-\d{2}-\d{4}$`,
	"user_name":                 `^[a-z0-9.]+$`,
	"email":                     `^[a-z0-9.]+@[a-z0-9-]+\.[a-z]+$`,
	"safe_email":                `^[a-z0-9.]+@example\.(com|net|org)$`,
	"free_email":                `^[a-z0-9.]+@(gmail|yahoo|hotmail|outlook|aol|icloud)\.com$`,
	"company_email":             `^[a-z0-9.]+@[a-z0-9-]+\.[a-z]+$`,
	"free_email_domain":         `^[a-z]+\.com$`,
	"domain_name":               `^[a-z0-9-]+\.[a-z]+$`,
	"domain_word":               `^[a-z0-9]+$`,
	"tld":                       `^[a-z]+$`,
	"hostname":                  `^[a-z]+-\d\d\.[a-z0-9-]+\.[a-z]+$`,
	"url":                       `^https?://www\.[a-z0-9-]+\.[a-z]+/$`,
	"uri":                       `^https?://www\.[a-z0-9-]+\.[a-z]+/([a-z]+/)+[a-z]+\.(html|htm|php|jsp|asp)$`,
	"uri_path":                  `^[a-z]+(/[a-z]+)*$`,
	"slug":                      `^[a-z]+-[a-z]+-[a-z]+$`,
	"ipv4":                      `^(\d{1,3}\.){3}\d{1,3}$`,
	"ipv4_private":              `^(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)\d{1,3}\.\d{1,3}(\.\d{1,3})?$`,
	"ipv4_public":               `^(\d{1,3}\.){3}\d{1,3}$`,
	"ipv6":                      `^([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$`,
	"mac_address":               `^([0-9a-f]{2}:){5}[0-9a-f]{2}$`,
	"port_number":               `^\d{1,5}$`,
	"user_agent":                `^(Mozilla|Opera)/\d+\.\d+ \(.+`,
	"chrome":                    `^Mozilla/5\.0 .*Chrome/`,
	"firefox":                   `^Mozilla/5\.0 .*Firefox/`,
	"safari":                    `^Mozilla/5\.0 .*Safari/`,
	"opera":                     `Opera|OPR`,
	"http_method":               `^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|CONNECT|TRACE)$`,
	"http_status_code":          `^[1-5]\d\d$`,
	"city":                      reWords,
	"state":                     `^[A-Z][a-z]+( [A-Z][a-z]+)*$`,
	"state_abbr":                `^[A-Z]{2}$`,
	"country":                   `^\S.+$`,
	"country_code":              `^[A-Z]{2}$`,
	"current_country_code":      `^US$`,
	"street_name":               `^[A-Z][A-Za-z' -]+ [A-Z][a-z]+$`,
	"street_suffix":             `^[A-Z][a-z]+$`,
	"street_address":            `^\d{1,4} [A-Z][A-Za-z' -]+ [A-Z][a-z]+$`,
	"building_number":           `^\d{1,4}$`,
	"secondary_address":         `^(Apt\.|Suite) \d{3}$`,
	"address":                   `^\d{1,4} .+\n.+, [A-Z]{2} \d{5}$`,
	"postcode":                  `^\d{5}$`,
	"zipcode":                   `^\d{5}$`,
	"latitude":                  `^-?\d{1,2}(\.\d+)?$`,
	"longitude":                 `^-?\d{1,3}(\.\d+)?$`,
	"phone_number":              `^[0-9()+.x-]{10,}$`,
	"company":                   `^\S.*$`,
	"company_suffix":            `^[A-Za-z ]+$`,
	"bs":                        `^[A-Za-z0-9][A-Za-z0-9 -]+$`,
	"catch_phrase":              `^[A-Z][a-z]+ [a-z0-9 /-]+$`,
	"job":                       `^[A-Z][A-Za-z ]+$`,
	"word":                      reWord,
	"words":                     `^\["[a-z]+", "[a-z]+", "[a-z]+"\]$`,
	"sentence":                  `^[A-Z][a-z]*( [a-z]+)*\.$`,
	"sentences":                 `^\["[A-Z][a-z ]+\.", "[A-Z][a-z ]+\.", "[A-Z][a-z ]+\."\]$`,
	"paragraph":                 `^[A-Z][a-z ]+\.( [A-Z][a-z ]+\.)+$`,
	"paragraphs":                `^\["[A-Z][a-z .A-Z]+", "[A-Z][a-z .A-Z]+", "[A-Z][a-z .A-Z]+"\]$`,
	"text":                      `^[A-Z][a-z .A-Z\n]{4,199}$`,
	"date_time":                 `^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d`,
	"iso8601":                   `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`,
	"date":                      `^\d{4}-\d\d-\d\d$`,
	"time":                      `^\d\d:\d\d:\d\d$`,
	"unix_time":                 `^\d+(\.\d+)?(e\+\d+)?$`,
	"year":                      `^(19[7-9]\d|20\d\d)$`,
	"month":                     `^(0[1-9]|1[0-2])$`,
	"month_name":                `^[A-Z][a-z]+$`,
	"day_of_week":               `^[A-Z][a-z]+day$`,
	"day_of_month":              `^(0[1-9]|[12]\d|3[01])$`,
	"am_pm":                     `^(AM|PM)$`,
	"timezone":                  `^[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+$`,
	"uuid4":                     `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
	"md5":                       `^[0-9a-f]{32}$`,
	"sha1":                      `^[0-9a-f]{40}$`,
	"sha256":                    `^[0-9a-f]{64}$`,
	"password":                  `^[A-Za-z0-9!@#$%^&*()_+]{10}$`,
	"pystr":                     `^[A-Za-z]{20}$`,
	"pyint":                     `^\d{1,4}$`,
	"random_int":                `^\d{1,4}$`,
	"random_digit":              `^\d$`,
	"random_letter":             `^[A-Za-z]$`,
	"random_number":             `^\d{1,9}$`,
	"boolean":                   `^(True|False)$`,
	"pybool":                    `^(True|False)$`,
	"random_element":            `^[abc]$`,
	"random_elements":           `^\[("[abc]"(, )?)+\]$`,
	"numerify":                  `^\d{3}$`,
	"lexify":                    `^[A-Za-z]{4}$`,
	"bothify":                   `^\d\d [A-Za-z]{2}$`,
	"hexify":                    `^[0-9a-f]{4}$`,
	"color_name":                `^[A-Z][A-Za-z]+$`,
	"safe_color_name":           `^[a-z]+$`,
	"hex_color":                 `^#[0-9a-f]{6}$`,
	"rgb_color":                 `^\d{1,3},\d{1,3},\d{1,3}$`,
	"currency_code":             `^[A-Z]{3}$`,
	"currency_name":             `^[A-Z].+$`,
	"credit_card_number":        `^\d{12,19}$`,
	"credit_card_provider":      `^[A-Z].+$`,
	"credit_card_expire":        `^(0[1-9]|1[0-2])/\d\d$`,
	"credit_card_security_code": `^\d{3,4}$`,
	"iban":                      `^GB\d\d[A-Z]{4}\d{14}$`,
	"file_path":                 `^/[a-z]+/[a-z]+\.[a-z0-9]+$`,
	"file_name":                 `^[a-z]+\.[a-z0-9]+$`,
	"file_extension":            `^[a-z0-9]+$`,
	"mime_type":                 `^[a-z-]+/[A-Za-z0-9.+_-]+$`,
	"license_plate":             `^[A-Z0-9]{3}[- ]?[A-Z0-9]{3,4}$`,
	// dates: naive datetimes print without an offset, dates as YYYY-MM-DD
	"date_time_between":       reNaive,
	"date_time_between_dates": reNaive,
	"date_between":            reDate,
	"date_between_dates":      reDate,
	"date_of_birth":           reDate,
	"past_date":               reDate,
	"future_date":             reDate,
	"past_datetime":           reNaive,
	"future_datetime":         reNaive,
	"date_time_this_year":     reNaive,
	"date_time_this_month":    reNaive,
	"date_time_this_decade":   reNaive,
	"date_time_this_century":  reNaive,
	"date_this_year":          reDate,
	"date_this_month":         reDate,
	"date_this_decade":        reDate,
	"date_this_century":       reDate,
	"date_time_ad":            `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`,
	"date_object":             reDate,
	"time_delta":              `^(\d+ days?, )?\d+:\d\d:\d\d$`,
	"century":                 `^[IVX]+$`,
	// person
	"name_male":            `^[A-Z][a-z]+ [A-Z][A-Za-z' -]+$`,
	"name_female":          `^[A-Z][a-z]+ [A-Z][A-Za-z' -]+$`,
	"name_nonbinary":       `^[A-Z][a-z]+ [A-Z][A-Za-z' -]+$`,
	"first_name_male":      `^[A-Z][a-z]+$`,
	"first_name_female":    `^[A-Z][a-z]+$`,
	"first_name_nonbinary": `^[A-Z][a-z]+$`,
	"last_name_male":       `^[A-Z][A-Za-z' -]+$`,
	"last_name_female":     `^[A-Z][A-Za-z' -]+$`,
	"prefix_male":          `^(Mr|Dr)\.$`,
	"prefix_female":        `^(Mrs\.|Ms\.|Miss|Dr\.)$`,
	"suffix_male":          `^[A-Z][A-Za-z.]*$`,
	"suffix_female":        `^(MD|DDS|PhD|DVM)$`,
	"profile":              `^\{"job": .*"current_location": \(-?\d.*"blood_group": "(A|B|AB|O)[+-]".*"sex": "[MF]".*"birthdate": \d{4}-\d\d-\d\d\}$`,
	"simple_profile":       `^\{"username": "[a-z0-9.]+", "name": ".+", "sex": "[MF]", "address": ".+", "mail": ".+@.+", "birthdate": `,
	// numbers and choices
	"pyfloat":                 `^-?\d+\.\d+(e[+-]\d+)?$`,
	"pydecimal":               `^-?\d+\.\d+(e[+-]\d+)?$`,
	"null_boolean":            `^(None|True|False)$`,
	"pylist":                  `^\[.+\]$`,
	"pytuple":                 `^\(.+\)$`,
	"pyiterable":              `^\[.+\]$`,
	"pyset":                   `^set\(\[.+\]\)$`,
	"pydict":                  `^\{"[a-z]+": .+\}$`,
	"random_digit_not_null":   `^[1-9]$`,
	"random_lowercase_letter": `^[a-z]$`,
	"random_uppercase_letter": `^[A-Z]$`,
	"random_letters":          `^\[("[A-Za-z]"(, )?){16}\]$`,
	"random_choices":          `^\[("[abc]"(, )?)+\]$`,
	"random_sample":           `^\[("[abc]"(, )?)+\]$`,
	// codes
	"ean":              `^\d{13}$`,
	"ean13":            `^\d{13}$`,
	"ean8":             `^\d{8}$`,
	"isbn10":           `^[01]-\d{2,6}-\d{2,6}-[\dX]$`,
	"isbn13":           `^978-[01]-\d{2,6}-\d{2,6}-\d$`,
	"bban":             `^[A-Z]{4}\d{14}$`,
	"swift":            `^[A-Z]{4}GB[A-Z0-9]{2}([A-Z0-9]{3})?$`,
	"swift8":           `^[A-Z]{4}GB[A-Z0-9]{2}$`,
	"swift11":          `^[A-Z]{4}GB[A-Z0-9]{5}$`,
	"credit_card_full": `^[A-Z].+\n.+\n\d{12,19} \d\d/\d\d\n(CVC|CVV|CID): \d{3,4}\n$`,
	// user agents, files, internet
	"internet_explorer":      `^Mozilla/5\.0 \(compatible; MSIE \d\.0; Windows .+; Trident/\d\.\d\)$`,
	"windows_platform_token": `^Windows `,
	"linux_platform_token":   `^X11; Linux (i686|x86_64)$`,
	"mac_platform_token":     `^Macintosh; .+ Mac OS X 10_\d+_\d$`,
	"android_platform_token": `^Android \d+$`,
	"ios_platform_token":     `^(iPhone|iPad|iPod); CPU (iPhone|iPad|iPod) OS \d+_\d like Mac OS X$`,
	"linux_processor":        `^(i686|x86_64)$`,
	"mac_processor":          `^(U; Intel|U; PPC|Intel)$`,
	"unix_device":            `^/dev/(sd|vd|xvd)[a-z]$`,
	"unix_partition":         `^/dev/(sd|vd|xvd)[a-z]\d$`,
	"ipv4_network_class":     `^[abc]$`,
	"ascii_email":            `^[a-z0-9.]+@[a-z0-9.-]+\.[a-z]+$`,
	"ascii_safe_email":       `^[a-z0-9.]+@example\.(com|net|org)$`,
	"ascii_free_email":       `^[a-z0-9.]+@[a-z]+\.com$`,
	"ascii_company_email":    `^[a-z0-9.]+@[a-z0-9-]+\.[a-z]+$`,
	"msisdn":                 `^\d{13}$`,
	"country_calling_code":   `^\+\d{1,3}$`,
	"safe_hex_color":         `^#(00|11|22|33|44|55|66|77|88|99|aa|bb|cc|dd|ee|ff){3}$`,
	"rgb_css_color":          `^rgb\(\d{1,3},\d{1,3},\d{1,3}\)$`,
	"color":                  `^#[0-9a-f]{6}$`,
	"texts":                  `^\["[A-Z].+"\]$`,
}

// valueText is what the regexps match: a string's contents, anything else's
// Starlark repr.
func valueText(v starlark.Value) string {
	if s, ok := starlark.AsString(v); ok {
		return s
	}
	return v.String()
}

func TestFakerMethods(t *testing.T) {
	t.Parallel()
	for _, name := range FakerMethods() {
		if _, ok := fakerCases[name]; !ok {
			t.Errorf("method %s has no test case", name)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	en := attrPath(t, NewFaker(r), "locale.en")
	thread := &starlark.Thread{Name: "test"}
	for _, name := range sortedKeys(fakerCases) { // sorted: one RNG, deterministic
		pattern := fakerCases[name]
		t.Run(name, func(t *testing.T) {
			re := regexp.MustCompile(pattern)
			fn := attrPath(t, en, name)
			for range 200 {
				v, err := starlark.Call(thread, fn, nil, nil)
				if err != nil {
					t.Fatalf("%s(): %v", name, err)
				}
				if s := valueText(v); !re.MatchString(s) {
					t.Fatalf("%s() = %q, want match of %s", name, s, pattern)
				}
			}
		})
	}
}

var mimesisCases = map[string]map[string]string{
	"person": {
		"full_name":    `^\S+ \S+$`,
		"first_name":   `^[A-Z][A-Za-z'-]+$`,
		"name":         `^[A-Z][A-Za-z'-]+$`,
		"last_name":    `^[A-Z][A-Za-z' -]+$`,
		"surname":      `^[A-Z][A-Za-z' -]+$`,
		"username":     `^[A-Za-z]+[._-]?\d{4}$`,
		"email":        `^[a-z]+_?\d{4}@[a-z]+\.com$`,
		"telephone":    `^[0-9()+.x-]{10,}$`,
		"phone_number": `^[0-9()+.x-]{10,}$`,
		"age":          `^(1[6-9]|[2-5]\d|6[0-6])$`,
		"gender":       `^(Male|Female)$`,
		"sex":          `^(Male|Female)$`,
		"occupation":   `^[A-Z][A-Za-z ]+$`,
		"title":        `^[A-Z][a-z]+\.?$`,
		"nationality":  `^[A-Z][a-z]+( [A-Z][a-z]+)?$`,
		"password":     `^\S{8}$`,
	},
	"internet": {
		"ip_v4":            `^(\d{1,3}\.){3}\d{1,3}$`,
		"ip_v6":            `^([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$`,
		"mac_address":      `^([0-9a-f]{2}:){5}[0-9a-f]{2}$`,
		"url":              `^https://[a-z0-9-]+\.[a-z]+/$`,
		"uri":              `^https?://www\.[a-z0-9-]+\.[a-z]+/.+\.[a-z]+$`,
		"hostname":         `^[a-z]+-\d\d\.[a-z0-9-]+\.[a-z]+$`,
		"user_agent":       `^(Mozilla|Opera)/\d+\.\d+ \(.+`,
		"http_method":      `^[A-Z]+$`,
		"http_status_code": `^[1-5]\d\d$`,
		"port":             `^\d{1,5}$`,
		"top_level_domain": `^\.[a-z]+$`,
		"tld":              `^\.[a-z]+$`,
		"slug":             `^[a-z]+(-[a-z]+)+$`,
		"content_type":     `^Content-Type: [a-z-]+/\S+$`,
	},
	"address": {
		"city":          reWords,
		"state":         `^[A-Z][a-z]+( [A-Z][a-z]+)*$`,
		"region":        `^[A-Z][a-z]+( [A-Z][a-z]+)*$`,
		"province":      `^[A-Z][a-z]+( [A-Z][a-z]+)*$`,
		"country":       `^\S.+$`,
		"country_code":  `^[A-Z]{2}$`,
		"street_name":   `^[A-Z][A-Za-z' -]+ [A-Z][a-z]+$`,
		"street_suffix": `^[A-Z][a-z]+$`,
		"street_number": `^\d{1,4}$`,
		"address":       `^\d{1,4} [A-Z][A-Za-z' -]+ [A-Z][a-z]+$`,
		"postal_code":   `^\d{5}$`,
		"zip_code":      `^\d{5}$`,
		"latitude":      `^-?\d{1,2}(\.\d+)?$`,
		"longitude":     `^-?\d{1,3}(\.\d+)?$`,
		"coordinates":   `^\{"longitude": -?\d+(\.\d+)?, "latitude": -?\d+(\.\d+)?\}$`,
	},
	"datetime": {
		"date":         `^20\d\d-\d\d-\d\d$`,
		"datetime":     `^20\d\d-\d\d-\d\d[T ]\d\d:\d\d:\d\d`,
		"timestamp":    `^\d{9,10}$`,
		"time":         `^\d\d:\d\d:\d\d$`,
		"year":         `^(199\d|20\d\d)$`,
		"month":        `^[A-Z][a-z]+$`,
		"day_of_week":  `^[A-Z][a-z]+day$`,
		"day_of_month": `^([1-9]|[12]\d|3[01])$`,
		"timezone":     `^[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+$`,
	},
	"text": {
		"word":      reWord,
		"words":     `^\[("[a-z]+"(, )?){5}\]$`,
		"sentence":  `^[A-Z][a-z]*( [a-z]+)*\.$`,
		"title":     `^[A-Z][a-z]*( [a-z]+)*\.$`,
		"text":      `^[A-Z][a-z ]+\.( [A-Z][a-z ]+\.){4}$`,
		"quote":     `^[^"\s].+[^"]$`,
		"color":     `^[A-Z][A-Za-z]+$`,
		"hex_color": `^#[0-9a-f]{6}$`,
		"answer":    `^(Yes|No|Maybe)$`,
		"level":     `^[a-z]+$`,
	},
	"finance": {
		"company":                 `^\S.*$`,
		"company_type":            `^[A-Za-z ]+$`,
		"price":                   `^(\d{3}|1[0-4]\d\d|1500)(\.\d{1,2})?$`,
		"currency_iso_code":       `^[A-Z]{3}$`,
		"bank":                    `^\S.+$`,
		"stock_ticker":            `^[A-Z]{1,5}$`,
		"cryptocurrency_iso_code": `^[A-Z]{3,4}$`,
	},
}

func TestMimesisMethods(t *testing.T) {
	t.Parallel()
	for _, p := range mimesisProviderNames {
		for _, m := range MimesisMethods(p) {
			if _, ok := mimesisCases[p][m]; !ok {
				t.Errorf("method %s.%s has no test case", p, m)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	en := attrPath(t, NewMimesis(r), "locale.en")
	thread := &starlark.Thread{Name: "test"}
	for _, p := range sortedKeys(mimesisCases) {
		for _, name := range sortedKeys(mimesisCases[p]) {
			pattern := mimesisCases[p][name]
			t.Run(p+"."+name, func(t *testing.T) {
				re := regexp.MustCompile(pattern)
				fn := attrPath(t, en, p+"."+name)
				for range 200 {
					v, err := starlark.Call(thread, fn, nil, nil)
					if err != nil {
						t.Fatalf("%s(): %v", name, err)
					}
					if s := valueText(v); !re.MatchString(s) {
						t.Fatalf("%s.%s() = %q, want match of %s", p, name, s, pattern)
					}
				}
			})
		}
	}
}

// TestArguments covers keyword arguments and the values they constrain.
func TestArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, want string // want: regexp on valueText
	}{
		{`faker.locale.en.words(nb=5)`, `^\[("[a-z]+"(, )?){5}\]$`},
		{`faker.locale.en.words(2, ext_word_list=["x"])`, `^\["x", "x"\]$`},
		{`faker.locale.en.words(nb=2, ext_word_list=["x", "y"], unique=True)`, `^\["[xy]", "[xy]"\]$`},
		{`faker.locale.en.sentence(nb_words=3, variable_nb_words=False)`, `^[A-Z][a-z]* [a-z]+ [a-z]+\.$`},
		{`faker.locale.en.paragraph(nb_sentences=2, variable_nb_sentences=False).count(".")`, `^2$`},
		{`len(faker.locale.en.text(max_nb_chars=50)) <= 50`, `^True$`},
		{`faker.locale.en.random_int(5, 5)`, `^5$`},
		{`faker.locale.en.random_int(min=10, max=20, step=5) in (10, 15, 20)`, `^True$`},
		{`faker.locale.en.pyint(min_value=-3, max_value=-1) < 0`, `^True$`},
		{`faker.locale.en.password(length=16, special_chars=False)`, `^[A-Za-z0-9]{16}$`},
		{`faker.locale.en.pystr(min_chars=3, max_chars=3, prefix="p-")`, `^p-[A-Za-z]{3}$`},
		{`faker.locale.en.boolean(chance_of_getting_true=100)`, `^True$`},
		{`faker.locale.en.boolean(chance_of_getting_true=0)`, `^False$`},
		{`faker.locale.en.random_element(["x"])`, `^x$`},
		{`faker.locale.en.random_element({"a": 0, "b": 1.5})`, `^b$`},
		{`faker.locale.en.random_elements(["a", "b"], length=4)`, `^\[("[ab]"(, )?){4}\]$`},
		{`faker.locale.en.numerify("ID-####")`, `^ID-\d{4}$`},
		{`faker.locale.en.bothify(text="??-##")`, `^[A-Za-z]{2}-\d{2}$`},
		{`faker.locale.en.hexify("^^^^", upper=True)`, `^[0-9A-F]{4}$`},
		{`faker.locale.en.random_number(digits=3, fix_len=True)`, `^[1-9]\d\d$`},
		{`faker.locale.en.ipv4(private=True)`, `^(10|172|192)\.`},
		{`faker.locale.en.file_path(depth=3, extension="log")`, `^(/[a-z]+){4}\.log$`},
		{`faker.locale.en.file_name(extension="txt")`, `^[a-z]+\.txt$`},
		{`faker.locale.en.credit_card_number(card_type="amex")`, `^3[47]\d{13}$`},
		{`faker.locale.en.date(pattern="%d/%m/%Y")`, `^\d\d/\d\d/\d{4}$`},
		{`faker.locale.en.time(pattern="%H.%M")`, `^\d\d\.\d\d$`},
		{`type(faker.locale.en.date_time())`, `^datetime$`},
		{`faker.locale.en.date_time().year >= 1970`, `^True$`},
		{`type(mimesis.locale.en.datetime.datetime())`, `^datetime$`},
		{`faker.locale.en.uri_path(deep=2)`, `^[a-z]+/[a-z]+$`},
		{`faker.locale["en-US"].zipcode()`, `^\d{5}$`},
		{`faker.locale.de_DE.postcode()`, `^\d{5}$`},
		{`faker.locale.de.current_country_code()`, `^DE$`},
		{`faker.locale.de_AT.city() in ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Leipzig", "Dortmund", "Essen", "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg", "Bochum", "Wuppertal", "Bielefeld", "Bonn", "Münster"]`, `^True$`},
		{`faker.locale.ru_RU.name()`, `^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$`},
		{`faker.locale.ja_JP.name()`, `^\p{Han}+|\p{Hiragana}+$`},
		{`faker.locale.nl_NL.postcode()`, `^\d{4} [A-Z]{2}$`},
		{`faker.locale.xx_YY.name()`, `^\S+ \S+$`}, // unknown locale: English
		{`mimesis.locale.en.person.username(mask="C_d", drange=(10, 10))`, `^[A-Z][a-z]+_10$`},
		{`mimesis.locale.en.person.age(minimum=30, maximum=30)`, `^30$`},
		{`mimesis.locale.en.person.full_name(reverse=True)`, `^\S+ \S+$`},
		{`mimesis.locale.en.datetime.year(minimum=2001, maximum=2001)`, `^2001$`},
		{`mimesis.locale.en.datetime.date(start=2010, end=2010)`, `^2010-\d\d-\d\d$`},
		{`mimesis.locale.en.datetime.month(abbr=True)`, `^[A-Z][a-z]{2}$`},
		{`mimesis.locale.en.address.state(abbr=True)`, `^[A-Z]{2}$`},
		{`mimesis.locale.en.address.street_number(maximum=9)`, `^[1-9]$`},
		{`mimesis.locale.en.text.words(quantity=2)`, `^\["[a-z]+", "[a-z]+"\]$`},
		{`mimesis.locale.en.finance.price(minimum=1, maximum=2)`, `^[12](\.\d{1,2})?$`},
		{`mimesis.locale.en.internet.slug(parts_count=2)`, `^[a-z]+-[a-z]+$`},
		{`mimesis.locale.ru.address.city()`, `^[А-ЯЁ][А-Яа-яё -]+$`},
		{`type(mimesis.locale.en.address.coordinates()["latitude"])`, `^float$`},
	}
	for _, tt := range tests {
		v, err := eval(t, 7, tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if s := valueText(v); !regexp.MustCompile(tt.want).MatchString(s) {
			t.Errorf("%s = %q, want match of %s", tt.expr, s, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`faker.locale.en.nmae()`, `faker.locale.en has no method "nmae" (did you mean name`},
		{`faker.locale.en.usr_name`, `did you mean user_name`},
		{`faker.locale.en.ip_v4()`, `did you mean ipv4`},
		{`faker.locales`, `faker has no attribute "locales" (did you mean locale?)`},
		{`mimesis.locale.en.persn.full_name()`, `mimesis.locale.en has no provider "persn" (did you mean person?)`},
		{`mimesis.locale.en.person.fullname()`, `mimesis.locale.en.person has no method "fullname" (did you mean full_name`},
		{`faker.locale.en.name(1)`, `name: got 1 arguments, want 0`},
		{`faker.locale.en.random_int(5, 1)`, `random_int: min (5) is greater than max (1)`},
		{`faker.locale.en.words(nb=2, ext_word_list=["x"], unique=True)`, `2 unique elements requested from 1`},
		{`faker.locale.en.credit_card_number(card_type="nope")`, `unknown card_type 'nope'`},
		{`faker.locale.en.random_element([])`, `elements is empty`},
		{`faker.locale[1]`, `locale code must be a string`},
		{`mimesis.locale.en.datetime.date(start=2020, end=2010)`, `start (2020) is after end (2010)`},
	}
	for _, tt := range tests {
		_, err := eval(t, 1, tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.expr, err, tt.want)
		}
	}
}

func TestHasMethod(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		got, want bool
		what      string
	}{
		{HasFakerMethod("user_name"), true, "faker user_name"},
		{HasFakerMethod("no_such"), false, "faker no_such"},
		{HasMimesisMethod("person", "full_name"), true, "mimesis person.full_name"},
		{HasMimesisMethod("person", "ip_v4"), false, "mimesis person.ip_v4"},
		{HasMimesisMethod("nope", "word"), false, "mimesis nope.word"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.what, tt.got, tt.want)
		}
	}
}

// TestSeedReproducible: the same seed gives the same values, another seed
// different ones.
func TestSeedReproducible(t *testing.T) {
	t.Parallel()
	expr := `[faker.locale.en.name(), faker.locale.de.city(), faker.locale.en.user_name(),
		faker.locale.en.uuid4(), faker.locale.en.user_agent(), faker.locale.en.credit_card_number(),
		faker.locale.en.date_time(), mimesis.locale.en.person.username(), mimesis.locale.fr.address.city()]`
	run := func(seed uint64) string {
		v, err := eval(t, seed, expr)
		if err != nil {
			t.Fatal(err)
		}
		return v.String()
	}
	a, b, c := run(42), run(42), run(43)
	if a != b {
		t.Errorf("same seed, different values:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same values: %s", a)
	}
}

// TestBuiltinsBuiltOnce: a locale object and its methods are reused.
func TestBuiltinsBuiltOnce(t *testing.T) {
	t.Parallel()
	f := NewFaker(rand.New(rand.NewPCG(1, 2)))
	a, b := attrPath(t, f, "locale.en.name"), attrPath(t, f, "locale.en.name")
	if a != b {
		t.Error("locale.en.name built twice")
	}
	m := NewMimesis(rand.New(rand.NewPCG(1, 2)))
	if attrPath(t, m, "locale.en.person.email") != attrPath(t, m, "locale.en.person.email") {
		t.Error("mimesis locale.en.person.email built twice")
	}
}

func BenchmarkFaker(b *testing.B) {
	f := NewFaker(rand.New(rand.NewPCG(1, 2)))
	thread := &starlark.Thread{Name: "bench"}
	for _, name := range []string{"user_name", "name", "first_name", "ipv4", "email", "sentence"} {
		fn := attrPath(b, f, "locale.en."+name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := starlark.Call(thread, fn, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMimesis(b *testing.B) {
	m := NewMimesis(rand.New(rand.NewPCG(1, 2)))
	thread := &starlark.Thread{Name: "bench"}
	for _, name := range []string{"person.full_name", "person.username", "internet.ip_v4"} {
		fn := attrPath(b, m, "locale.en."+name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := starlark.Call(thread, fn, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestModuleGateway: init() registers both namespaces with starlib, so
// templates reach them as module.faker / module.mimesis.
func TestModuleGateway(t *testing.T) {
	t.Parallel()
	m := starlib.NewModule(rand.New(rand.NewPCG(3, 4)), nil)
	env := starlark.StringDict{"module": m}
	for _, expr := range []string{
		`module.faker.locale.en.user_name()`,
		`module.mimesis.locale.en.person.full_name()`,
	} {
		v, err := starlark.EvalOptions(&syntax.FileOptions{}, &starlark.Thread{}, "t.star", expr, env)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if s, ok := starlark.AsString(v); !ok || s == "" {
			t.Errorf("%s = %v, want a non-empty string", expr, v)
		}
	}
}

// TestDocsListEveryMethod keeps docs/faker.md in step with the method tables.
func TestDocsListEveryMethod(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/faker.md")
	if err != nil {
		t.Fatal(err)
	}
	_, mimesisPart, ok := strings.Cut(string(doc), "## Mimesis providers")
	if !ok {
		t.Fatal("docs/faker.md has no Mimesis section")
	}
	for _, name := range FakerMethods() {
		if !strings.Contains(string(doc), "`"+name+"(") {
			t.Errorf("docs/faker.md does not list faker method %s", name)
		}
	}
	for _, p := range mimesisProviderNames {
		_, section, ok := strings.Cut(mimesisPart, "### "+p+"\n")
		if !ok {
			t.Errorf("docs/faker.md has no section for mimesis provider %s", p)
			continue
		}
		section, _, _ = strings.Cut(section, "\n### ")
		for _, m := range MimesisMethods(p) {
			if !strings.Contains(section, "`"+m+"(") {
				t.Errorf("docs/faker.md does not list mimesis %s.%s", p, m)
			}
		}
	}
}
