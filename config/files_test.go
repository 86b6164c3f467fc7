package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFileCap(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yml")
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(small, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, 2<<10+1), 0o644); err != nil {
		t.Fatal(err)
	}
	prev := SetMaxFileBytes(2 << 10)
	t.Cleanup(func() { SetMaxFileBytes(prev) })

	tests := []struct {
		name, path string
		want       string // "" means success
	}{
		{"small file", small, ""},
		{"regular file over the cap", big, big + ": the file is larger than 2 KiB"},
		{"endless device", "/dev/zero", "/dev/zero: the file is larger than 2 KiB"},
		{"missing file", filepath.Join(dir, "nope.yml"), "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path == "/dev/zero" {
				if _, err := os.Stat(tc.path); err != nil {
					t.Skip("no /dev/zero")
				}
			}
			data, err := ReadFile(tc.path)
			if tc.want == "" {
				if err != nil || string(data) != "a: 1\n" {
					t.Fatalf("ReadFile = %q, %v", data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var tl *FileTooLargeError
			if strings.Contains(tc.want, "larger") && (!errors.As(err, &tl) || !strings.Contains(err.Error(), MaxFileBytesEnv)) {
				t.Fatalf("err = %v, want a FileTooLargeError naming %s", err, MaxFileBytesEnv)
			}
		})
	}
	// Load (config files) goes through the cap and names the file.
	if _, err := Load(big, Vars{}); err == nil || !strings.Contains(err.Error(), "read config: "+big+": the file is larger") {
		t.Fatalf("Load: %v", err)
	}
	// Exactly at the cap is fine.
	exact := filepath.Join(dir, "exact")
	if err := os.WriteFile(exact, make([]byte, 2<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(exact); err != nil || len(data) != 2<<10 {
		t.Fatalf("file at the cap: %d bytes, %v", len(data), err)
	}
}

func TestByteSize(t *testing.T) {
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
		got, err := ParseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v", tc.in, got, err)
		}
	}
	for n, want := range map[int64]string{16 << 20: "16 MiB", 1 << 30: "1 GiB", 2048: "2 KiB", 1536: "1536 bytes"} {
		if got := FormatByteSize(n); got != want {
			t.Errorf("FormatByteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
