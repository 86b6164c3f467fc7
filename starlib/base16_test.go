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
