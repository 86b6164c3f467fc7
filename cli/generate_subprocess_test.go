package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// generate --allow-subprocess=false refuses, before any event, a template
// that calls subprocess; by default (and with =true) it runs.
func TestGenerateAllowSubprocess(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "sub.jinja", `{{ subprocess.run('echo ran > ran.txt; echo ran').stdout | trim }}`)
	gen := write(t, dir, "g.yml", "input:\n  - static: {count: 1}\nevent:\n  template:\n    templates:\n      - a: {template: sub.jinja}\noutput:\n  - stdout: {}\n")

	out, errs, code := run(t, "generate", "--path", gen, "--no-live-mode", "--allow-subprocess=false")
	if code == 0 || out != "" || !strings.Contains(errs, "uses subprocess, which is disabled") || !strings.Contains(errs, "--allow-subprocess=false") {
		t.Fatalf("disabled: code %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran.txt")); err == nil {
		t.Fatal("the command ran")
	}
	for _, args := range [][]string{{}, {"--allow-subprocess"}, {"--allow-subprocess=true"}} {
		out, errs, code := run(t, append([]string{"generate", "--path", gen, "--no-live-mode"}, args...)...)
		if code != 0 || out != "ran\n" {
			t.Fatalf("%v: code %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}
