package server

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventum-go/eventum/secrets"
)

// ${secrets.x} resolves from the keyring, environment variables override
// it, and secret values never appear in logs or API answers.
func TestSecretsResolveAndNeverLeak(t *testing.T) {
	t.Setenv(secrets.PasswordEnv, "keyring-pass")
	const value = "Sup3r-S3cret-Value"
	files := map[string]string{
		"generators/s/generator.yml": "input:\n" + staticInput(2) + "\nevent:\n  script:\n    path: produce.star\n" +
			"output:\n  - file:\n      path: out.log\n      separator: \"${secrets.sep}\\n\"\n",
		"generators/s/produce.star": "def produce(params):\n    return 'x'\n",
		"generators/m/generator.yml": "input:\n" + staticInput(1) + "\nevent:\n  script:\n    path: produce.star\n" +
			"output:\n  - file:\n      path: ${secrets.missing_one}\n",
		"generators/m/produce.star": "def produce(params):\n    return 'x'\n",
		"startup.yml":               "- {id: s, path: s, live_mode: false, autostart: false}\n- {id: m, path: m, autostart: false}\n",
	}
	dir := t.TempDir()
	kr, err := secrets.Open(filepath.Join(dir, "cryptfile.cfg"), []byte("keyring-pass"))
	if err != nil {
		t.Fatal(err)
	}
	if err := kr.Set("sep", value); err != nil {
		t.Fatal(err)
	}
	a := startAppIn(t, dir, files)
	var bodies bytes.Buffer
	call := func(method, path string, body any, code int) response {
		r := a.expect(method, path, body, code)
		bodies.Write(r.body)
		return r
	}

	call("POST", "/api/generators/s/start", nil, 200)
	waitFor(t, "s to finish", 10*time.Second, func() bool { return a.status("s").State == StateFinished })
	out := filepath.Join(a.dir, "generators/s/out.log")
	if got, _ := os.ReadFile(out); string(got) != "x"+value+"\nx"+value+"\n" {
		t.Fatalf("out.log = %q", got)
	}

	// The environment overrides the keyring.
	t.Setenv("EVENTUM_SECRET_SEP", "-env-")
	call("POST", "/api/generators/s/restart", nil, 200)
	waitFor(t, "s to finish again", 10*time.Second, func() bool { return a.status("s").State == StateFinished })
	if got, _ := os.ReadFile(out); !strings.HasSuffix(string(got), "x-env-\nx-env-\n") {
		t.Fatalf("out.log after env override = %q", got)
	}

	r := call("POST", "/api/generators/m/start", nil, 422)
	if !bytes.Contains(r.body, []byte("missing_one")) {
		t.Fatalf("missing secret error does not name it: %s", r.body)
	}

	call("PUT", "/api/secrets/api_token", `"another-`+value+`"`, 200)
	var names []string
	call("GET", "/api/secrets/", nil, 200).json(t, &names)
	if strings.Join(names, ",") != "api_token,sep" {
		t.Fatalf("names = %v", names)
	}
	var info secretInfo
	call("GET", "/api/secrets/sep", nil, 200).json(t, &info)
	if !info.Stored {
		t.Fatal("sep not stored")
	}
	call("GET", "/api/secrets/nope", nil, 404)
	call("GET", "/api/secrets/bad%20name", nil, 400)
	call("DELETE", "/api/secrets/api_token", nil, 200)
	call("DELETE", "/api/secrets/api_token", nil, 404)
	call("GET", "/api/generators/s", nil, 200)
	call("GET", "/api/instance/settings", nil, 200)
	call("GET", "/metrics", nil, 200)

	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(bodies.String(), value) {
		t.Errorf("an API answer holds the secret value:\n%s", bodies.String())
	}
	if strings.Contains(a.logs.String(), value) {
		t.Errorf("the logs hold the secret value:\n%s", a.logs.String())
	}
	raw, _ := os.ReadFile(filepath.Join(a.dir, "cryptfile.cfg"))
	if bytes.Contains(raw, []byte(value)) {
		t.Error("keyring file holds the value in clear")
	}
}

// startAppIn is startApp over an existing directory.
func startAppIn(t *testing.T, dir string, files map[string]string) *testApp {
	t.Helper()
	files = merge(map[string]string{"eventum.yml": defaultAppConfig}, files)
	writeFiles(t, dir, files)
	return startAppDir(t, dir)
}
