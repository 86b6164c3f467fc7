package outputs

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestScanJSONObject(t *testing.T) {
	t.Parallel()
	slots := map[string]int{"a": 0, "b": 1, "c\"d": 2}
	tests := []struct {
		in      string
		wantErr bool
		want    [3]string // kind:text per slot
	}{
		{in: `{"a": 1, "b": "x", "z": [1, {"a": 2}]}`, want: [3]string{"number:1", "string:x", "absent:"}},
		{in: ` { "a" : null , "b":"\u00e9\n" , "c\"d": {"k": [true, false]} } `, want: [3]string{"null:null", "string:é\n", `object:{"k": [true, false]}`}},
		{in: `{"a": 1, "a": -2.5e+3}`, want: [3]string{"number:-2.5e+3", "absent:", "absent:"}},
		{in: `{"\u0061": "\ud83d\ude00"}`, want: [3]string{"string:😀", "absent:", "absent:"}},
		{in: `{}`, want: [3]string{"absent:", "absent:", "absent:"}},
		{in: `[1]`, wantErr: true},
		{in: `"s"`, wantErr: true},
		{in: ``, wantErr: true},
		{in: `{"a": 01}`, wantErr: true},
		{in: `{"a": 1,}`, wantErr: true},
		{in: `{"a": 1} x`, wantErr: true},
		{in: `{"a": "x\q"}`, wantErr: true},
		{in: "{\"a\": \"tab\there\"}", wantErr: true},
		{in: `{"a": tru}`, wantErr: true},
		{in: `{"a": [1 2]}`, wantErr: true},
		{in: `{"a": -}`, wantErr: true},
		{in: `{"a": 1.}`, wantErr: true},
		{in: `{"a" 1}`, wantErr: true},
		{in: `{"a": {"b": 1}`, wantErr: true},
	}
	for _, tt := range tests {
		vals := make([]jsonValue, 3)
		err := scanJSONObject(tt.in, slots, vals)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		for i, v := range vals {
			if got := v.kind.String() + ":" + v.text(); got != tt.want[i] {
				t.Errorf("%s: slot %d = %q, want %q", tt.in, i, got, tt.want[i])
			}
		}
	}
}

func FuzzScanJSONObject(f *testing.F) {
	for _, s := range []string{`{"a": 1}`, `{"a": "x\u00e9", "b": [1, {"c": null}]}`, `[1]`, `{"a": 1e5}`, `{"a":"\ud800"}`} {
		f.Add(s)
	}
	slots := map[string]int{"a": 0}
	var hint jsonKeyHint // learned across inputs, as a pooled writer state does
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // encoding/json rewrites invalid UTF-8; the outputs reject it first
		}
		vals := make([]jsonValue, 1)
		err := scanJSONObject(s, slots, vals)
		hvals := make([]jsonValue, 1)
		if herr := scanJSONObjectHinted(s, slots, &hint, hvals); (herr == nil) != (err == nil) || hvals[0] != vals[0] {
			t.Fatalf("%q: with a key hint %v %+v, without %v %+v", s, herr, hvals[0], err, vals[0])
		}
		var obj map[string]json.RawMessage
		stdErr := json.Unmarshal([]byte(s), &obj)
		if (err == nil) != (stdErr == nil && obj != nil) {
			t.Fatalf("%q: scanner err %v, encoding/json err %v", s, err, stdErr)
		}
		if err != nil || vals[0].kind == jsonAbsent {
			return
		}
		// The value must match what encoding/json saw for "a" (last one wins).
		var want, got any
		if json.Unmarshal(obj["a"], &want) != nil {
			t.Fatalf("%q: encoding/json cannot read member a", s)
		}
		raw := vals[0].raw
		if vals[0].kind == jsonString {
			raw = `"` + raw + `"`
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatalf("%q: scanned value %q is not JSON: %v", s, raw, err)
		}
		if wb, _ := json.Marshal(want); string(wb) != func() string { gb, _ := json.Marshal(got); return string(gb) }() {
			t.Fatalf("%q: member a = %s, encoding/json says %s", s, raw, wb)
		}
		if vals[0].kind == jsonString && vals[0].text() != want.(string) {
			t.Fatalf("%q: text %q, want %q", s, vals[0].text(), want)
		}
	})
}
