package starlib

import "testing"

func TestRe(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`re.match(r"(\d+)-(\d+)", "12-34 x").groups()`, `("12", "34")`},
		{`re.match(r"\d+", "x12")`, `None`},
		{`re.search(r"(?P<num>\d+)", "x12y").group("num")`, `"12"`},
		{`re.search(r"(\d+)", "x12y").span()`, `(1, 3)`},
		{`re.fullmatch(r"\d+", "123") != None`, `True`},
		{`re.fullmatch(r"\d+", "123a")`, `None`},
		{`re.findall(r"\d", "a1b2")`, `["1", "2"]`},
		{`re.findall(r"(\w)=(\d)", "a=1 b=2")`, `[("a", "1"), ("b", "2")]`},
		{`re.sub(r"(\w+)@(\w+)", r"\2 at \g<1>", "me@host you@there")`, `"host at me there at you"`},
		{`re.sub(r"\d", "#", "a1b2c3", count=2)`, `"a#b#c3"`},
		{`re.sub(r"\d", lambda m: str(int(m.group()) * 2), "a1b4")`, `"a2b8"`},
		{`re.split(r",\s*", "a, b,c")`, `["a", "b", "c"]`},
		{`re.compile("ABC", re.IGNORECASE).search("xabcx").group()`, `"abc"`},
		{`re.search("(?P<k>\\w+)=(?P<v>\\w*)", "key=").groupdict()`, `{"k": "key", "v": ""}`},
		{`re.escape("a.b")`, `"a\\.b"`},
	}
	for _, tc := range tests {
		if got := mustEval(t, tc.expr, nil).String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{`re.compile("(")`, `re.sub("a", r"\3", "a")`} {
		if _, err := evalExpr(t, 1, bad, nil); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestStdlibMisc(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`hashlib.md5("abc").hexdigest()`, `"900150983cd24fb0d6963f7d28e17f72"`},
		{`hashlib.sha1(b"abc").hexdigest()`, `"a9993e364706816aba3e25717850c26c9cd0d89d"`},
		{`hashlib.sha256("abc").hexdigest()`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{`hashlib.sha1(b"abc").digest()[:3]`, `b"\xa9\x99>"`},
		{`math.ceil(3.2)`, `4`},
		{`math.isnan(math.nan)`, `True`},
		{`calendar.timegm((2026, 2, 20, 10, 0, 0, 0, 0, 0))`, `1771581600`},
		{`len(uuid.uuid4().hex)`, `32`},
		{`uuid.uuid4().version`, `4`},
		{`type(time.time())`, `"float"`},
		{`str(datetime.UTC)`, `"UTC"`},
	}
	for _, tc := range tests {
		if got := mustEval(t, tc.expr, nil).String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
}

// TestBase64 checks module.base64 against CPython's base64 module: bytes
// in and out, str accepted by the decoders only.
func TestBase64(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`base64.b64encode(b"hello")`, `b"aGVsbG8="`},
		{`base64.b64encode(b"\xfb\xff")`, `b"+/8="`},
		{`base64.urlsafe_b64encode(b"\xfb\xff")`, `b"-_8="`},
		{`base64.standard_b64encode(b"")`, `b""`},
		{`base64.b64encode(b"\xfb\xff", altchars=b"*!")`, `b"*!8="`},
		{`base64.b64encode(hashlib.sha1(b"abc").digest())`, `b"qZk+NkcGgWq6PiVxeFDCbJzQ2J0="`},
		{`base64.b64decode("aGVsbG8=")`, `b"hello"`},
		{`base64.b64decode(b"aGVsbG8=")`, `b"hello"`},
		{`base64.b64decode("Y Q=\n=")`, `b"a"`},
		{`base64.b64decode("YQ===")`, `b"a"`},
		{`base64.b64decode("YQ==YQ==")`, `b"a"`},
		{`base64.b64decode("YW*Jj")`, `b"abc"`},
		{`base64.b64decode("====")`, `b""`},
		{`base64.b64decode("-_-_")`, `b""`},
		{`base64.urlsafe_b64decode("-_8=")`, `b"\xfb\xff"`},
		{`base64.urlsafe_b64decode("+/8=")`, `b"\xfb\xff"`},
	}
	for _, tc := range tests {
		if got := mustEval(t, tc.expr, nil).String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	errs := []struct{ expr, want string }{
		{`base64.b64encode("hello")`, `base64.b64encode: a bytes-like object is required, not 'str' (encode it first: s.encode())`},
		{`base64.b64encode(1)`, `base64.b64encode: a bytes-like object is required, not 'int'`},
		{`base64.b64decode("YQ")`, `base64.b64decode: Incorrect padding`},
		{`base64.b64decode("YQ=a")`, `base64.b64decode: Incorrect padding`},
		{`base64.b64decode("a")`, `base64.b64decode: Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4`},
		{`base64.b64decode("é")`, `base64.b64decode: string argument should contain only ASCII characters`},
		{`base64.b64decode(b"YQ==", altchars=b"-")`, `base64.b64decode: altchars must be 2 bytes`},
	}
	for _, tc := range errs {
		_, err := evalExpr(t, 1, tc.expr, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %s", tc.expr, err, tc.want)
		}
	}
}
