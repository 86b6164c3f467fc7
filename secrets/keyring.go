// Package secrets is eventum's encrypted keyring: a file holding named
// secrets, sealed with XChaCha20-Poly1305 under a key derived from a
// passphrase with Argon2id. `${secrets.name}` in config files resolves from it.
package secrets

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// PasswordEnv holds the keyring passphrase.
const PasswordEnv = "EVENTUM_KEYRING_PASSWORD"

// ErrNoPassword is returned when the keyring is used without a passphrase.
var ErrNoPassword = errors.New("keyring: no passphrase: set " + PasswordEnv)

// ErrWrongPassword is returned when the file cannot be opened with the passphrase
// (wrong passphrase or tampered file: the two cannot be told apart).
var ErrWrongPassword = errors.New("keyring: wrong passphrase or corrupted keyring file")

// KDF are the Argon2id parameters; they are stored in the file.
type KDF struct {
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
}

// DefaultKDF follows RFC 9106's second recommended option (64 MiB, t=3).
var defaultKDF = KDF{Time: 3, Memory: 64 * 1024, Threads: 2}

const formatVersion = 1

// file is the on-disk layout (JSON). Only names and the sealed box are
// stored; the names are inside the box too, so nothing leaks but the count
// of bytes.
type file struct {
	Version    int    `json:"version"`
	Cipher     string `json:"cipher"`
	KDF        string `json:"kdf"`
	Params     KDF    `json:"kdf_params"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// Keyring is an open keyring file. It is safe for concurrent use within one
// process; writes replace the file atomically.
type Keyring struct {
	path string
	mu   sync.Mutex
	key  []byte
	salt []byte
	kdf  KDF
	m    map[string]string
	seen fileStamp // the file version m was read from (zero: no file yet)
}

// fileStamp identifies a version of the file, to notice changes made by
// another process (`eventum secrets set` while the server runs).
type fileStamp struct {
	size int64
	mod  int64
}

func stampOf(fi fs.FileInfo) fileStamp { return fileStamp{fi.Size(), fi.ModTime().UnixNano()} }

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`)

// ValidName reports whether name can name a secret: a letter or underscore
// followed by letters, digits, '_', '.', '-' (at most 128 characters).
func ValidName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("keyring: invalid secret name %q: use letters, digits, '_', '.', '-', starting with a letter or '_'", name)
	}
	return nil
}

// Open opens the keyring at path with passphrase, or prepares a new empty one
// (created on the first Set) when the file does not exist.
func Open(path string, passphrase []byte) (*Keyring, error) {
	return open(path, passphrase, defaultKDF)
}

// OpenEnv opens the keyring with the passphrase from EVENTUM_KEYRING_PASSWORD.
func OpenEnv(path string) (*Keyring, error) {
	p, ok := os.LookupEnv(PasswordEnv)
	if !ok || p == "" {
		return nil, ErrNoPassword
	}
	return Open(path, []byte(p))
}

func open(path string, passphrase []byte, kdf KDF) (*Keyring, error) {
	if len(passphrase) == 0 {
		return nil, ErrNoPassword
	}
	k := &Keyring{path: path, m: map[string]string{}}
	data, stamp, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k.kdf = kdf
		k.salt = make([]byte, 16)
		if _, err := rand.Read(k.salt); err != nil {
			return nil, fmt.Errorf("keyring: salt: %w", err)
		}
		k.key = derive(passphrase, k.salt, kdf)
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: read %s: %w", path, err)
	}
	if err := k.load(data, stamp, passphrase); err != nil {
		return nil, err
	}
	return k, nil
}

func readFile(path string) ([]byte, fileStamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileStamp{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileStamp{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, 64<<20))
	return data, stampOf(fi), err
}

