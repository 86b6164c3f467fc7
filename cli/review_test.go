package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eventum-go/eventum/outputs"
	"github.com/eventum-go/eventum/plugin"
)

// test-stuck is an output whose Write blocks and ignores its context, as a
// write to a full pipe does.
type stuckConfig struct {
	outputs.Common `yaml:",inline"`
	// Marker is a file created when Write is first called (the test waits for it).
	Marker string `yaml:"marker"`
}

type stuckOutput struct{ marker string }

func (stuckOutput) Open(context.Context) error { return nil }
func (o stuckOutput) Write(context.Context, []string) (int, error) {
	if o.marker != "" {
		_ = os.WriteFile(o.marker, nil, 0o600)
	}
	select {} // never returns
}
func (stuckOutput) Close(context.Context) error { return nil }

func init() {
	plugin.Register(outputs.Registry, "test-stuck", func() *stuckConfig { return &stuckConfig{} },
		func(c *stuckConfig, _ *plugin.Env) (outputs.Output, error) { return stuckOutput{marker: c.Marker}, nil })
}

// A second Ctrl-C aborts at once, even when an output write never returns,
// and the summary counts the events it gave up (exit 3).
func TestSecondInterruptExitsWithAStuckOutput(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "writing")
	g := write(t, dir, "g.yml", "input:\n  - static: {count: 5}\nevent:\n  template: {templates: [{t: {template: t.jinja}}]}\noutput:\n  - test-stuck: {marker: "+marker+"}\n")
	write(t, dir, "t.jinja", "x")
	cmd := exec.Command(os.Args[0], "generate", "--path", g, "--no-live-mode")
	cmd.Env = append(os.Environ(), "EVENTUM_TEST_MAIN=1")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitCond(t, func() bool { _, err := os.Stat(marker); return err == nil })
	_ = cmd.Process.Signal(syscall.SIGINT)
	waitCond(t, func() bool { return strings.Contains(stderr.String(), "stopping") })
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		out := stderr.String()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitUndelivered || !strings.Contains(out, "abort") ||
			!strings.Contains(out, "write_failed 5") || !strings.Contains(out, "NOT DELIVERED: 5 events") {
			t.Fatalf("exit %v\n%s", err, out)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("still running 60 s after the second Ctrl-C\n%s", stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitCond polls cond until it holds; the generous deadline only bounds the wait.
func waitCond(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 60 s")
		}
	}
}

// Bad flags exit 2 (docs/configuration.md, "Exit codes"), and the usage
// text does not go to stdout, where the events go.
func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"generate", "--path", "x.yml", "--batch.size", "x"},
		{"generate", "--path", "x.yml", "--nosuch"},
		{"generate", "--path", "x.yml", "--timezone", "Nowhere/X"},
		{"generate", "--path", "x.yml", "--log-level", "loud"},
		{"generate", "--path", "x.yml", "--params", "[1]"},
		{"generate", "--path", "x.yml", "--param", "novalue"},
		{"validate", "--path", "x.yml", "--timezone", "Nowhere/X"},
	} {
		stdout, stderr, code := run(t, args...)
		if code != 2 || stdout != "" || stderr == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}
