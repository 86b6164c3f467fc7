package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `eventum generate` with the original's substitution: flow style, a
// filter, params.get, and ${env.NAME} (readable for generate, never the
// keyring password).
func TestGenerateSubstitution(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EVENTUM_TEST_OUT", "out")
	write(t, dir, "p.star", "def produce(params):\n    return 'x'\n")
	g := write(t, dir, "g.yml", `input:
  - static: {count: ${params.n | int + 1}}
event:
  script: {path: p.star}
output:
  - file: {path: "${env.EVENTUM_TEST_OUT}-${params.get('suffix', 'a')}.txt"}
`)
	if _, stderr, code := run(t, "generate", "--path", g, "--no-live-mode", "--param", "n=2"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out-a.txt")); err != nil || string(b) != "x\nx\nx\n" {
		t.Fatalf("file: %q %v", b, err)
	}
	t.Setenv("EVENTUM_KEYRING_PASSWORD", "kr-pass-value")
	bad := write(t, dir, "bad.yml", "input:\n  - static: {count: 1}\nevent:\n  script: {path: p.star}\noutput:\n  - file: {path: \"${env.EVENTUM_KEYRING_PASSWORD}\"}\n")
	_, stderr, code := run(t, "validate", "--path", bad)
	if code != 1 || !strings.Contains(stderr, "bad.yml:6:19: output[0].file.path: ${env.EVENTUM_KEYRING_PASSWORD}: environment variable EVENTUM_KEYRING_PASSWORD is never readable") ||
		strings.Contains(stderr, "kr-pass-value") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
