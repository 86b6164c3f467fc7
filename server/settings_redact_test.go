package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/eventum-go/eventum/config"
)

// The first pass over eventum.yml stands a placeholder in for keyring
// secrets; that word must not become a "secret" that every printed text
// then hides.
func TestSettingsPlaceholderIsNotRedacted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "eventum.yml")
	if err := os.WriteFile(path, []byte("server:\n  auth:\n    user: admin\n    password: ${secrets.api_pw_only_in_keyring}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _ = LoadSettings(path) // the keyring is missing: the second pass fails, the first has run
	if got := config.Redact("a placeholder value"); got != "a placeholder value" {
		t.Fatalf("the placeholder was recorded as a secret: %q", got)
	}
}
