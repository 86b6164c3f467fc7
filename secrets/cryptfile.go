package secrets

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// The original system keeps its secrets in a keyring file of the Python
// package keyrings.cryptfile (CryptFileKeyring), service "eventum". The
// file is an INI file (Python's configparser):
//
//	[keyring_2Dsetting]
//	password_20reference =
//		<base64, wrapped at 76 columns>
//	scheme = [Argon2] AES128.GCM
//	version = 1.3.9
//
//	[eventum]
//	db_5fpassword =
//		<base64>
//
// Section and option names are escaped: every byte of the UTF-8 name that
// is not an ASCII letter or digit becomes _XX (upper-case hex; configparser
// then lower-cases option names). Each value is base64 of a JSON object
// {"salt", "data", "mac", "nonce"}, each member base64 too. The value is
// sealed with AES-128 (GCM by default; the mode is the scheme's last three
// letters) under a key derived from the keyring passphrase with Argon2id
// (time cost 15, 64 MiB, 2 lanes, 16-byte key) and that value's own
// 16-byte salt; the GCM nonce is 16 bytes and the tag ("mac") 16. The
// associated data is escape(service) + NUL + escape(name) (some versions
// write a backslash and a zero, two characters, instead of the NUL);
// values written by versions without associated data are read without it. The entry "password reference" of
// keyring-setting holds "password reference value": it tells a wrong
// passphrase from a damaged entry.

// CryptFileService is the keyring service the original stores its secrets
// under.
const CryptFileService = "eventum"

// CryptFileDefaultPassword is the passphrase the original uses when
// EVENTUM_KEYRING_PASSWORD is not set.
const CryptFileDefaultPassword = "eventum"

// The Argon2id parameters of keyrings.cryptfile (fixed, not in the file).
const (
	cryptFileTime    = 15
	cryptFileMemory  = 64 * 1024 // KiB
	cryptFileThreads = 2
	cryptFileKeyLen  = 16
)

// CryptFileSecret is one secret of an original keyring.
type CryptFileSecret struct {
	Name  string
	Value string
}

// CryptFileError names an entry of an original keyring that could not be
// read; the others are still returned.
type CryptFileError struct {
	Name string
	Err  error
}

func (e *CryptFileError) Error() string { return fmt.Sprintf("secret %q: %v", e.Name, e.Err) }
func (e *CryptFileError) Unwrap() error { return e.Err }

// ReadCryptFile decrypts the secrets stored under service in the
// keyrings.cryptfile file at path. A wrong passphrase fails with
// ErrWrongPassword; entries that cannot be decrypted are returned as
// *CryptFileError values in problems, the rest in secrets (sorted by
// name).
func ReadCryptFile(path string, passphrase []byte, service string) (secrets []CryptFileSecret, problems []error, err error) {
	data, err := readCapped(path, maxCryptFileBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("original keyring: %w", err)
	}
	ini, err := parseINI(data)
	if err != nil {
		return nil, nil, fmt.Errorf("original keyring %s: %w", path, err)
	}
	settings := ini[escapeINI("keyring-setting")]
	if settings == nil {
		return nil, nil, fmt.Errorf("original keyring %s: no [keyring_2Dsetting] section: not a keyrings.cryptfile file", path)
	}
	if scheme, ok := settings["scheme"]; ok {
		scheme = strings.TrimPrefix(scheme, "PyCryptodome ")
		if scheme != "[Argon2] AES128.GCM" {
			return nil, nil, fmt.Errorf("original keyring %s: encryption scheme %q is not supported: only the default [Argon2] AES128.GCM is read", path, scheme)
		}
	}
	ref, ok := settings[strings.ToLower(escapeINI("password reference"))]
	if !ok {
		return nil, nil, fmt.Errorf("original keyring %s: no password reference: not a keyrings.cryptfile file", path)
	}
	v, err := decryptCryptFileValue(ref, passphrase, "keyring-setting", "password reference")
	if err != nil || v != "password reference value" {
		return nil, nil, fmt.Errorf("original keyring %s: %w", path, ErrWrongPassword)
	}
	section := ini[escapeINI(service)]
	names := make([]string, 0, len(section))
	for opt := range section {
		names = append(names, opt)
	}
	sort.Strings(names)
	for _, opt := range names {
		name, err := unescapeINI(opt)
		if err != nil {
			problems = append(problems, &CryptFileError{Name: opt, Err: err})
			continue
		}
		val, err := decryptCryptFileValue(section[opt], passphrase, service, name)
		if err != nil {
			problems = append(problems, &CryptFileError{Name: name, Err: err})
			continue
		}
		secrets = append(secrets, CryptFileSecret{Name: name, Value: val})
	}
	return secrets, problems, nil
}

