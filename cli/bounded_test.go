package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// burstExample copies examples/template-burst into a temp dir with a
// fixed-start input of 400 timestamps, so seeded runs are comparable.
func burstExample(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "examples", "template-burst")
	dir := t.TempDir()
	for _, name := range []string{"request.jinja", "health.jinja"} {
		b, err := os.ReadFile(filepath.Join(src, "templates", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, dir, filepath.Join("templates", name), string(b))
	}
	gen, err := os.ReadFile(filepath.Join(src, "generator.yml"))
	if err != nil {
		t.Fatal(err)
	}
	const input = "- cron:\n    expression: \"* * * * * *\"\n    count: 2\n"
	if !strings.Contains(string(gen), input) {
		t.Fatal("examples/template-burst: its input changed; update this test")
	}
	fixed := "- timer: {start: \"2026-03-01T08:00:00Z\", seconds: 0.5, count: 1, repeat: 400}\n"
	return write(t, dir, "generator.yml", strings.Replace(string(gen), input, fixed, 1))
}

// TestMaxEventsBurstExample is the acceptance of bounded runs on bursts:
// --max-events 1000 writes exactly 1000 whole events, the same with one
// worker and four, and they are the first 1000 of a longer seeded run;
// the page-load bursts in it share their context.
func TestMaxEventsBurstExample(t *testing.T) {
	path := burstExample(t)
	gen := func(args ...string) []string {
		t.Helper()
		stdout, stderr, code := run(t, append([]string{"generate", "--path", path, "--no-live-mode", "--seed", "5", "--progress=never"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		return strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	}
	full := gen()
	if len(full) <= 1000 {
		t.Fatalf("the unbounded run made only %d events", len(full))
	}
	one := gen("--max-events", "1000", "--workers", "1")
	four := gen("--max-events", "1000", "--workers", "4")
	if len(one) != 1000 || len(four) != 1000 {
		t.Fatalf("--max-events 1000 wrote %d (K=1) and %d (K=4) events", len(one), len(four))
	}
	type event struct {
		Client    struct{ IP string } `json:"client"`
		UserAgent string              `json:"user_agent"`
		Session   string              `json:"session_id"`
		PageLoad  *struct {
			Request, Of int
			Page        string
		} `json:"page_load"`
	}
	var prev *event
	bursts := 0
	for i := range one {
		if one[i] != four[i] || one[i] != full[i] {
			t.Fatalf("event %d differs between K=1, K=4 and the unbounded run:\n%s\n%s\n%s", i, one[i], four[i], full[i])
		}
		var e event
		if err := json.Unmarshal([]byte(one[i]), &e); err != nil {
			t.Fatalf("event %d is not whole JSON: %v: %q", i, err, one[i])
		}
		if e.PageLoad != nil {
			if e.PageLoad.Request == 1 {
				bursts++
				if e.PageLoad.Of < 10 || e.PageLoad.Of > 30 {
					t.Fatalf("event %d: a burst of %d", i, e.PageLoad.Of)
				}
			} else if prev == nil || prev.PageLoad == nil || prev.PageLoad.Request != e.PageLoad.Request-1 ||
				prev.Client.IP != e.Client.IP || prev.UserAgent != e.UserAgent || prev.Session != e.Session || prev.PageLoad.Page != e.PageLoad.Page {
				t.Fatalf("event %d does not share its burst's context with the member before it", i)
			}
		}
		prev = &e
	}
	if bursts < 5 {
		t.Fatalf("only %d bursts in 1000 events", bursts)
	}
}

func TestBoundedRunFlagErrors(t *testing.T) {
	path := burstExample(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-duration", "soon"}, "--max-duration \"soon\": expected seconds or a duration"},
		{[]string{"--max-duration", "-1"}, "--max-duration \"-1\": must be positive"},
		{[]string{"--max-events", "-5"}, "max_events must not be negative"},
	} {
		_, stderr, code := run(t, append([]string{"generate", "--path", path, "--no-live-mode"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	// A duration bound ends an endless live run (the example's cron) by itself, exit 0.
	endless := filepath.Join("..", "examples", "template-burst", "generator.yml")
	_, stderr, code := run(t, "generate", "--path", endless, "--max-duration", "1.5s", "--progress=never")
	if code != 0 || !strings.Contains(stderr, "max duration reached") {
		t.Fatalf("--max-duration: exit %d\n%s", code, stderr)
	}
}
