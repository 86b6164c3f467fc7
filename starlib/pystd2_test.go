package starlib

import "testing"

// Expected values come from CPython 3 (urllib.parse, string).
func TestStringAndURLLib(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`module.urllib.parse.quote("a b/c?d=é")`, "a%20b/c%3Fd%3D%C3%A9"},
		{`module.urllib.parse.quote_plus("a b/c&d")`, "a+b%2Fc%26d"},
		{`module.urllib.parse.quote("a/b", safe="")`, "a%2Fb"},
		{`module.urllib.parse.unquote("a%20b%2Fc%zz")`, "a b/c%zz"},
		{`module.urllib.parse.unquote_plus("a+b%21")`, "a b!"},
		{`module.urllib.parse.urlencode({"q": "a b", "n": 1})`, "q=a+b&n=1"},
		{`module.urllib.parse.urlencode({"x": [1, 2]}, doseq=True)`, "x=1&x=2"},
		{`(lambda u: " ".join([u.scheme, u.netloc, u.path, u.query, u.fragment, u.hostname, str(u.port), u.username]))(module.urllib.parse.urlparse("https://user:pw@Example.com:8443/p/a?x=1#frag"))`,
			"https user:pw@Example.com:8443 /p/a x=1 frag example.com 8443 user"},
		{`module.urllib.parse.parse_qs("a=1&b=2&a=3")`, `{"a": ["1", "3"], "b": ["2"]}`},
		{`module.string.ascii_lowercase + module.string.digits`, "abcdefghijklmnopqrstuvwxyz0123456789"},
		{`module.string.hexdigits`, "0123456789abcdefABCDEF"},
	}
	for _, tt := range tests {
		if got := str(mustEval(t, tt.expr, nil)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
}