// maxCryptFileBytes bounds the original keyring file read whole (a
// keyring of thousands of secrets is well under a megabyte).
const maxCryptFileBytes = 16 << 20

// readCapped reads the file at path whole, failing past limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB: not a keyring file", path, limit>>20)
	}
	return data, nil
}

// cryptFileBox is the JSON inside an entry's base64.
type cryptFileBox struct {
	Salt  string `json:"salt"`
	Data  string `json:"data"`
	MAC   string `json:"mac"`
	Nonce string `json:"nonce"`
}

// decryptCryptFileValue opens one entry (service, name) of the file: with
// the associated data, else without it (older versions wrote none).
func decryptCryptFileValue(value string, passphrase []byte, service, name string) (string, error) {
	raw, err := decodeBase64Loose(value)
	if err != nil {
		return "", fmt.Errorf("entry is not base64: %w", err)
	}
	var box cryptFileBox
	if err := json.Unmarshal(raw, &box); err != nil {
		return "", fmt.Errorf("entry is not a sealed value: %w", err)
	}
	var parts [4][]byte
	for i, s := range []string{box.Salt, box.Data, box.MAC, box.Nonce} {
		if parts[i], err = decodeBase64Loose(s); err != nil {
			return "", fmt.Errorf("entry is not a sealed value: %w", err)
		}
	}
	salt, ct, mac, nonce := parts[0], parts[1], parts[2], parts[3]
	if len(nonce) == 0 || len(mac) != 16 {
		return "", errors.New("entry is not an AES-GCM sealed value")
	}
	key := argon2.IDKey(passphrase, salt, cryptFileTime, cryptFileMemory, cryptFileThreads, cryptFileKeyLen)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	aead, err := cipher.NewGCMWithNonceSize(block, len(nonce))
	if err != nil {
		return "", err
	}
	sealed := append(append([]byte(nil), ct...), mac...)
	for _, sep := range []string{"\x00", `\0`} {
		assoc := []byte(escapeINI(service) + sep + escapeINI(name))
		if plain, err := aead.Open(nil, nonce, sealed, assoc); err == nil {
			return string(plain), nil
		}
	}
	plain, err := aead.Open(nil, nonce, sealed, nil)
	if err != nil {
		return "", errors.New("cannot be decrypted (written with another passphrase, or damaged)")
	}
	return string(plain), nil
}

// decodeBase64Loose decodes base64 ignoring whitespace, as Python's
// base64.decodebytes does with the line breaks encodebytes writes.
func decodeBase64Loose(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

// escapeINI is keyrings' escape: ASCII letters and digits stay, every
// other byte of the UTF-8 text becomes _XX.
func escapeINI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "_%02X", c)
	}
	return b.String()
}

// unescapeINI reverses escapeINI (either case of hex digits).
func unescapeINI(s string) (string, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(n))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	out := string(b)
	if !utf8.ValidString(out) {
		return "", fmt.Errorf("name %q is not UTF-8 once unescaped", s)
	}
	return out, nil
}

// parseINI reads the INI files configparser writes: [section] headers,
// `key = value` (or `key: value`) options whose keys are lower-cased,
// continuation lines (indented) joined with newlines, # and ; comments.
func parseINI(data []byte) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	var section map[string]string
	var key string // the option continuation lines extend
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(text)
		switch {
		case trimmed == "":
			// configparser keeps an empty line inside a value; base64 ignores it.
		case strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";"):
		case text[0] == ' ' || text[0] == '\t':
			if section == nil || key == "" {
				return nil, fmt.Errorf("line %d: continuation line outside an option", line)
			}
			section[key] += "\n" + trimmed
		case strings.HasPrefix(trimmed, "["):
			end := strings.Index(trimmed, "]")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated section header", line)
			}
			name := trimmed[1:end]
			if out[name] == nil {
				out[name] = map[string]string{}
			}
			section, key = out[name], ""
		default:
			if section == nil {
				return nil, fmt.Errorf("line %d: option outside a section", line)
			}
			i := strings.IndexAny(text, "=:")
			if i < 0 {
				return nil, fmt.Errorf("line %d: expected key = value", line)
			}
			key = strings.ToLower(strings.TrimSpace(text[:i]))
			section[key] = strings.TrimSpace(text[i+1:])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
