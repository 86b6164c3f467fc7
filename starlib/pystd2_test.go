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

// Expected values come from CPython 3's ipaddress.
func TestIPAddress(t *testing.T) {
	t.Parallel()
	n := `module.ipaddress.ip_network("10.1.2.0/24")`
	a := `module.ipaddress.ip_address("10.1.2.7")`
	tests := []struct{ expr, want string }{
		{`" ".join([str(x) for x in [` + n + `.network_address, ` + n + `.broadcast_address, ` + n + `.netmask, ` + n + `.hostmask, ` + n + `.num_addresses, ` + n + `.prefixlen]])`,
			"10.1.2.0 10.1.2.255 255.255.255.0 0.0.0.255 256 24"},
		{`(` + a + ` in ` + n + `, module.ipaddress.ip_address("10.1.3.1") in ` + n + `)`, "(True, False)"},
		{`str(` + n + `[5]) + " " + str(` + a + ` + 1)`, "10.1.2.5 10.1.2.8"},
		{`(` + a + `.is_private, module.ipaddress.ip_address("8.8.8.8").is_global, ` + a + `.version)`, "(True, True, 4)"},
		{`len(module.ipaddress.ip_network("192.168.0.0/30").hosts())`, "2"},
		{`str(module.ipaddress.ip_network("10.1.2.3/24", strict=False))`, "10.1.2.0/24"},
		{`module.ipaddress.ip_address("2001:db8::1").exploded`, "2001:0db8:0000:0000:0000:0000:0000:0001"},
		{`str(module.ipaddress.ip_address(167837703))`, "10.1.0.7"},
	}
	for _, tt := range tests {
		if got := str(mustEval(t, tt.expr, nil)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
	if _, err := evalExpr(t, 1, `module.ipaddress.ip_network("10.1.2.3/24")`, nil); err == nil || err.Error() != "ipaddress.ip_network: 10.1.2.3/24 has host bits set" {
		t.Errorf("strict network with host bits: %v", err)
	}
}