// load decrypts data into k. With passphrase nil it reuses k's key, which
// must match the file's salt and parameters.
func (k *Keyring) load(data []byte, stamp fileStamp, passphrase []byte) error {
	path := k.path
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("keyring: %s is not a keyring file: %w", path, err)
	}
	if f.Version != formatVersion || f.Cipher != "xchacha20poly1305" || f.KDF != "argon2id" {
		return fmt.Errorf("keyring: %s: unsupported format (version %d, cipher %q, kdf %q)", path, f.Version, f.Cipher, f.KDF)
	}
	if f.Params.Time < 1 || f.Params.Threads < 1 || f.Params.Memory < 8*uint32(f.Params.Threads) || f.Params.Memory > 4<<20 || f.Params.Time > 100 {
		return fmt.Errorf("keyring: %s: implausible key derivation parameters", path)
	}
	if len(f.Salt) < 16 || len(f.Nonce) != chacha20poly1305.NonceSizeX {
		return fmt.Errorf("keyring: %s: malformed salt or nonce", path)
	}
	key := k.key
	if passphrase != nil {
		key = derive(passphrase, f.Salt, f.Params)
	} else if f.Params != k.kdf || string(f.Salt) != string(k.salt) {
		return fmt.Errorf("keyring: %s was re-created with other parameters: open it again", path)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	plain, err := aead.Open(nil, f.Nonce, f.Ciphertext, header(f))
	if err != nil {
		return ErrWrongPassword
	}
	defer clear(plain)
	m := map[string]string{}
	if err := json.Unmarshal(plain, &m); err != nil {
		return fmt.Errorf("keyring: %s: malformed contents", path)
	}
	k.key, k.kdf, k.salt, k.m, k.seen = key, f.Params, f.Salt, m, stamp
	return nil
}

// refresh re-reads the file when another process changed it. Callers hold k.mu.
func (k *Keyring) refresh() error {
	fi, err := os.Stat(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("keyring: read %s: %w", k.path, err)
	}
	if stampOf(fi) == k.seen {
		return nil
	}
	data, stamp, err := readFile(k.path)
	if err != nil {
		return fmt.Errorf("keyring: read %s: %w", k.path, err)
	}
	return k.load(data, stamp, nil)
}

func derive(pass, salt []byte, p KDF) []byte {
	return argon2.IDKey(pass, salt, p.Time, p.Memory, p.Threads, chacha20poly1305.KeySize)
}

// header is the associated data: the parameters are authenticated with the
// contents, so a file with altered parameters does not open.
func header(f file) []byte {
	b, _ := json.Marshal(struct {
		V    int
		C, K string
		P    KDF
		S    []byte
	}{f.Version, f.Cipher, f.KDF, f.Params, f.Salt})
	return b
}

// Path is the keyring file.
func (k *Keyring) Path() string { return k.path }

// Get returns the secret name; ok is false when it is not stored. Changes
// made to the file by another process are picked up.
func (k *Keyring) Get(name string) (value string, ok bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.refresh(); err != nil {
		return "", false, err
	}
	v, ok := k.m[name]
	return v, ok, nil
}

// Names lists the stored secret names, sorted.
func (k *Keyring) Names() ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.refresh(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(k.m))
	for n := range k.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Set stores value under name and writes the file.
func (k *Keyring) Set(name, value string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.refresh(); err != nil {
		return err
	}
	old, had := k.m[name]
	k.m[name] = value
	if err := k.save(); err != nil {
		if had {
			k.m[name] = old
		} else {
			delete(k.m, name)
		}
		return err
	}
	return nil
}

// Delete removes name and writes the file; ok is false when it was not stored.
func (k *Keyring) Delete(name string) (ok bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.refresh(); err != nil {
		return false, err
	}
	old, had := k.m[name]
	if !had {
		return false, nil
	}
	delete(k.m, name)
	if err := k.save(); err != nil {
		k.m[name] = old
		return false, err
	}
	return true, nil
}

// save seals the map under a fresh random nonce and replaces the file
// atomically (temporary file in the same directory, fsync, rename), mode 0600.
func (k *Keyring) save() error {
	plain, err := json.Marshal(k.m)
	if err != nil {
		return fmt.Errorf("keyring: encode: %w", err)
	}
	defer clear(plain)
	f := file{Version: formatVersion, Cipher: "xchacha20poly1305", KDF: "argon2id", Params: k.kdf, Salt: k.salt,
		Nonce: make([]byte, chacha20poly1305.NonceSizeX)}
	if _, err := rand.Read(f.Nonce); err != nil {
		return fmt.Errorf("keyring: nonce: %w", err)
	}
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	f.Ciphertext = aead.Seal(nil, f.Nonce, plain, header(f))
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("keyring: encode: %w", err)
	}
	if err := writeAtomic(k.path, data); err != nil {
		return err
	}
	if fi, err := os.Stat(k.path); err == nil {
		k.seen = stampOf(fi)
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keyring: create directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".keyring-*")
	if err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	ok = true
	return nil
}
