package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/eventum-go/eventum/pipeline"
)

const progressScript = "def produce(params):\n    return 'x'\n"

// A live run whose timestamps are all in the past says so.
func TestLiveRunInThePastWarns(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.star", progressScript)
	g := write(t, dir, "g.yml", "input:\n  - linspace: {start: 2020-01-01, end: +1h, count: 10}\nevent:\n  script: {path: p.star}\noutput:\n  - stdout: {}\n")
	_, stderr, code := run(t, "generate", "--path", g)
	if code != 0 || !strings.Contains(stderr, "eventum: warning: every timestamp of this live run was in the past: 10 skipped") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	// The same in sample mode produces everything and warns about nothing.
	_, stderr, code = run(t, "generate", "--path", g, "--no-live-mode")
	if code != 0 || strings.Contains(stderr, "warning") {
		t.Errorf("sample mode: exit %d\n%s", code, stderr)
	}
	// A cron that never fires.
	g = write(t, dir, "never.yml", "input:\n  - cron: {expression: \"0 0 30 2 *\", end: +520w}\nevent:\n  script: {path: p.star}\noutput:\n  - stdout: {}\n")
	_, stderr, code = run(t, "generate", "--path", g)
	if code != 0 || !strings.Contains(stderr, "warning: this live run produced no timestamp") {
		t.Errorf("never fires: exit %d\n%s", code, stderr)
	}
}

func TestSummaryJSON(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.star", progressScript)
	g := write(t, dir, "g.yml", "input:\n  - static: {count: 5}\nevent:\n  script: {path: p.star}\noutput:\n  - stdout: {}\n")
	stdout, stderr, code := run(t, "generate", "--path", g, "--no-live-mode", "--summary-format", "json")
	var doc summaryJSON
	if err := json.Unmarshal([]byte(stderr), &doc); err != nil || code != 0 || stdout != "x\nx\nx\nx\nx\n" {
		t.Fatalf("exit %d, %v\n%s", code, err, stderr)
	}
	if doc.Stats.Produced != 5 || len(doc.Stats.Outputs) != 1 || doc.Stats.Outputs[0].Written != 5 || doc.Lost != 0 || doc.Generator == "" {
		t.Errorf("summary %+v", doc)
	}
	if _, stderr, code := run(t, "generate", "--path", g, "--summary-format", "yaml"); code != 2 || !strings.Contains(stderr, "--summary-format") {
		t.Errorf("bad format: exit %d %s", code, stderr)
	}
}

// --progress=always into a file (not a terminal) writes plain lines: no
// carriage returns, no escape sequences.
func TestProgressPlainLines(t *testing.T) {
	saved := plainProgressEvery["always"]
	plainProgressEvery["always"] = 20 * time.Millisecond
	defer func() { plainProgressEvery["always"] = saved }()
	dir := t.TempDir()
	write(t, dir, "p.star", progressScript)
	// A live timer: the run lasts 20 ticks of 50 ms, many progress intervals.
	g := write(t, dir, "g.yml", "input:\n  - timer: {seconds: 0.05, repeat: 20}\nevent:\n  script: {path: p.star}\noutput:\n  - stdout: {}\n")
	for _, flag := range []string{"--progress", "--progress=always"} {
		_, stderr, code := run(t, "generate", "--path", g, flag, "--batch.delay", "0.01")
		if code != 0 || strings.ContainsAny(stderr, "\r\033") || !strings.Contains(stderr, ": progress: ") {
			t.Errorf("%s: exit %d, stderr %q", flag, code, stderr)
		}
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			if strings.Contains(l, "progress") && !strings.Contains(l, "% (") {
				t.Errorf("%s: no percentage in %q (the timer's total is known)", flag, l)
			}
		}
	}
	_, stderr, code := run(t, "generate", "--path", g, "--progress=never")
	if code != 0 || strings.Contains(stderr, "progress") {
		t.Errorf("never: exit %d %q", code, stderr)
	}
	if _, stderr, code := run(t, "generate", "--path", g, "--progress=sometimes"); code != 2 || !strings.Contains(stderr, "auto, always or never") {
		t.Errorf("bad value: exit %d %q", code, stderr)
	}
}

func TestProgressLine(t *testing.T) {
	st := pipeline.Snapshot{Timestamps: 250, SkippedPast: 50, Produced: 250,
		Outputs: []pipeline.OutputSnapshot{{Name: "file", Written: 200, WriteFailed: 1}}}
	for _, tc := range []struct {
		total int64
		known bool
		want  string
	}{
		{1000, true, "30.0% (300/1000 timestamps), ETA 23s | 1.5k ev/s, 250 events | file 200 (failed 1)"},
		{0, false, "1.5k ev/s, 250 events | file 200 (failed 1)"},
	} {
		if got := progressLine(st, 1500, tc.total, tc.known, 10*time.Second); got != tc.want {
			t.Errorf("progressLine(total %d) = %q, want %q", tc.total, got, tc.want)
		}
	}
}
