package starlib

import (
	"reflect"
	"testing"
	"time"
)

func TestConvertRoundTrip(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)
	in := map[string]any{
		"b": true, "i": int64(3), "f": 1.5, "s": "x", "n": nil,
		"l": []any{int64(1), "two", []any{}}, "m": map[string]any{"k": "v"}, "t": ts, "d": time.Second,
	}
	v, err := ToStarlark(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(); got[:10] != `{"b": True` {
		t.Errorf("keys not sorted: %s", got)
	}
	if out := FromStarlark(v); !reflect.DeepEqual(out, in) {
		t.Errorf("round trip:\n got %#v\nwant %#v", out, in)
	}
	if _, err := ToStarlark(map[string]any{"c": make(chan int)}); err == nil {
		t.Error("want an error for a channel")
	}
	if v, err := ToStarlark([]int{1, 2}); err != nil || v.String() != "[1, 2]" {
		t.Errorf("[]int: %v %v", v, err)
	}
}
