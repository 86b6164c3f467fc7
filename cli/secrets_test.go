package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSecretsCommands(t *testing.T) {
	t.Setenv("EVENTUM_KEYRING_PASSWORD", "pw")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "eventum.yml")
	if err := os.WriteFile(cfg, []byte("path.keyring_cryptfile: keys/cryptfile.cfg\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, args ...string) (string, string, int) {
		var out, errw bytes.Buffer
		app := NewApp(&out, &errw)
		app.Reader = strings.NewReader(stdin)
		code := 0
		if err := app.Run(append([]string{"eventum", "secrets"}, args...)); err != nil {
			code = 1
			errw.WriteString(err.Error())
		}
		return out.String(), errw.String(), code
	}
	if _, e, code := run("", "set", "--config", cfg, "--value", "v1", "db_password"); code != 0 {
		t.Fatalf("set: %s", e)
	}
	if _, e, code := run("from-stdin\n", "set", "--config", cfg, "token"); code != 0 {
		t.Fatalf("set from stdin: %s", e)
	}
	if out, _, _ := run("", "list", "--config", cfg); out != "db_password\ntoken\n" {
		t.Fatalf("list = %q", out)
	}
	if out, _, _ := run("", "get", "--cryptfile", filepath.Join(dir, "keys/cryptfile.cfg"), "token"); out != "from-stdin\n" {
		t.Fatalf("get = %q", out)
	}
	if _, _, code := run("", "delete", "--config", cfg, "token"); code != 0 {
		t.Fatal("delete failed")
	}
	if _, e, code := run("", "get", "--config", cfg, "token"); code == 0 || !strings.Contains(e, "not stored") {
		t.Fatalf("get deleted: %d %s", code, e)
	}
	if _, e, code := run("", "set", "--config", cfg, "--value", "x", "bad name"); code == 0 || !strings.Contains(e, "invalid secret name") {
		t.Fatalf("bad name: %d %s", code, e)
	}
	t.Setenv("EVENTUM_KEYRING_PASSWORD", "wrong")
	if _, e, code := run("", "list", "--config", cfg); code == 0 || !strings.Contains(e, "wrong passphrase") {
		t.Fatalf("wrong passphrase: %d %s", code, e)
	}
}

func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"eventum.yml":          "server.port: 0\npath.startup: startup.yml\npath.generators_dir: gens\n",
		"startup.yml":          "- {id: g, path: g, live_mode: false}\n",
		"gens/g/generator.yml": "input:\n  - static: {count: 5}\nevent:\n  script: {path: p.star}\noutput:\n  - file: {path: out.log}\n",
		"gens/g/p.star":        "def produce(params):\n    return 'e'\n",
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	errw := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- NewApp(&out, errw).RunContext(ctx, []string{"eventum", "run", "--config", filepath.Join(dir, "eventum.yml")})
	}()
	addrRE := regexp.MustCompile(`address=(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; {
		if m := addrRE.FindStringSubmatch(errw.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no address in logs:\n%s", errw.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "gens/g/out.log"))
	if string(data) != "e\ne\ne\ne\ne\n" {
		t.Fatalf("out.log = %q", data)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// `eventum secrets import --from` copies the original's keyring
// (secrets/testdata/original-cryptfile.cfg, passphrase "orig-pass") into
// this one; a secret already stored here is kept; values are never printed.
func TestSecretsImport(t *testing.T) {
	t.Setenv("EVENTUM_KEYRING_PASSWORD", "new-pass")
	t.Setenv("EVENTUM_TEST_ORIGINAL_PW", "orig-pass")
	dest := filepath.Join(t.TempDir(), "cryptfile.cfg")
	run := func(args ...string) (string, string, int) {
		var out, errw bytes.Buffer
		app := NewApp(&out, &errw)
		code := 0
		if err := app.Run(append([]string{"eventum", "secrets"}, args...)); err != nil {
			code = 1
			errw.WriteString(err.Error())
		}
		return out.String(), errw.String(), code
	}
	if _, e, code := run("set", "--cryptfile", dest, "--value", "kept-value", "greeting"); code != 0 {
		t.Fatalf("set: %s", e)
	}
	from := filepath.Join("..", "secrets", "testdata", "original-cryptfile.cfg")
	_, e, code := run("import", "--cryptfile", dest, "--from", from, "--from-password-env", "EVENTUM_TEST_ORIGINAL_PW")
	if code != 0 {
		t.Fatalf("import: %s", e)
	}
	for _, want := range []string{"imported 2 secret(s)", "api.token, db_password", "kept 1 secret(s) already stored here (--overwrite replaces them): greeting"} {
		if !strings.Contains(e, want) {
			t.Errorf("import output %q lacks %q", e, want)
		}
	}
	if strings.Contains(e, "s3cret") || strings.Contains(e, "tok-x") {
		t.Errorf("import printed a value: %s", e)
	}
	for name, want := range map[string]string{"db_password": "s3cret: #not-yaml", "greeting": "kept-value", "api.token": "tok-" + strings.Repeat("x", 80)} {
		if out, e, _ := run("get", "--cryptfile", dest, name); out != want+"\n" {
			t.Errorf("get %s = %q (%s)", name, out, e)
		}
	}
	// Without the variable, the original's default passphrase is tried and
	// the error says so.
	_, e, code = run("import", "--cryptfile", dest, "--from", from, "--from-password-env", "EVENTUM_TEST_UNSET_PW")
	if code == 0 || !strings.Contains(e, "wrong passphrase") || !strings.Contains(e, "EVENTUM_TEST_UNSET_PW is not set") {
		t.Errorf("default passphrase: %d %s", code, e)
	}
}
