package cli

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// A secret's value never appears in anything the commands print (stdout
// and stderr: errors, log lines, summaries), however it got into the text:
// a validation error quoting the setting, an output's error repeating its
// URL, a template expression failing on it, a path that cannot be opened.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "S3cret-Pw-4711"
	t.Setenv("EVENTUM_SECRET_HPW", secret)
	dir := t.TempDir()
	write(t, dir, "ok.jinja", `{"a": 1}`)
	write(t, dir, "fail.jinja", "{{ int(params.pw) }}")
	port := closedPort(t)

	const input = "input:\n  - static: {count: 2}\n"
	const okEvent = "event:\n  template:\n    templates:\n      - t: {template: ok.jinja}\n"
	tests := []struct {
		name string
		yml  string
		args []string // after --path
		code int
	}{
		{"invalid url setting: validate", input + okEvent + "output:\n  - http: {url: \"${secrets.hpw}\"}\n",
			[]string{"validate"}, 1},
		{"invalid url setting: generate", input + okEvent + "output:\n  - http: {url: \"${secrets.hpw}\"}\n",
			[]string{"generate", "--no-live-mode"}, 1},
		{"password in the URL of an unreachable sink",
			input + okEvent + fmt.Sprintf("output:\n  - http: {url: \"http://user:${secrets.hpw}@127.0.0.1:%d/x\", retry: {initial: 0.05, budget: 1}}\n", port),
			[]string{"generate", "--no-live-mode", "--write-timeout", "0.3", "--log-level", "debug"}, -1},
		{"failing template expression: generate",
			input + "event:\n  template:\n    params: {pw: \"${secrets.hpw}\"}\n    templates:\n      - t: {template: fail.jinja}\noutput:\n  - stdout: {}\n",
			[]string{"generate", "--no-live-mode", "--log-level", "debug"}, 1},
		{"failing template expression: render",
			input + "event:\n  template:\n    params: {pw: \"${secrets.hpw}\"}\n    templates:\n      - t: {template: fail.jinja}\noutput:\n  - stdout: {}\n",
			[]string{"render"}, 1},
		{"template path naming the secret",
			input + "event:\n  template:\n    templates:\n      - t: {template: \"tmpl/${secrets.hpw}.jinja\"}\noutput:\n  - stdout: {}\n",
			[]string{"validate"}, 1},
		{"file output path naming the secret", // under a regular file: cannot be created
			input + okEvent + "output:\n  - file: {path: \"ok.jinja/${secrets.hpw}/out.log\"}\n",
			[]string{"generate", "--no-live-mode", "--log-level", "debug"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := write(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".yml", tc.yml)
			args := append([]string{tc.args[0], "--path", g}, tc.args[1:]...)
			stdout, stderr, code := run(t, args...)
			all := stdout + stderr
			if strings.Contains(all, secret) {
				t.Fatalf("the secret is printed (exit %d):\n%s", code, all)
			}
			if !strings.Contains(all, "***") {
				t.Fatalf("nothing redacted: the case does not print the secret's place (exit %d):\n%s", code, all)
			}
			if tc.code >= 0 && code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, all)
			}
		})
	}

}
