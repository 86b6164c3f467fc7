package scripts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The step limit bounds one call: a call that runs out of steps fails, and
// the next call gets a fresh budget instead of failing for ever after.
func TestStepBudgetIsPerCall(t *testing.T) {
	t.Parallel()
	const script = "def produce(params):\n" +
		"    if params[\"timestamp\"].second == 0:\n" +
		"        while True:\n" +
		"            pass\n" +
		"    return \"ok\"\n"
	const tmpl = "{% if timestamp.second == 0 %}{% for i in range(100000000) %}{% endfor %}{% endif %}ok"

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.star"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	prod, err := buildScript(t, dir, "path: p.star", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := prod.(*Script)
	sc.steps = 100_000
	tm := mustTemplate(t, map[string]string{"t.jinja": tmpl}, "mode: all\ntemplates:\n  - t: {template: t.jinja}\n")
	tm.steps = 100_000

	for _, p := range []struct {
		name string
		prod Producer
	}{{"script", sc}, {"template", tm}} {
		if _, err := p.prod.Produce(start.UnixNano(), 0, nil); err == nil || !strings.Contains(err.Error(), "steps") {
			t.Fatalf("%s: runaway call: err = %v, want a step limit error", p.name, err)
		}
		for i := 1; i <= 3; i++ {
			out, err := p.prod.Produce(start.UnixNano()+int64(i)*1e9, 0, nil)
			if err != nil || len(out) != 1 || out[0] != "ok" {
				t.Fatalf("%s: call %d after the runaway one: %q, %v", p.name, i, out, err)
			}
		}
	}
}

// Cancel (from another goroutine: shutdown, an ended API request) stays in
// force: every later call fails at once.
func TestCancelStaysInForce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.star"), []byte("def produce(params):\n    return \"ok\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prod, err := buildScript(t, dir, "path: p.star", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	tm := mustTemplate(t, map[string]string{"t.jinja": "ok"}, "mode: all\ntemplates:\n  - t: {template: t.jinja}\n")
	for _, p := range []struct {
		name string
		prod interface {
			Producer
			Cancel(string)
		}
	}{{"script", prod.(*Script)}, {"template", tm}} {
		if _, err := p.prod.Produce(start.UnixNano(), 0, nil); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		p.prod.Cancel("shutting down")
		for i := 0; i < 2; i++ {
			if _, err := p.prod.Produce(start.UnixNano(), 0, nil); err == nil || !strings.Contains(err.Error(), "shutting down") {
				t.Fatalf("%s: call after Cancel: err = %v, want the cancel reason", p.name, err)
			}
		}
	}
}
