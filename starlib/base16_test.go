package starlib

import "testing"

// TestBase16And32 checks base64.b16*/b32* against CPython's base64 module.
func TestBase16And32(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`base64.b16encode(b"\x0a\xff")`, `b"0AFF"`},
		{`base64.b16decode("0AFF")`, `b"\n\xff"`},
		{`base64.b16decode(b"0aff", casefold=True)`, `b"\n\xff"`},
		{`base64.b32encode(b"hello")`, `b"NBSWY3DP"`},
		{`base64.b32encode(b"a")`, `b"ME======"`},
		{`base64.b32decode("ME======")`, `b"a"`},
		{`base64.b32decode(b"nbswy3dp", casefold=True)`, `b"hello"`},
	}
	for _, tc := range tests {
		if got := mustEval(t, tc.expr, nil).String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	errs := []struct{ expr, want string }{
		{`base64.b16encode("ab")`, `base64.b16encode: a bytes-like object is required, not 'str' (encode it first: s.encode())`},
		{`base64.b16decode("0aff")`, `base64.b16decode: Non-base16 digit found`},
		{`base64.b16decode("ABC")`, `base64.b16decode: Odd-length string`},
		{`base64.b32decode("ME")`, `base64.b32decode: Incorrect padding or non-base32 digit found`},
	}
	for _, tc := range errs {
		_, err := evalExpr(t, 1, tc.expr, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %s", tc.expr, err, tc.want)
		}
	}
}

// TestUUIDConstructor checks uuid.UUID(...) against CPython's uuid module.
func TestUUIDConstructor(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`str(uuid.UUID(int=5, version=4))`, `"00000000-0000-4000-8000-000000000005"`},
		{`str(uuid.UUID(int=340282366920938463463374607431768211455))`, `"ffffffff-ffff-ffff-ffff-ffffffffffff"`},
		{`str(uuid.UUID("{12345678-1234-5678-1234-567812345678}"))`, `"12345678-1234-5678-1234-567812345678"`},
		{`uuid.UUID(hex="12345678123456781234567812345678").hex`, `"12345678123456781234567812345678"`},
		{`str(uuid.UUID(bytes=b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", version=1))`, `"00112233-4455-1677-8899-aabbccddeeff"`},
	}
	for _, tc := range tests {
		if got := mustEval(t, tc.expr, nil).String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	errs := []struct{ expr, want string }{
		{`uuid.UUID()`, `uuid.UUID: one of the hex, bytes or int arguments must be given`},
		{`uuid.UUID("xyz")`, `uuid.UUID: badly formed hexadecimal UUID string`},
		{`uuid.UUID(int=-1)`, `uuid.UUID: int is out of range (need a 128-bit value)`},
	}
	for _, tc := range errs {
		_, err := evalExpr(t, 1, tc.expr, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %s", tc.expr, err, tc.want)
		}
	}
}
