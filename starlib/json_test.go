package starlib

import "testing"

// Expected strings are CPython's json.dumps output for the same data.
func TestJSONDumpsMatchesPython(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{`json.dumps({"a": 1, "b": [1, 2.5, 1e16, 1e-5, 100.0, 0.1, -0.0], "c": None, "d": True, "é": "x\n\"\\\u2028\U0001F600\x7f\x01"})`,
			`{"a": 1, "b": [1, 2.5, 1e+16, 1e-05, 100.0, 0.1, -0.0], "c": null, "d": true, "\u00e9": "x\n\"\\\u2028\ud83d\ude00\u007f\u0001"}`},
		{`json.dumps({"b": 1, "a": {"z": []}, "c": {}}, indent=2, sort_keys=True)`,
			"{\n  \"a\": {\n    \"z\": []\n  },\n  \"b\": 1,\n  \"c\": {}\n}"},
		{`json.dumps([1, {"a": "é"}], ensure_ascii=False, separators=(",", ":"))`, `[1,{"a":"é"}]`},
		{`json.dumps({1: 2, 2.5: 3, None: 0})`, `{"1": 2, "2.5": 3, "null": 0}`},
		{`json.dumps({10: "a", 9: "b", 2.5: "c"}, sort_keys=True)`, `{"2.5": "c", "9": "b", "10": "a"}`},
		{`json.dumps((1, "two"))`, `[1, "two"]`},
		{`json.dumps(123456789012345678901234567890)`, `123456789012345678901234567890`},
		{`json.dumps(float("inf"))`, `Infinity`},
		{`json.dumps(1771581600.0)`, `1771581600.0`},
		{`json.dumps(0.0001)`, `0.0001`},
		{`json.dumps(1e22)`, `1e+22`},
		{`json.dumps(json.loads('{"z": 1, "a": [1.5, "x", null, true]}'))`, `{"z": 1, "a": [1.5, "x", null, true]}`},
	}
	for _, tc := range tests {
		v, err := evalExpr(t, 1, tc.expr, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := str(v); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{`json.dumps(module)`, `json.dumps({(1, 2): 3})`, `json.loads("{")`} {
		if _, err := evalExpr(t, 1, bad, nil); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestAppendJSONHTMLSafe(t *testing.T) {
	t.Parallel()
	v := mustEval(t, `{"a": "<b attr='x'>&</b>"}`, nil)
	opts := DefaultJSON
	opts.HTMLSafe = true
	b, err := AppendJSON(nil, v, &opts)
	if want := `{"a": "\u003cb attr=\u0027x\u0027\u003e\u0026\u003c/b\u003e"}`; err != nil || string(b) != want {
		t.Fatalf("got %s (%v), want %s", b, err, want)
	}
	if b, _ := AppendJSON(nil, v, &DefaultJSON); string(b) != `{"a": "<b attr='x'>&</b>"}` {
		t.Fatalf("without HTMLSafe: %s", b)
	}
}

func TestRoundAndSum(t *testing.T) {
	t.Parallel()
	// CPython: round(x, 2), round(x), round(x, -1)
	tests := []struct{ expr, want string }{
		{`[round(x, 2) for x in (2.675, 0.125, 0.375, 2.5, -2.5, 1234.5678)]`, "[2.67, 0.12, 0.38, 2.5, -2.5, 1234.57]"},
		{`[round(x) for x in (2.675, 0.125, 2.5, 3.5, -2.5, 1234.5678)]`, "[3, 0, 2, 4, -2, 1235]"},
		{`round(1234.5678, -1)`, "1230.0"},
		{`[round(x, -1) for x in (15, 25, -15)] + [round(1234, -2), round(7, 2)]`, "[20, 20, -20, 1200, 7]"},
		{`sum([1, 2, 3.5])`, "6.5"},
		{`sum([[1], [2]], [])`, "[1, 2]"},
	}
	for _, tc := range tests {
		if got := str(mustEval(t, tc.expr, nil)); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
}

func BenchmarkJSONDumps(b *testing.B) {
	v := mustEval(b, `{"timestamp": "2026-02-20T10:00:00+00:00", "service": "api-gateway", "cpu_percent": 42.3, "memory_mb": 512, "tags": ["a", "b"]}`, nil)
	opts := DefaultJSON
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendJSON(buf[:0], v, &opts); err != nil {
			b.Fatal(err)
		}
	}
}
