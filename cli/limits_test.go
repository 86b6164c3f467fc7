package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The memory bombs of issue 11 end with a clear error while the process
// stays under 1 GB: each runs `eventum generate` in a child process (this
// test binary re-executed, see TestMain), so a failure cannot take the
// tests down, and the child's peak RSS is read from its rusage.
func TestMemoryBombsEndWithClearErrors(t *testing.T) {
	const maxRSS = 1 << 30
	dir := t.TempDir()
	write(t, dir, "repeat.star", "def produce(params):\n    return [\"e\"] * 50000000\n")
	write(t, dir, "comprehension.star", "def produce(params):\n    return [i for i in range(1 << 30)]\n")
	// Appending 1 KiB strings grows the list faster than appending ints
	// (same mechanism, a quicker test).
	write(t, dir, "grow.jinja", "{% set l = [] %}{% set s = 'x' * 1024 %}{% for i in range(1000000000) %}{% do l.append(s ~ i) %}{% endfor %}{{ l | length }}")
	gen := func(event string) string {
		return "input:\n  - static: {count: 1}\nevent:\n" + event + "output:\n  - stdout: {}\n"
	}
	tests := []struct {
		name string
		path string // generator file, or a path given as is
		want string
	}{
		{"list repetition returned by produce()",
			write(t, dir, "repeat.yml", gen("  script: {path: repeat.star}\n")),
			"list * 50000000: the result would be larger than 64 MiB, the most one operation may allocate"},
		{"comprehension over range(1 << 30)",
			write(t, dir, "comprehension.yml", gen("  script: {path: comprehension.star}\n")),
			"Starlark computation cancelled: memory limit: the process heap grew to"},
		{"template growing a list",
			write(t, dir, "grow.yml", gen("  template:\n    templates:\n      - t: {template: grow.jinja}\n")),
			"grow.jinja:1: Starlark computation cancelled: memory limit"},
		{"config file /dev/zero", "/dev/zero",
			"read config: /dev/zero: the file is larger than 16 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path == "/dev/zero" {
				if _, err := os.Stat(tc.path); err != nil {
					t.Skip("no /dev/zero")
				}
			}
			cmd := exec.Command(os.Args[0], "generate", "--path", tc.path, "--no-live-mode")
			cmd.Env = append(os.Environ(), "EVENTUM_TEST_MAIN=1")
			if raceEnabled {
				// The race detector multiplies memory: test the mechanism
				// with a small heap limit and leave out the RSS bar.
				cmd.Env = append(cmd.Env, "EVENTUM_MAX_HEAP_BYTES=64MiB")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			began := time.Now()
			err := cmd.Run()
			var exit *exec.ExitError
			if err == nil || !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("stderr lacks %q:\n%s", tc.want, stderr.String())
			}
			ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if !ok || runtime.GOOS != "linux" {
				t.Logf("no rusage on %s: peak RSS not checked", runtime.GOOS)
				return
			}
			rss := ru.Maxrss << 10 // KiB on Linux
			t.Logf("peak RSS %d MiB in %s", rss>>20, time.Since(began).Round(time.Millisecond))
			if !raceEnabled && rss >= maxRSS {
				t.Fatalf("peak RSS %d MiB, want under %d MiB", rss>>20, maxRSS>>20)
			}
		})
	}
}
