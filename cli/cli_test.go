package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eventum-go/eventum/secrets"
)

// TestMain lets a test re-run this binary as the eventum command (to send it
// real signals): with EVENTUM_TEST_MAIN=1 it runs Main instead of the tests.
// Tests here do not run in parallel: urfave/cli v2 writes to its global help
// flag on every run.
func TestMain(m *testing.M) {
	if os.Getenv("EVENTUM_TEST_MAIN") == "1" {
		os.Exit(Main(append([]string{"eventum"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(append([]string{"eventum"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateReportsProblems(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "bad_syntax.star", "def produce(params)\n    return 'x'\n")
	write(t, dir, "ok.star", "def produce(params):\n    return 'x'\n")
	tests := []struct {
		name, yml string
		want      []string
	}{
		{"unknown key", "input:\n  - static: {count: 1, cuont: 2}\nevent:\n  script: {path: ok.star}\noutput:\n  - stdout: {}\n",
			[]string{`g.yml:2:24: input[0].static.cuont: unknown key "cuont" (did you mean "count"?)`}},
		{"wrong type", "input:\n  - static: {count: many}\nevent:\n  script: {path: ok.star}\noutput:\n  - stdout: {}\n",
			[]string{`g.yml:2:21: input[0].static.count: expected an integer, got string "many"`}},
		{"missing script", "input:\n  - static: {count: 1}\nevent:\n  script: {path: nope.star}\noutput:\n  - stdout: {}\n",
			[]string{`g.yml:4:3: event.script:`, `nope.star`}},
		{"starlark syntax error", "input:\n  - static: {count: 1}\nevent:\n  script: {path: bad_syntax.star}\noutput:\n  - stdout: {}\n",
			[]string{`bad_syntax.star:2:1: got newline, want ':'`}},
		{"every problem listed", "input:\n  - static: {count: x}\nevent:\n  script: {}\noutput:\n  - nosuch: {}\n",
			[]string{`input[0].static.count`, `event.script: missing required key "path"`, `unknown output plugin "nosuch"`, `3 problem(s)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"), "g.yml")
			write(t, filepath.Dir(p), "g.yml", tc.yml)
			for _, f := range []string{"ok.star", "bad_syntax.star"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				write(t, filepath.Dir(p), f, string(b))
			}
			_, stderr, code := run(t, "validate", "--path", p)
			if code != 1 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			rest := stderr
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("stderr lacks %q:\n%s", w, stderr)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

// Every bundled example validates (the README promises it).
func TestValidateOK(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "examples", "*", "generator.yml"))
	if err != nil || len(paths) < 10 {
		t.Fatalf("found %d examples (%v)", len(paths), err)
	}
	for _, p := range paths {
		stdout, stderr, code := run(t, "validate", "--path", p)
		if code != 0 || !strings.Contains(stdout, "OK") {
			t.Errorf("%s: exit %d\n%s%s", p, code, stdout, stderr)
		}
	}
}

func TestGenerateRaisingProduce(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.star", "def produce(params):\n    if params['tags'][0] == 'bad':\n        fail('no luck')\n    return 'ok'\n")
	g := write(t, dir, "g.yml", "input:\n  - static: {count: 3, tags: [bad]}\n  - static: {count: 2, tags: [good]}\nevent:\n  script: {path: p.star}\noutput:\n  - file: {path: out.txt}\n")
	_, stderr, code := run(t, "generate", "--path", g, "--no-live-mode")
	if code != 1 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, w := range []string{"p.star:3", "no luck", "3 timestamps failed in the event plugin", "written 2"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out.txt")); string(b) != "ok\nok\n" {
		t.Errorf("file holds %q", b)
	}
}

// The tracing example, seeded, in sample mode: identical output twice, and
// every trace is one tree rooted at the gateway, parents after children,
// parents lasting at least as long as each child.
func TestTracingExampleReproducible(t *testing.T) {
	path := filepath.Join("..", "examples", "script-tracing", "generator.yml")
	out1, stderr, code := run(t, "generate", "--path", path, "--no-live-mode", "--seed", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out2, _, _ := run(t, "generate", "--path", path, "--no-live-mode", "--seed", "1")
	if out1 != out2 {
		t.Fatal("two runs with --seed 1 differ")
	}
	out3, _, _ := run(t, "generate", "--path", path, "--no-live-mode", "--seed", "2")
	if out1 == out3 {
		t.Fatal("--seed 2 gives the same output as --seed 1")
	}
	type span struct {
		Trace    string  `json:"trace_id"`
		ID       string  `json:"span_id"`
		Parent   *string `json:"parent_span_id"`
		Service  string  `json:"service"`
		Duration float64 `json:"duration_ms"`
	}
	traces := map[string][]span{}
	var order []string
	sc := bufio.NewScanner(strings.NewReader(out1))
	for sc.Scan() {
		var s span
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("bad JSON %q: %v", sc.Text(), err)
		}
		if _, ok := traces[s.Trace]; !ok {
			order = append(order, s.Trace)
		}
		traces[s.Trace] = append(traces[s.Trace], s)
	}
	if len(order) != 1800 {
		t.Fatalf("%d traces, want 1800 (one per 2 s over an hour)", len(order))
	}
	for _, id := range order {
		spans := traces[id]
		seen := map[string]span{}
		roots := 0
		for _, s := range spans {
			seen[s.ID] = s
			if s.Parent == nil {
				roots++
				if s.Service != "api-gateway" {
					t.Fatalf("trace %s rooted at %s", id, s.Service)
				}
			}
		}
		if roots != 1 {
			t.Fatalf("trace %s has %d roots", id, roots)
		}
		emitted := map[string]bool{}
		for _, s := range spans {
			emitted[s.ID] = true
			if s.Parent == nil {
				continue
			}
			p, ok := seen[*s.Parent]
			if !ok {
				t.Fatalf("trace %s: span %s has unknown parent %s", id, s.ID, *s.Parent)
			}
			if emitted[p.ID] {
				t.Fatalf("trace %s: parent %s emitted before child %s", id, p.ID, s.ID)
			}
			if p.Duration < s.Duration {
				t.Fatalf("trace %s: parent %s (%v ms) shorter than child %s (%v ms)", id, p.Service, p.Duration, s.Service, s.Duration)
			}
		}
	}
}

var producedRe = regexp.MustCompile(`produced (\d+) events`)

// Ctrl-C in live mode: exit 0 and the file holds every event counted as produced.
func TestLiveInterruptLosesNothing(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.star", "def produce(params):\n    return [params['timestamp'].isoformat()] * 3\n")
	g := write(t, dir, "g.yml", "input:\n  - timer: {seconds: 0.002}\nevent:\n  script: {path: p.star}\noutput:\n  - file: {path: out/events.log, flush_interval: 5}\n  - file: {path: out/probe.log, flush_interval: 0}\n")
	cmd := exec.Command(os.Args[0], "generate", "--path", g, "--batch.delay", "0.2")
	cmd.Env = append(os.Environ(), "EVENTUM_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once at least 300 events were produced: the probe output
	// flushes every write, the checked one buffers them for 5 s, so
	// Ctrl-C must flush its buffer.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(dir, "out", "probe.log"))
		if bytes.Count(b, []byte("\n")) >= 300 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("fewer than 300 events after 2 minutes\n%s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	m := producedRe.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no summary:\n%s", stderr.String())
	}
	produced, _ := strconv.Atoi(m[1])
	for _, name := range []string{"events.log", "probe.log"} {
		b, err := os.ReadFile(filepath.Join(dir, "out", name))
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Count(b, []byte("\n"))
		if produced < 300 || lines != produced {
			t.Fatalf("produced %d, %s holds %d lines\n%s", produced, name, lines, stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), "written "+m[1]+",") {
		t.Fatalf("summary does not count every event written:\n%s", stderr.String())
	}
}

func TestVersionAndFlags(t *testing.T) {
	stdout, _, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "eventum ") {
		t.Fatalf("version: %d %q", code, stdout)
	}
	_, stderr, code := run(t, "generate", "--path", "x.yml", "--live-mode", "--no-live-mode")
	if code != 2 || !strings.Contains(stderr, "exclude each other") {
		t.Fatalf("conflicting flags: %d %q", code, stderr)
	}
	_, stderr, code = run(t, "generate", "--path", "x.yml", "--batch.size", "0")
	if code != 2 || !strings.Contains(stderr, "batch.size must be at least 1") {
		t.Fatalf("batch.size 0: %d %q", code, stderr)
	}
	_, stderr, code = run(t, "generate", "--path", filepath.Join(t.TempDir(), "missing.yml"))
	if code != 1 || !strings.Contains(stderr, "missing.yml") {
		t.Fatalf("missing file: %d %q", code, stderr)
	}
}

// ${secrets.x} in a generator file reads the --cryptfile keyring; an
// EVENTUM_SECRET_<NAME> variable overrides it.
func TestGenerateSecretsFromKeyring(t *testing.T) {
	dir := t.TempDir()
	kr, err := secrets.Open(filepath.Join(dir, "keyring.cfg"), []byte("pass phrase"))
	if err != nil {
		t.Fatal(err)
	}
	if err := kr.Set("out_name", "from-keyring.txt"); err != nil {
		t.Fatal(err)
	}
	t.Setenv(secrets.PasswordEnv, "pass phrase")
	write(t, dir, "p.star", "def produce(params):\n    return 'x'\n")
	g := write(t, dir, "g.yml", "input:\n  - static: {count: 2}\nevent:\n  script: {path: p.star}\noutput:\n  - file: {path: \"${secrets.out_name}\"}\n")
	if _, stderr, code := run(t, "generate", "--path", g, "--no-live-mode", "--cryptfile", filepath.Join(dir, "keyring.cfg")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "from-keyring.txt")); err != nil || string(b) != "x\nx\n" {
		t.Fatalf("file: %q %v", b, err)
	}
	t.Setenv("EVENTUM_SECRET_OUT_NAME", "from-env.txt")
	if _, stderr, code := run(t, "generate", "--path", g, "--no-live-mode", "--cryptfile", filepath.Join(dir, "keyring.cfg")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "from-env.txt")); err != nil {
		t.Fatal("the environment variable did not override the keyring")
	}
	// Without --cryptfile only the environment is read.
	os.Unsetenv("EVENTUM_SECRET_OUT_NAME")
	_, stderr, code := run(t, "validate", "--path", g)
	if code != 1 || !strings.Contains(stderr, `secret "out_name" is not set`) || strings.Contains(stderr, "from-keyring") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
