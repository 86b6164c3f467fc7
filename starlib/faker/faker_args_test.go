package faker

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/eventum-go/eventum/starlib"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// fakerEnv evaluates expressions against one faker locale (`f`), with
// helpers for checking results in Starlark itself.
func fakerEval(t *testing.T, seed uint64, expr string) (starlark.Value, error) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed+1))
	m := starlib.NewModule(r, time.UTC)
	f := attrPath(t, NewFaker(r), "locale.en")
	env := starlark.StringDict{"f": f, "module": m, "utc": starlib.NewTZInfo(time.UTC)}
	for k, v := range starlib.Builtins {
		env[k] = v
	}
	return starlark.EvalOptions(&syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true},
		&starlark.Thread{Name: "test"}, "test.star", expr, env)
}

// TestFakerArguments: each expression uses Faker's keyword arguments and
// must evaluate to True for every seed tried.
func TestFakerArguments(t *testing.T) {
	t.Parallel()
	now := `module.datetime.datetime.now()`
	tests := []string{
		// dates
		`type(f.date_between(start_date="-1y", end_date="today")) == "date"`,
		`(lambda d: d >= (` + now + ` - module.datetime.timedelta(days=367)).date())(f.date_between(start_date="-1y"))`,
		`(lambda d: d.year >= 2020 and d.year <= 2021)(f.date_between(module.datetime.date(2020, 1, 1), module.datetime.date(2021, 12, 31)))`,
		`(lambda d: ` + now + `.year - d.year >= 18 and ` + now + `.year - d.year <= 21)(f.date_of_birth(minimum_age=18, maximum_age=20))`,
		`f.date_time_between(start_date="-1d", end_date="now").tzinfo == None`,
		`f.date_time_between(start_date="-1d", tzinfo=utc).tzinfo != None`,
		`(lambda d: d < ` + now + `.date())(f.past_date())`,
		`(lambda d: d > ` + now + `.date())(f.future_date(end_date="+5d"))`,
		`(lambda d: d.year == ` + now + `.year)(f.date_time_this_year(before_now=True, after_now=True))`,
		`(lambda d: d.month == ` + now + `.month)(f.date_this_month())`,
		`type(f.unix_time()) == "float"`,
		`f.iso8601(sep=" ", timespec="minutes").count(":") == 1`,
		`len(f.date(pattern="%d.%m.%Y")) == 10`,
		`(lambda d: d.year == 2001)(f.date_time_between_dates(module.datetime.datetime(2001, 1, 1), module.datetime.datetime(2001, 12, 31)))`,
		// numbers
		`f.pyint(min_value=5, max_value=5) == 5`,
		`f.pyint(0, 100, step=10) % 10 == 0`,
		`(lambda x: x >= 1 and x <= 2 and len(str(x).split(".")[-1]) <= 2)(f.pyfloat(right_digits=2, min_value=1, max_value=2))`,
		`f.pyfloat(positive=True) > 0`,
		`(lambda x: abs(x) < 1000 and len(str(abs(x)).split(".")[1]) <= 2)(f.pyfloat(left_digits=3, right_digits=2))`,
		`f.pybool(truth_probability=100) == True and f.pybool(truth_probability=0) == False`,
		`len(f.pystr(max_chars=5, prefix="p-", suffix="-s")) == 9`,
		`len(f.pylist(nb_elements=4, variable_nb_elements=False, value_types=["int"])) == 4 and type(f.pylist(3, False, "int")[0]) == "int"`,
		`type(f.pydict(nb_elements=3, value_types="email")) == "dict"`,
		// codes: check digits
		`(lambda s: (sum([int(c) * (3 if i % 2 else 1) for i, c in enumerate(s.elems())]) % 10) == 0)(f.ean13())`,
		`(lambda s: (sum([int(c) * (1 if i % 2 else 3) for i, c in enumerate(s.elems())]) % 10) == 0)(f.ean8())`,
		`f.ean13(prefixes=["00"]).startswith("00")`,
		`(lambda s: (sum([int(c) * (3 if i % 2 else 1) for i, c in enumerate(s.replace("-", "").elems())]) % 10) == 0)(f.isbn13())`,
		`len(f.isbn10(separator="").replace("X", "0")) == 10`,
		`len(f.credit_card_number(card_type="amex")) == 15`,
		`(lambda s: sum([(lambda d: d if i % 2 == 0 else (2 * d if d < 5 else 2 * d - 9))(int(c)) for i, c in enumerate(reversed(list(s.elems())))]) % 10 == 0)(f.credit_card_number())`,
		`f.credit_card_provider(card_type="mastercard") == "Mastercard"`,
		`len(f.credit_card_security_code(card_type="amex")) == 4`,
		`len(f.credit_card_expire(date_format="%Y-%m")) == 7`,
		`len(f.swift(length=11, primary=True)) == 11 and f.swift(length=11, primary=True).endswith("XXX")`,
		`len(f.swift8()) == 8`,
		`type(f.sha256(raw_output=True)) == "bytes" and len(f.sha256(raw_output=True)) == 32`,
		`type(f.uuid4(cast_to=None)) == "UUID"`,
		// files and internet
		`f.file_name(extension="csv").endswith(".csv")`,
		`f.file_name(category="audio").split(".")[1] in ["flac", "mp3", "wav"]`,
		`"." not in f.file_name(extension="")`,
		`f.file_path(depth=2, absolute=False).count("/") == 2 and not f.file_path(depth=2, absolute=False).startswith("/")`,
		`f.file_path(file_system_rule="windows").startswith("C:\\")`,
		`f.mime_type(category="image").startswith("image/")`,
		`f.port_number(is_system=True) < 1024`,
		`f.port_number(is_dynamic=True) >= 49152`,
		`"/" in f.ipv4_private(network=True)`,
		`f.ipv4(private=True).split(".")[0] in ["10", "172", "192"]`,
		`f.ipv4(address_class="c", network=True).split(".")[0] in [str(x) for x in range(192, 224)]`,
		`f.ipv4_private(address_class="c").startswith("192.168.")`,
		`int(f.mac_address(multicast=True)[:2], 16) % 2 == 1`,
		`f.url(schemes=["ftp"]).startswith("ftp://www.")`,
		`f.uri(deep=2).count("/") == 5`,
		`f.email(domain="corp.example").endswith("@corp.example")`,
		`f.domain_name(levels=2).count(".") == 2`,
		`f.hostname(levels=2).count(".") == 3 and "." not in f.hostname(0)`,
		// text
		`f.sentence(nb_words=3, variable_nb_words=False, ext_word_list=["x"]) == "X x x."`,
		`f.words(nb=3, ext_word_list=["a", "b", "c"], unique=True) in [["a", "b", "c"], ["a", "c", "b"], ["b", "a", "c"], ["b", "c", "a"], ["c", "a", "b"], ["c", "b", "a"]]`,
		`len(f.text(max_nb_chars=20)) <= 20`,
		`len(f.text(max_nb_chars=80)) <= 80`,
		`len(f.texts(nb_texts=2, max_nb_chars=50)) == 2`,
		`f.paragraph(nb_sentences=2, variable_nb_sentences=False).count(".") == 2`,
		`len(f.sentences(nb=4)) == 4 and len(f.paragraphs(nb=2)) == 2`,
		// person
		`sorted(f.profile(fields=["name", "sex"], sex="F").keys()) == ["name", "sex"] and f.profile(sex="F")["sex"] == "F"`,
		`list(f.simple_profile().keys()) == ["username", "name", "sex", "address", "mail", "birthdate"]`,
		`f.first_name_female() != None and f.name_male().count(" ") >= 1`,
	}
	for _, expr := range tests {
		for seed := uint64(1); seed <= 20; seed++ {
			v, err := fakerEval(t, seed, expr)
			if err != nil {
				t.Fatalf("%s (seed %d): %v", expr, seed, err)
			}
			if v != starlark.True {
				t.Fatalf("%s (seed %d) = %v, want True", expr, seed, v)
			}
		}
	}
}

func TestFakerArgumentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`f.date_between(start_date="30y")`, "faker.locale.en.date_between: for parameter \"start_date\": Can't parse date string `30y`"},
		{`f.date_between(start_date="today", end_date="-1y")`, "faker.locale.en.date_between: empty range"},
		{`f.pyint(min_value="a")`, "faker.locale.en.pyint: for parameter \"min_value\": got string, want int"},
		{`f.credit_card_number(card_type="nope")`, "faker.locale.en.credit_card_number: unknown card_type 'nope'"},
		{`f.swift(length=9)`, "faker.locale.en.swift: length can only be 8 or 11 or None"},
		{`f.text(max_nb_chars=3)`, "faker.locale.en.text: text() can only generate text of at least 5 characters"},
		{`f.file_name(category="nope")`, "faker.locale.en.file_name: unknown category 'nope'"},
		{`[f.unique.random_digit() for _ in range(11)]`, "faker.locale.en.unique.random_digit: got duplicated values after 1000 iterations"},
	}
	for _, tt := range tests {
		_, err := fakerEval(t, 1, tt.expr)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want prefix %q", tt.expr, err, tt.want)
		}
	}
}

// TestFakerUnique: the unique proxy never repeats a value within a run,
// keeps separate sets per argument list, and clear() starts over.
func TestFakerUnique(t *testing.T) {
	t.Parallel()
	tests := []string{
		`len(set([f.unique.first_name() for _ in range(100)])) == 100`,
		`sorted([f.unique.random_digit() for _ in range(10)]) == list(range(10))`,
		`sorted([f.unique.random_int(1, 3) for _ in range(3)] + [f.unique.random_int(4, 6) for _ in range(3)]) == [1, 2, 3, 4, 5, 6]`,
		`(lambda a: f.unique.clear() == None and len([f.unique.random_digit() for _ in range(10)]) == 10)([f.unique.random_digit() for _ in range(10)])`,
	}
	for _, expr := range tests {
		v, err := fakerEval(t, 7, expr)
		if err != nil || v != starlark.True {
			t.Errorf("%s = %v, %v; want True", expr, v, err)
		}
	}
}
