package cli

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Acceptance (issue 10): a live run against a dead HTTP sink (nothing
// listens on its port), stopped with SIGTERM, exits within 60 s with code 3
// and a summary saying how many events were not delivered.
func TestSIGTERMWithDeadHTTPSinkExits3(t *testing.T) {
	dead := httptest.NewServer(nil)
	dead.Close() // connections to its port are refused
	dir := t.TempDir()
	g := write(t, dir, "g.yml", "input:\n  - static: {count: 500}\nevent:\n  template: {templates: [{t: {template: t.jinja}}]}\n"+
		"output:\n  - http: {url: '"+dead.URL+"/ingest', retry: {initial: 0.05, max: 0.2}}\n")
	write(t, dir, "t.jinja", `{"n": 1}`)
	cmd := exec.Command(os.Args[0], "generate", "--path", g, "--live-mode", "--stop-timeout", "2", "--write-timeout", "1")
	cmd.Env = append(os.Environ(), "EVENTUM_TEST_MAIN=1")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitCond(t, func() bool { return strings.Contains(stderr.String(), "write failed, retrying") })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	sent := time.Now()
	select {
	case err := <-done:
		out := stderr.String()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != ExitUndelivered {
			t.Fatalf("exit %v, want %d\n%s", err, ExitUndelivered, out)
		}
		if !regexp.MustCompile(`http: written 0, write_failed 500, format_failed 0 \(500 of them undelivered at stop\)`).MatchString(out) ||
			!strings.Contains(out, "NOT DELIVERED: 500 events") || !strings.Contains(out, "stop timeout reached") {
			t.Fatalf("summary:\n%s", out)
		}
		t.Logf("exited %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("still running 60 s after SIGTERM\n%s", stderr.String())
	}
}
