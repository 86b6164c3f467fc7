package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eventum-generator/eventum-go/outputs"
	"github.com/eventum-generator/eventum-go/plugin"
)

// test-stuck is an output whose Write blocks and ignores its context, as a
// write to a full pipe does.
type stuckConfig struct {
	outputs.Common `yaml:",inline"`
}

type stuckOutput struct{}

func (stuckOutput) Open(context.Context) error { return nil }
func (stuckOutput) Write(context.Context, []string) (int, error) {
	select {} // never returns
}
func (stuckOutput) Close(context.Context) error { return nil }

func init() {
	plugin.Register(outputs.Registry, "test-stuck", func() *stuckConfig { return &stuckConfig{} },
		func(*stuckConfig, *plugin.Env) (outputs.Output, error) { return stuckOutput{}, nil })
}

// A second Ctrl-C aborts at once, even when an output write never returns.
func TestSecondInterruptExitsWithAStuckOutput(t *testing.T) {
	dir := t.TempDir()
	g := write(t, dir, "g.yml", "input:\n  - static: {count: 5}\nevent:\n  template: {templates: [{t: {template: t.jinja}}]}\noutput:\n  - test-stuck: {}\n")
	write(t, dir, "t.jinja", "x")
	cmd := exec.Command(os.Args[0], "generate", "--path", g, "--no-live-mode")
	cmd.Env = append(os.Environ(), "EVENTUM_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(500 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "abort") {
			t.Fatalf("exit %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("still running 10 s after the second Ctrl-C\n%s", stderr.String())
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
