package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/original-cryptfile.cfg was written by testdata/make_cryptfile.py
// (keyrings.cryptfile's format, passphrase "orig-pass").
const originalFixture = "testdata/original-cryptfile.cfg"

func TestReadCryptFile(t *testing.T) {
	t.Parallel()
	got, problems, err := ReadCryptFile(originalFixture, []byte("orig-pass"), CryptFileService)
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v, problems %v", err, problems)
	}
	want := []CryptFileSecret{
		{"api.token", "tok-" + strings.Repeat("x", 80)},
		{"db_password", "s3cret: #not-yaml"},
		{"greeting", "grüße ☃"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d secrets, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("secret %d = %q (%d bytes), want %q", i, got[i].Name, len(got[i].Value), want[i].Name)
		}
	}
}

func TestReadCryptFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(originalFixture)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path, pass, want string
		wrongPass              bool
	}{
		{"wrong passphrase", originalFixture, "nope", "", true},
		{"missing file", filepath.Join(dir, "absent.cfg"), "orig-pass", "no such file", false},
		{"not a keyring", write("plain.cfg", "[other]\na = 1\n"), "orig-pass", "not a keyrings.cryptfile file", false},
		{"other AES mode", write("eax.cfg", strings.Replace(string(data), "AES128.GCM", "AES128.EAX", 1)), "orig-pass",
			`encryption scheme "[Argon2] AES128.EAX" is not supported`, false},
		{"bad INI", write("bad.cfg", "a = 1\n"), "orig-pass", "line 1: option outside a section", false},
	} {
		_, _, err := ReadCryptFile(tc.path, []byte(tc.pass), CryptFileService)
		switch {
		case tc.wrongPass && !errors.Is(err, ErrWrongPassword):
			t.Errorf("%s: error %v, want ErrWrongPassword", tc.name, err)
		case !tc.wrongPass && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A damaged entry is reported by name; the others are still read.
func TestReadCryptFileDamagedEntry(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(originalFixture)
	if err != nil {
		t.Fatal(err)
	}
	// Swap the sealed values of two entries: each is then opened with the
	// other's associated data, which fails.
	text := string(data)
	ini, err := parseINI(data)
	if err != nil {
		t.Fatal(err)
	}
	a, b := ini["eventum"]["greeting"], ini["eventum"]["db_5fpassword"]
	tab := func(v string) string { return strings.ReplaceAll(v, "\n", "\n\t") }
	text = strings.Replace(text, tab(a), "@A@", 1)
	text = strings.Replace(text, tab(b), tab(a), 1)
	text = strings.Replace(text, "@A@", tab(b), 1)
	// Leave api.token out: one Argon2 derivation less (each takes a second).
	text = strings.Replace(text, "api_2etoken = "+tab(ini["eventum"]["api_2etoken"])+"\n", "", 1)
	p := filepath.Join(t.TempDir(), "swapped.cfg")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got, problems, err := ReadCryptFile(p, []byte("orig-pass"), CryptFileService)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 || len(problems) != 2 ||
		!strings.Contains(problems[0].Error(), `secret "db_password": cannot be decrypted`) {
		t.Fatalf("secrets %v, problems %v", got, problems)
	}
}

func TestEscapeINI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, escaped string }{
		{"keyring-setting", "keyring_2Dsetting"},
		{"password reference", "password_20reference"},
		{"db_password", "db_5Fpassword"},
		{"api.token", "api_2Etoken"},
		{"grüße", "gr_C3_BC_C3_9Fe"},
	} {
		if got := escapeINI(tc.name); got != tc.escaped {
			t.Errorf("escape(%q) = %q, want %q", tc.name, got, tc.escaped)
		}
		for _, form := range []string{tc.escaped, strings.ToLower(tc.escaped)} {
			if got, err := unescapeINI(form); err != nil || got != tc.name {
				t.Errorf("unescape(%q) = %q, %v", form, got, err)
			}
		}
	}
}
