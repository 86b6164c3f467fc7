package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// A secret's value never appears in the server's logs or answers (error
// answers, the start response, status, preview errors), whichever way it
// reaches the text: a validation error quoting a setting, an output's
// error repeating its URL, a template failing on it.
func TestServerNeverPrintsSecrets(t *testing.T) {
	const value = "Srv-S3cret-4711"
	t.Setenv("EVENTUM_SECRET_HPW", value)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	files := map[string]string{
		"generators/bad/generator.yml": "input:\n" + staticInput(1) + "\nevent:\n  script:\n    path: produce.star\n" +
			"output:\n  - http: {url: \"${secrets.hpw}\"}\n",
		"generators/bad/produce.star": "def produce(params):\n    return '{}'\n",
		"generators/sink/generator.yml": "input:\n" + staticInput(1) + "\nevent:\n  script:\n    path: produce.star\n" +
			fmt.Sprintf("output:\n  - http: {url: \"http://user:${secrets.hpw}@127.0.0.1:%d/x\", retry: {initial: 0.05, budget: 1}}\n", port),
		"generators/sink/produce.star": "def produce(params):\n    return '{}'\n",
		"generators/tmpl/generator.yml": "input:\n" + staticInput(1) + "\nevent:\n  template:\n    params: {pw: \"${secrets.hpw}\"}\n" +
			"    templates:\n      - t: {template: t.jinja}\noutput:\n  - stdout: {}\n",
		"generators/tmpl/t.jinja": "{{ int(params.pw) }}",
		"startup.yml": "- {id: bad, path: bad, autostart: false}\n" +
			"- {id: sink, path: sink, live_mode: false, autostart: false, write_timeout: 0.3}\n",
	}
	a := startApp(t, files, nil)
	var bodies bytes.Buffer
	call := func(method, path string, body any, code int) response {
		t.Helper()
		r := a.expect(method, path, body, code)
		bodies.Write(r.body)
		bodies.WriteByte('\n')
		return r
	}

	call("POST", "/api/generators/bad/start", nil, 422)
	call("GET", "/api/generators/bad/status", nil, 200)
	call("GET", "/api/generators/bad", nil, 200)

	call("POST", "/api/generators/sink/start", nil, 200)
	waitFor(t, "sink to end", 20*time.Second, func() bool {
		s := a.status("sink")
		return s.State != StateRunning && s.State != StateStarting
	})
	waitFor(t, "the write failure to be logged", 20*time.Second, func() bool {
		return strings.Contains(a.logs.String(), "127.0.0.1:"+itoa(port))
	})
	call("GET", "/api/generators/sink/status", nil, 200)

	r := call("POST", "/api/preview/tmpl/event-plugin/produce", `[{"timestamp": "2026-01-01T00:00:00Z", "tags": []}]`, 200)
	if !bytes.Contains(r.body, []byte("invalid literal")) {
		t.Fatalf("preview does not report the template error: %s", r.body)
	}

	// The Studio's routes: validation problems, and the log stream's records.
	call("POST", "/api/generator-configs/bad/validate", nil, 200)
	call("POST", "/api/generator-configs/sink/validate", nil, 200)
	backlog, sub := a.app.logs.subscribe()
	a.app.logs.unsubscribe(sub)
	stream, _ := json.Marshal(backlog)
	if !bytes.Contains(stream, []byte("127.0.0.1:"+itoa(port))) {
		t.Fatalf("the log stream lacks the write failure: %s", stream)
	}
	bodies.Write(stream)

	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	all := bodies.String() + a.logs.String()
	if strings.Contains(all, value) {
		t.Fatalf("the secret value is printed:\n%s", all)
	}
	if !strings.Contains(bodies.String(), "***") || !strings.Contains(a.logs.String(), "***@127.0.0.1") {
		t.Fatalf("nothing redacted: the cases do not print the secret's place:\n%s", all)
	}
}
