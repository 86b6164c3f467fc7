package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

var fastKDF = KDF{Time: 1, Memory: 64, Threads: 1}

func TestRoundTripAndReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "cryptfile.cfg")
	k, err := open(path, []byte("pw"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set("db_password", "s3cr3t-value"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set("token", "t0k"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	for _, leak := range []string{"s3cr3t-value", "db_password", "t0k"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("file contains %q in clear", leak)
		}
	}

	k2, err := Open(path, []byte("pw")) // parameters come from the file
	if err != nil {
		t.Fatal(err)
	}
	v, ok, err := k2.Get("db_password")
	if err != nil || !ok || v != "s3cr3t-value" {
		t.Fatalf("Get = %q %v %v", v, ok, err)
	}
	names, _ := k2.Names()
	if len(names) != 2 || names[0] != "db_password" || names[1] != "token" {
		t.Fatalf("Names = %v", names)
	}
	if ok, err := k2.Delete("token"); !ok || err != nil {
		t.Fatalf("Delete = %v %v", ok, err)
	}
	if ok, err := k2.Delete("token"); ok || err != nil {
		t.Fatalf("second Delete = %v %v", ok, err)
	}
	// k sees k2's change (another process, same file).
	if _, ok, err := k.Get("token"); ok || err != nil {
		t.Fatalf("stale read after delete elsewhere: %v %v", ok, err)
	}
	if err := k.Set("new", "n"); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := k2.Get("new"); !ok || v != "n" {
		t.Fatalf("k2 does not see k's write: %q %v", v, ok)
	}
}

func TestWrongPasswordAndTampering(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k")
	k, err := open(path, []byte("right"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set("a", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, []byte("wrong")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong passphrase: err = %v", err)
	}
	if _, err := Open(path, nil); !errors.Is(err, ErrNoPassword) {
		t.Fatalf("no passphrase: err = %v", err)
	}
	raw, _ := os.ReadFile(path)
	// Weaken the stored parameters: authenticated data must reject it.
	tampered := bytes.Replace(raw, []byte(`"time": 1`), []byte(`"time": 2`), 1)
	if bytes.Equal(tampered, raw) {
		t.Fatal("test did not tamper")
	}
	if err := os.WriteFile(path, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, []byte("right")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("tampered file: err = %v", err)
	}
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, []byte("right")); err == nil {
		t.Fatal("garbage file opened")
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"db_password", true}, {"_x", true}, {"a.b-c", true},
		{"", false}, {"1abc", false}, {"a b", false}, {"../x", false}, {"a/b", false},
	} {
		if err := ValidName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidName(%q) = %v", tc.name, err)
		}
	}
	k, err := open(filepath.Join(t.TempDir(), "k"), []byte("p"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set("bad name", "v"); err == nil {
		t.Fatal("Set accepted an invalid name")
	}
}
