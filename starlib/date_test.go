package starlib

import (
	"strings"
	"testing"
)

// Expected values come from CPython 3.
func TestDateAndStrptime(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`str(datetime.date(2024, 2, 29))`, "2024-02-29"},
		{`datetime.date(2024, 2, 29).strftime("%d/%m/%Y %a %j")`, "29/02/2024 Thu 060"},
		{`(datetime.date(2024, 2, 29).weekday(), datetime.date(2024, 2, 29).isoweekday())`, "(3, 4)"},
		{`datetime.date(2024, 2, 29).toordinal()`, "738945"},
		{`str(datetime.date(2024, 2, 29) + datetime.timedelta(days=1, hours=5))`, "2024-03-01"},
		{`str(datetime.date(2024, 2, 29) - datetime.timedelta(days=60))`, "2023-12-31"},
		{`str(datetime.date(2024, 2, 29) - datetime.date(2024, 1, 1))`, "59 days, 0:00:00"},
		{`str(datetime.date.fromordinal(738000))`, "2021-07-29"},
		{`str(datetime.date(2024, 2, 29).replace(day=1))`, "2024-02-01"},
		{`datetime.date(2024, 1, 1) < datetime.date(2024, 1, 2)`, "True"},
		{`str(datetime.date.fromisoformat("2024-03-05"))`, "2024-03-05"},
		{`str(datetime.datetime(2024, 3, 5, 23, 59).date())`, "2024-03-05"},
		{`module.datetime.datetime.strptime("2024-03-05 14:07:09", "%Y-%m-%d %H:%M:%S").isoformat()`, "2024-03-05T14:07:09"},
		{`datetime.datetime.strptime("05/Mar/2024:14:07:09 +0530", "%d/%b/%Y:%H:%M:%S %z").isoformat()`, "2024-03-05T14:07:09+05:30"},
		{`datetime.datetime.strptime("Tue Mar  5 02:07:09 PM 2024", "%a %b %d %I:%M:%S %p %Y").isoformat()`, "2024-03-05T14:07:09"},
		{`datetime.datetime.strptime("2024-03-05T14:07:09.12Z", "%Y-%m-%dT%H:%M:%S.%f%z").isoformat()`, "2024-03-05T14:07:09.120000+00:00"},
		{`datetime.datetime.strptime("24 065", "%y %j").isoformat()`, "2024-03-05T00:00:00"},
		{`str(uuid.uuid5(uuid.NAMESPACE_DNS, "example.com"))`, "cfbff0d1-9375-5685-968c-48ce8b15ae17"},
		{`str(uuid.uuid3(uuid.NAMESPACE_URL, "http://x"))`, "53b14841-9895-312b-bb91-82c1f08c9edd"},
		{`uuid.uuid5(uuid.NAMESPACE_DNS, "example.com").version`, "5"},
		{`str(uuid.UUID("{CFBFF0D1-9375-5685-968C-48CE8B15AE17}"))`, "cfbff0d1-9375-5685-968c-48ce8b15ae17"},
		{`hashlib.new("sha256", b"abc").hexdigest()[:16]`, "ba7816bf8f01cfea"},
		{`hashlib.new("SHA1", "abc").hexdigest()[:16]`, "a9993e364706816a"},
		{`hashlib.new("sha384").name`, "sha384"},
		{`json.encode({"a": [1, 2.5, None, True]})`, `{"a":[1,2.5,null,true]}`},
		{`json.decode('{"a": [1, "x"]}')["a"][1]`, "x"},
		{`json.decode('nope', None)`, "None"},
		{`json.indent('{"a":1}', indent="  ")`, "{\n  \"a\": 1\n}"},
	}
	for _, tt := range tests {
		if got := str(mustEval(t, tt.expr, nil)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestStrptimeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`datetime.datetime.strptime("2024-13-01", "%Y-%m-%d")`, "datetime.strptime: time data '2024-13-01' does not match format '%Y-%m-%d'"},
		{`datetime.datetime.strptime("2024-01-01x", "%Y-%m-%d")`, "datetime.strptime: unconverted data remains: x"},
		{`datetime.datetime.strptime("abc", "%Y")`, "datetime.strptime: time data 'abc' does not match format '%Y'"},
		{`hashlib.new("whirlpool")`, "hashlib.new: unsupported hash type whirlpool"},
		{`uuid.uuid5("x", "y")`, `uuid.uuid5: for parameter "namespace": got string, want UUID`},
	}
	for _, tt := range tests {
		_, err := evalExpr(t, 1, tt.expr, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want prefix %q", tt.expr, err, tt.want)
		}
	}
}
