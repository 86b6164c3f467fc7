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
