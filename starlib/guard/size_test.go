package guard

import "testing"

func TestSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"16777216", 16 << 20, true},
		{"64MiB", 64 << 20, true},
		{"64 MiB", 64 << 20, true},
		{"2g", 2 << 30, true},
		{"512KB", 512 << 10, true},
		{"-1", 0, false},
		{"lots", 0, false},
		{"5TiB", 0, false},
	} {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
	for n, want := range map[int64]string{16 << 20: "16 MiB", 1 << 30: "1 GiB", 2048: "2 KiB", 1536: "1536 bytes"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
