package formatters

import (
	"slices"
	"testing"
)

// TestSetStamps: each payload gets its event's timestamp, skipping the
// events the formatter could not format; a packing payload gets its
// first event's.
func TestSetStamps(t *testing.T) {
	stamps := []int64{10, 20, 30, 40, 50}
	tests := []struct {
		name   string
		f      Formatter
		events []string
		want   []int64
	}{
		{"plain", Plain{}, []string{"a", "b", "c", "d", "e"}, stamps},
		{"json skips invalid", &JSON{}, []string{`{"a":1}`, `x`, `y`, `{"b":2}`, `z`}, []int64{10, 40}},
		{"json first invalid", &JSON{}, []string{`x`, `{"a":1}`, `{"b":2}`, `y`, `{"c":3}`}, []int64{20, 30, 50}},
		{"json all invalid", &JSON{}, []string{`x`, `y`, `z`, `w`, `v`}, nil},
		{"json-batch", &JSONBatch{}, []string{`{"a":1}`, `{"b":2}`, `{"c":3}`, `{"d":4}`, `{"e":5}`}, []int64{10}},
		{"eventum-http-input", EventumHTTPInput{}, []string{"a", "b", "c", "d", "e"}, []int64{10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out Formatted
			for range 2 { // a reused Formatted starts afresh
				tc.f.Format(tc.events, &out)
				out.SetStamps(stamps)
				if !slices.Equal(out.Stamps, tc.want) || len(out.Stamps) != len(out.Payloads) {
					t.Fatalf("stamps %v for %d payloads, want %v", out.Stamps, len(out.Payloads), tc.want)
				}
			}
			out.SetStamps(nil)
			if len(out.Stamps) != 0 {
				t.Fatalf("no timestamps given, got %v", out.Stamps)
			}
		})
	}
}
