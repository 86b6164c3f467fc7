package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The API security table (docs/server.md, "Security model"). Every table
// walks the route table, so a new route is covered when it is added.

const secret = "TOP-SECRET-CONTENT"

func basicAuth(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}

// secFiles is a generators directory with a generator gen (startup id g1),
// a template, a template including a file outside, and a file outside the
// generators directory holding a secret.
func secFiles(appConfig string) map[string]string {
	return merge(genFiles("gen", staticInput(3), ""), map[string]string{
		"startup.yml":                "- id: g1\n  path: gen\n  autostart: false\n",
		"outside.txt":                secret + "\n",
		"generators/gen/t.jinja":     "inside {{ 1 }}",
		"generators/gen/inc.jinja":   `{% include "../../outside.txt" %}`,
		"generators/gen/data/ok.csv": "a,b\n",
		"generators/gen/sub.jinja":   `{{ subprocess.run('echo ran').stdout | trim }}`,
		"eventum.yml":                defaultAppConfig + appConfig,
	})
}

// startSecApp starts an app on secFiles with symbolic links leading out of
// the generators directory: generators/escape and generators/gen/escape.
func startSecApp(t *testing.T, appConfig string, extra map[string]string) *testApp {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, merge(secFiles(appConfig), extra))
	for _, link := range []string{"generators/escape", "generators/gen/escape"} {
		if err := os.Symlink(dir, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	return startAppDir(t, dir)
}

// routeRequest fills a route's pattern and gives it a well-formed body of
// its schema, so that what a test varies is the only reason for a refusal.
func routeRequest(t *testing.T, rt route, name, id, file string) (path string, body any, contentType string) {
	t.Helper()
	path = strings.NewReplacer("{$}", "", "{id}", id, "{name}", name, "{path...}", file,
		"{generator_id}", id, "{key}", "k", "{channel}", "main", "{alias}", "a").Replace(rt.path)
	switch rt.body {
	case "":
		return path, nil, ""
	case "binary":
		return path, "content", "application/octet-stream"
	case "IDList":
		body = []string{id}
	case "Entry":
		body = map[string]any{"path": "gen", "live_mode": false}
	case "string":
		body = "value"
	case "InputPlugins":
		body = []any{map[string]any{"static": map[string]any{"count": 1}}}
	case "FormatRequest":
		body = map[string]any{"formatter_config": map[string]any{"format": "json"}, "events": []string{`{"a":1}`}}
	case "PreviewInit":
		body = map[string]any{}
	case "LoginRequest":
		body = map[string]any{"user": "admin", "password": "s3cret"}
	case "PreviewRequest":
		body = map[string]any{"timestamps": []any{map[string]any{"timestamp": "2024-05-01T10:00:00Z"}}}
	case "object":
		body = map[string]any{
			"input":  []any{map[string]any{"static": map[string]any{"count": 1}}},
			"event":  map[string]any{"script": map[string]any{"path": "produce.star"}},
			"output": []any{map[string]any{"file": map[string]any{"path": "out.log"}}},
		}
	default:
		t.Fatalf("%s %s: no sample body for schema %q: add one to routeRequest", rt.method, rt.path, rt.body)
	}
	return path, body, "application/json"
}

func expectError(t *testing.T, what string, r response, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: status %d, want %d: %s", what, r.code, code, r.body)
	}
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" {
		t.Fatalf("%s: not a JSON error: %s", what, r.body)
	}
}

func expectUnchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := snapshotTree(t, dir)
	for k, v := range after {
		if b, ok := before[k]; !ok || b != v {
			t.Errorf("changed or created: %s", k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("removed: %s", k)
		}
	}
}

// The public routes are exactly /healthz and /api/openapi.json.
func TestPublicRoutes(t *testing.T) {
	t.Parallel()
	a := &App{Settings: &Settings{}}
	var public []string
	for _, rt := range a.routes() {
		if rt.public {
			public = append(public, rt.method+" "+rt.path)
		}
	}
	if want := []string{"GET /healthz", "GET /api/openapi.json"}; !reflect.DeepEqual(public, want) {
		t.Fatalf("public routes = %v, want %v", public, want)
	}
}

// With credentials configured on a loopback bind, every route but the
// public ones answers 401 without credentials or with wrong ones, and
// nothing happens.
func TestSecurityCredentialsEveryRoute(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "server.auth: {user: admin, password: s3cret, token: tok-123}\n", nil)
	before := snapshotTree(t, a.dir)
	for _, rt := range a.app.routes() {
		if rt.login { // credentials in the body: TestStudioSessions
			continue
		}
		path, body, ct := routeRequest(t, rt, "gen", "g1", "t.jinja")
		for _, cred := range []struct{ name, header string }{
			{"no credentials", ""},
			{"wrong password", basicAuth("admin", "wrong")},
			{"wrong user", basicAuth("root", "s3cret")},
			{"empty password", basicAuth("admin", "")},
			{"wrong token", "Bearer tok-999"},
			{"token as password", basicAuth("admin", "tok-123")},
			{"unknown scheme", "Token tok-123"},
		} {
			t.Run(rt.method+" "+path+"/"+cred.name, func(t *testing.T) {
				a.t = t
				hdr := []string{"Content-Type", ct}
				if cred.header != "" {
					hdr = append(hdr, "Authorization", cred.header)
				}
				r := a.do(rt.method, path, body, hdr...)
				if rt.public {
					if r.code != 200 {
						t.Fatalf("public route: %d %s", r.code, r.body)
					}
					return
				}
				expectError(t, cred.name, r, http.StatusUnauthorized)
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
	}
	a.t = t
	expectUnchanged(t, a.dir, before)
	if st := a.app.Manager.List(); len(st) != 1 || st[0].Status.State != StateStopped {
		t.Fatalf("generators changed: %+v", st)
	}
	// The same wrong credentials on every route counted once: not blocked.
	for _, cred := range []string{basicAuth("admin", "s3cret"), "Bearer tok-123"} {
		for _, p := range []string{"/api/generators/", "/metrics", "/api/instance/settings"} {
			if r := a.do("GET", p, nil, "Authorization", cred); r.code != 200 {
				t.Fatalf("GET %s with %q: %d %s", p, cred, r.code, r.body)
			}
		}
	}
	a.auth = basicAuth("admin", "s3cret")
	if r := a.expect("GET", "/api/instance/settings", nil, 200); bytes.Contains(r.body, []byte("s3cret")) || bytes.Contains(r.body, []byte("tok-123")) {
		t.Fatalf("settings leak credentials: %s", r.body)
	}
}

// Without credentials: only a loopback bind, the Host header must name
// this server, and Authorization is ignored.
func TestSecurityNoCredentialsHostCheck(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "server.allowed_hosts: [eventum.internal]\n", nil)
	before := snapshotTree(t, a.dir)
	for _, rt := range a.app.routes() {
		path, body, ct := routeRequest(t, rt, "gen", "g1", "t.jinja")
		for _, host := range []string{"evil.example", "evil.example:9474", "127.0.0.1.evil.example", "localhost.evil.example:80", "eventum.internal.evil"} {
			t.Run(rt.method+" "+path+"/"+host, func(t *testing.T) {
				a.t = t
				r := a.do(rt.method, path, body, "Content-Type", ct, "Host", host)
				if rt.public {
					if r.code != 200 {
						t.Fatalf("public route: %d %s", r.code, r.body)
					}
					return
				}
				expectError(t, "foreign Host", r, http.StatusForbidden)
			})
		}
	}
	a.t = t
	expectUnchanged(t, a.dir, before)
	for _, host := range []string{"localhost", "LOCALHOST:9474", "127.0.0.1:1", "[::1]:9474", "eventum.internal:8080", ""} {
		if r := a.do("GET", "/api/generators/", nil, "Host", host, "Authorization", basicAuth("any", "thing")); r.code != 200 {
			t.Errorf("Host %q: %d %s", host, r.code, r.body)
		}
	}
}

// A non-loopback bind without credentials is refused at start; no
// credentials are built in.
func TestSecurityBindRefusedWithoutCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, secFiles(""))
	s, err := LoadSettings(filepath.Join(dir, "eventum.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s.Server.Host = "0.0.0.0" // as --host does
	if _, err := New(s, Options{}); err == nil || !strings.Contains(err.Error(), "no credentials are configured") {
		t.Fatalf("New = %v, want a refusal", err)
	}
	s.Server.Auth.Token = "t"
	if _, err := New(s, Options{}); err != nil {
		t.Fatal(err)
	}
}

// State-changing routes refuse foreign origins and content types a browser
// sends cross-site without a preflight, with and without credentials; the
// same requests as JSON from the server's own origin work.
func TestSecurityCrossSite(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct{ name, config, auth string }{
		{"no credentials", "", ""},
		{"credentials", "server.auth: {user: admin, password: s3cret}\n", basicAuth("admin", "s3cret")},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			a := startSecApp(t, mode.config+"server.allowed_origins: [\"https://studio.example\"]\n", nil)
			a.auth = mode.auth
			before := snapshotTree(t, a.dir)
			for _, rt := range a.app.routes() {
				if !stateChanging(rt.method) {
					continue
				}
				path, body, ct := routeRequest(t, rt, "gen", "g1", "t.jinja")
				cases := []struct {
					name string
					hdr  []string
					code int
				}{
					{"foreign Origin", []string{"Content-Type", ct, "Origin", "https://evil.example"}, 403},
					{"foreign port", []string{"Content-Type", ct, "Origin", "http://127.0.0.1:1"}, 403},
					{"foreign scheme", []string{"Content-Type", ct, "Origin", "https://" + strings.TrimPrefix(a.url, "http://")}, 403},
					{"null Origin", []string{"Content-Type", ct, "Origin", "null"}, 403},
					{"cross-site fetch", []string{"Content-Type", ct, "Sec-Fetch-Site", "cross-site"}, 403},
					{"text/plain", []string{"Content-Type", "text/plain"}, 415},
					{"text/plain own origin", []string{"Content-Type", "text/plain;charset=UTF-8", "Origin", a.url}, 415},
					{"form", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
				}
				if rt.body != "binary" {
					cases = append(cases, struct {
						name string
						hdr  []string
						code int
					}{"multipart", []string{"Content-Type", "multipart/form-data; boundary=x"}, 415})
				}
				if rt.body != "" {
					cases = append(cases, struct {
						name string
						hdr  []string
						code int
					}{"no content type", []string{"Content-Type", ""}, 415})
				}
				for _, tc := range cases {
					t.Run(rt.method+" "+path+"/"+tc.name, func(t *testing.T) {
						a.t = t
						expectError(t, tc.name, a.do(rt.method, path, body, tc.hdr...), tc.code)
					})
				}
			}
			a.t = t
			expectUnchanged(t, a.dir, before)

			// The acceptance check: the same preview as text/plain from a
			// foreign origin is refused, as JSON it works.
			preview := `{"event": {"template": {"templates": [{"a": {"template": "gen/t.jinja"}}]}}, "timestamps": [{"timestamp": "2024-05-01T10:00:00Z"}]}`
			if r := a.do("POST", "/api/preview/", preview, "Content-Type", "text/plain", "Origin", "https://evil.example"); r.code < 400 || r.code > 499 {
				t.Fatalf("text/plain preview from a foreign origin: %d %s", r.code, r.body)
			}
			for _, origin := range []string{"", a.url, "https://studio.example", "HTTPS://Studio.Example:443"} {
				r := a.do("POST", "/api/preview/", preview, "Origin", origin)
				var res previewResult
				if r.code != 200 || json.Unmarshal(r.body, &res) != nil || fmt.Sprint(res.Events) != "[inside 1]" {
					t.Fatalf("JSON preview, Origin %q: %d %s", origin, r.code, r.body)
				}
			}
			// Uploads: raw octet-stream or multipart, from the own origin.
			var mp bytes.Buffer
			mw := multipart.NewWriter(&mp)
			fw, _ := mw.CreateFormFile("content", "x.txt")
			fw.Write([]byte("hi"))
			mw.Close()
			if r := a.do("POST", "/api/generator-configs/gen/file/up1.txt", mp.Bytes(), "Content-Type", mw.FormDataContentType(), "Origin", a.url); r.code != 201 {
				t.Fatalf("multipart upload: %d %s", r.code, r.body)
			}
			if r := a.do("POST", "/api/generator-configs/gen/file/up2.txt", "hi"); r.code != 201 {
				t.Fatalf("raw upload: %d %s", r.code, r.body)
			}
			// Bodiless routes take no content type, or JSON.
			a.expect("POST", "/api/generators/g1/stop", nil, 200)
			if r := a.do("POST", "/api/generators/g1/stop", nil, "Content-Type", "application/json"); r.code != 200 {
				t.Fatalf("stop with JSON content type: %d %s", r.code, r.body)
			}
			// No CORS: a preflight is not granted and no answer allows other origins.
			r := a.do("OPTIONS", "/api/preview/", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
			if r.code < 400 {
				t.Fatalf("preflight answered %d", r.code)
			}
			for _, h := range []string{r.header.Get("Access-Control-Allow-Origin"), a.do("GET", "/api/generators/", nil, "Origin", "https://evil.example").header.Get("Access-Control-Allow-Origin")} {
				if h != "" {
					t.Fatalf("Access-Control-Allow-Origin: %q", h)
				}
			}
		})
	}
}

// Failed logins: after 10 failures (distinct credentials) from one address
// within a minute every request from it answers 429 with Retry-After, even
// with the right credentials; the same wrong credentials again count once.
func TestSecurityFailedLoginRateLimit(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "server.auth: {user: admin, password: s3cret}\n", nil)
	for i := range 20 { // a stale password, resent: never blocked
		expectError(t, "stale password "+strconv.Itoa(i), a.do("GET", "/api/generators/", nil, "Authorization", basicAuth("admin", "old")), 401)
	}
	for i := range maxAuthFailures - 1 { // with "old": 10 distinct failures
		expectError(t, "guess "+strconv.Itoa(i), a.do("GET", "/api/generators/", nil, "Authorization", basicAuth("admin", "guess"+strconv.Itoa(i))), 401)
	}
	for _, cred := range []string{basicAuth("admin", "guess-more"), basicAuth("admin", "s3cret"), ""} {
		r := a.do("GET", "/api/generators/", nil, "Authorization", cred)
		expectError(t, "blocked", r, http.StatusTooManyRequests)
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
		}
	}
	a.expect("GET", "/healthz", nil, 200)
}

// The limiter with a clock under the test's control: the window slides,
// Retry-After counts down, a success forgets the failures, and the number
// of addresses it tracks is bounded.
func TestFailLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1e9, 0)
	l := newFailLimiter(3, time.Minute, func() time.Time { return now })
	step := func(d time.Duration) { now = now.Add(d) }
	l.fail("a", "p1")
	step(10 * time.Second)
	l.fail("a", "p2")
	l.fail("a", "p2") // repeated: counted once
	if w := l.blocked("a"); w != 0 {
		t.Fatalf("blocked after 2 distinct failures: %s", w)
	}
	l.fail("a", "p3")
	if w := l.blocked("a"); w != 50*time.Second {
		t.Fatalf("wait = %s, want 50s (the first failure leaves the window)", w)
	}
	if l.blocked("b") != 0 {
		t.Fatal("another address is blocked")
	}
	step(50 * time.Second)
	if w := l.blocked("a"); w != 0 {
		t.Fatalf("still blocked once the first failure is a minute old: %s", w)
	}
	l.fail("a", "p1") // p1 left the window: it counts again
	if w := l.blocked("a"); w != 10*time.Second {
		t.Fatalf("wait = %s, want 10s", w)
	}
	l.forget("a")
	if l.blocked("a") != 0 {
		t.Fatal("blocked after a success")
	}
	if got := retryAfterSeconds(1500 * time.Millisecond); got != "2" {
		t.Fatalf("Retry-After of 1.5s = %s", got)
	}
	for i := range maxTrackedClients + 50 {
		l.fail("addr"+strconv.Itoa(i), "x")
	}
	if n := len(l.clients); n > maxTrackedClients {
		t.Fatalf("tracking %d addresses", n)
	}
}

// Every route that takes a path refuses traversal, absolute paths and links
// leading out of the generators directory (403), and nothing changes.
func TestSecurityPathsEveryRoute(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "", nil)
	before := snapshotTree(t, a.dir)
	n := 0
	for _, rt := range a.app.routes() {
		if !strings.Contains(rt.path, "{name}") || rt.tag == "Secrets" || rt.tag == "Scenarios" { // secret and scenario names are no paths
			continue
		}
		var paths []string
		for _, name := range []string{"%2E%2E", "..%2F..%2Fetc", "%2Fetc", "escape", "..%2Fgenerators%2Fgen"} {
			p, _, _ := routeRequest(t, rt, name, "g1", "t.jinja")
			paths = append(paths, p)
		}
		if strings.Contains(rt.path, "{path...}") {
			for _, file := range []string{"..%2F..%2Foutside.txt", "%2Fetc%2Fpasswd", "escape/outside.txt", "data/..%2F..%2F..%2Foutside.txt", "escape/generators/gen/t.jinja"} {
				p, _, _ := routeRequest(t, rt, "gen", "g1", file)
				paths = append(paths, p)
			}
		}
		_, body, ct := routeRequest(t, rt, "gen", "g1", "t.jinja")
		for _, p := range paths {
			n++
			t.Run(rt.method+" "+p, func(t *testing.T) {
				a.t = t
				r := a.do(rt.method, p, body, "Content-Type", ct)
				expectError(t, "path outside", r, http.StatusForbidden)
				if bytes.Contains(r.body, []byte(secret)) {
					t.Fatalf("the answer holds the secret: %s", r.body)
				}
			})
		}
	}
	if n < 50 {
		t.Fatalf("only %d path cases: the route walk missed routes", n)
	}
	// Paths in request bodies: the config of a generator or startup entry.
	for _, rt := range a.app.routes() {
		if rt.body != "Entry" {
			continue
		}
		for _, p := range []string{"../outside.txt", filepath.Join(a.dir, "outside.txt"), "/etc/passwd", "gen/escape/outside.txt", "escape"} {
			path, _, _ := routeRequest(t, rt, "gen", "g1", "")
			t.Run(rt.method+" "+path+" path="+p, func(t *testing.T) {
				a.t = t
				expectError(t, "entry path outside", a.do(rt.method, path, map[string]any{"path": p}), http.StatusForbidden)
			})
		}
	}
	a.t = t
	expectUnchanged(t, a.dir, before)
}

// Preview fragments naming files outside the generators directory are
// refused (403) and never return them; the same fragments inside work.
func TestSecurityPreviewConfined(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "", nil)
	abs := filepath.Join(a.dir, "outside.txt")
	ts := []any{map[string]any{"timestamp": "2024-05-01T10:00:00Z"}}
	tmpl := func(p string) map[string]any {
		return map[string]any{"template": map[string]any{"templates": []any{map[string]any{"a": map[string]any{"template": p}}}}}
	}
	sample := func(typ, tpl, src string) map[string]any {
		ev := tmpl(tpl)
		ev["template"].(map[string]any)["samples"] = map[string]any{"s": map[string]any{"type": typ, "source": src}}
		return ev
	}
	// prefix is where the route resolves relative paths: the generators
	// directory for /api/preview/, gen for the named route.
	for _, route := range []struct{ url, prefix string }{{"/api/preview/", "gen/"}, {"/api/preview/gen/event-plugin/produce", ""}} {
		up := "../"
		if route.prefix == "" {
			up = "../../"
		}
		for _, tc := range []struct {
			name  string
			event map[string]any
		}{
			{"template absolute", tmpl(abs)},
			{"template /etc/passwd", tmpl("/etc/passwd")},
			{"template ..", tmpl(up + "outside.txt")},
			{"template ../ deep", tmpl(up + "../../../../../../etc/passwd")},
			{"template through a link", tmpl(route.prefix + "escape/outside.txt")},
			{"template including outside", tmpl(route.prefix + "inc.jinja")},
			{"csv sample ..", sample("csv", route.prefix+"t.jinja", up+"outside.txt")},
			{"json sample absolute", sample("json", route.prefix+"t.jinja", abs)},
			{"script ..", map[string]any{"script": map[string]any{"path": up + "outside.txt"}}},
			{"script absolute", map[string]any{"script": map[string]any{"path": abs}}},
			{"replay ..", map[string]any{"replay": map[string]any{"path": up + "outside.txt"}}},
			{"replay absolute", map[string]any{"replay": map[string]any{"path": abs}}},
			{"replay through a link", map[string]any{"replay": map[string]any{"path": route.prefix + "escape/outside.txt"}}},
			{"replay via params", map[string]any{"replay": map[string]any{"path": "${params.p}"}}},
		} {
			t.Run(route.url+"/"+tc.name, func(t *testing.T) {
				a.t = t
				r := a.do("POST", route.url, map[string]any{"event": tc.event, "params": map[string]any{"p": abs}, "timestamps": ts})
				expectError(t, tc.name, r, http.StatusForbidden)
				if bytes.Contains(r.body, []byte(secret)) {
					t.Fatalf("the answer holds the secret: %s", r.body)
				}
				if !strings.Contains(string(r.body), "outside") {
					t.Fatalf("the refusal does not say why: %s", r.body)
				}
			})
		}
		a.t = t
		var res previewResult
		a.expect("POST", route.url, map[string]any{"event": sample("csv", route.prefix+"t.jinja", route.prefix+"data/ok.csv"), "timestamps": ts}, 200).json(t, &res)
		if fmt.Sprint(res.Events) != "[inside 1]" {
			t.Fatalf("%s: preview inside: %+v", route.url, res)
		}
	}
	// A generator directory that is a link leading out.
	expectError(t, "linked directory", a.do("POST", "/api/preview/escape/event-plugin/produce", map[string]any{"timestamps": ts}), 403)
}

// Generators run through the API are confined: reads inside the generators
// directory, file outputs inside path.output_dir; the operator's own
// startup generators are not.
func TestSecurityConfinedRuns(t *testing.T) {
	t.Parallel()
	cfg := func(input, event, output string) string {
		return "input:\n" + input + "\nevent:\n" + event + "\noutput:\n" + output + "\n"
	}
	script := "  script:\n    path: produce.star"
	static := staticInput(3)
	fileOut := func(p string) string { return "  - file:\n      path: " + p + "\n      flush_interval: 0.05" }
	extra := map[string]string{
		"generators/leak/generator.yml": cfg(static, script, fileOut("../../escaped.log")),
		"generators/leak/produce.star":  "def produce(params):\n    return 'x'\n",
		"generators/abs/generator.yml":  cfg(static, script, fileOut("${params.out}")),
		"generators/abs/produce.star":   "def produce(params):\n    return 'x'\n",
		"generators/op/generator.yml":   cfg(static, script, fileOut("../../operator.log")),
		"generators/op/produce.star":    "def produce(params):\n    return 'x'\n",
		"generators/tp/generator.yml":   cfg("  - time_patterns:\n      patterns: [../../outside.txt]", script, "  - stdout: {}"),
		"generators/ts/generator.yml":   cfg("  - timestamps:\n      source: ../../outside.txt", script, "  - stdout: {}"),
		"generators/fmt/generator.yml":  cfg(static, script, "  - stdout:\n      formatter: {format: template, path: ../../outside.txt}"),
		"generators/tls/generator.yml":  cfg(static, script, "  - http:\n      url: https://127.0.0.1:1/\n      ca_cert: ../../outside.txt"),
		"generators/link/generator.yml": cfg(static, script, fileOut("escape/linked.log")),
		"startup.yml": "- id: g1\n  path: gen\n  autostart: false\n" +
			"- id: op\n  path: op\n  live_mode: false\n",
	}
	for _, d := range []string{"tp", "ts", "fmt", "tls", "link"} {
		extra["generators/"+d+"/produce.star"] = "def produce(params):\n    return 'x'\n"
	}
	a := startSecApp(t, "", extra)
	if err := os.Symlink(a.dir, filepath.Join(a.dir, "generators/link/escape")); err != nil {
		t.Fatal(err)
	}
	// The operator's generator ran unconfined at start-up.
	waitFor(t, "op to finish", 10*time.Second, func() bool { return a.status("op").State == StateFinished })
	if st := a.status("op"); st.Confined || countLines(t, filepath.Join(a.dir, "operator.log")) != 3 {
		t.Fatalf("operator's generator: %+v", st)
	}
	before := snapshotTree(t, a.dir)

	// The same generator restarted through the API is confined.
	r := a.do("POST", "/api/generators/op/restart", nil)
	expectError(t, "restart through the API", r, 403)
	if st := a.status("op"); !st.Confined || st.State != StateFailed || !strings.Contains(st.Error, "outside") {
		t.Fatalf("op after an API restart: %+v", st)
	}

	for _, tc := range []struct {
		id, path string
		params   map[string]any
		key      string
	}{
		{"leak", "leak", nil, "path"},
		{"abs", "abs", map[string]any{"out": filepath.Join(a.dir, "abs-escaped.log")}, "path"},
		{"abs-tmp", "abs", map[string]any{"out": "/tmp/eventum-escaped.log"}, "path"},
		{"tp", "tp", nil, "patterns"},
		{"ts", "ts", nil, "source"},
		{"fmt", "fmt", nil, "path"},
		{"tls", "tls", nil, "ca_cert"},
		{"link", "link", nil, "path"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			a.t = t
			a.expect("POST", "/api/generators/"+tc.id, map[string]any{"path": tc.path, "live_mode": false, "params": tc.params}, 201)
			for _, route := range []string{"/start", "/restart"} {
				r := a.do("POST", "/api/generators/"+tc.id+route, nil)
				expectError(t, route, r, 403)
				if !strings.Contains(string(r.body), tc.key+" ") || !strings.Contains(string(r.body), "outside") || bytes.Contains(r.body, []byte(secret)) {
					t.Fatalf("%s: the refusal does not name the key and path: %s", route, r.body)
				}
			}
			var bulk bulkStartResponse
			a.expect("POST", "/api/generators/group-actions/bulk-start", []string{tc.id}, 200).json(t, &bulk)
			if len(bulk.Running) != 0 {
				t.Fatalf("bulk-start ran it: %+v", bulk)
			}
		})
	}
	a.t = t
	if _, err := os.Stat("/tmp/eventum-escaped.log"); err == nil {
		t.Error("/tmp/eventum-escaped.log was written")
	}

	// A startup entry written through the API is marked confined, so even
	// the instance restart (and a later start-up) runs it confined.
	a.expect("POST", "/api/startup/leak2", map[string]any{"path": "leak", "live_mode": false, "confined": false}, 201)
	data, _ := os.ReadFile(filepath.Join(a.dir, "startup.yml"))
	if !strings.Contains(string(data), "confined: true") {
		t.Fatalf("startup entry not marked confined:\n%s", data)
	}
	before["startup.yml"] = string(data)
	r = a.expect("POST", "/api/instance/restart", nil, 200)
	if !strings.Contains(string(r.body), "outside") {
		t.Fatalf("instance restart: %s", r.body)
	}
	if st := a.status("leak2"); st.State != StateFailed || !st.Confined {
		t.Fatalf("leak2: %+v", st)
	}
	expectUnchanged(t, a.dir, before)
	// The next start-up, by the operator: op runs unconfined again, leak2
	// (written through the API) stays confined.
	b := startAppDir(t, a.dir)
	waitFor(t, "op to finish", 10*time.Second, func() bool { return b.status("op").State == StateFinished })
	if st := b.status("leak2"); st.State != StateFailed || !st.Confined || !strings.Contains(st.Error, "outside") {
		t.Fatalf("leak2 at start-up: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(a.dir, "escaped.log")); err == nil {
		t.Fatal("escaped.log was written")
	}

	// Inside the directories a generator run through the API works.
	a.expect("POST", "/api/generators/fine", map[string]any{"path": "gen", "live_mode": false}, 201)
	a.expect("POST", "/api/generators/fine/start", nil, 200)
	waitFor(t, "fine to finish", 10*time.Second, func() bool { return a.status("fine").State == StateFinished })
	if n := countLines(t, filepath.Join(a.dir, "generators/gen/out.log")); n != 3 {
		t.Fatalf("out.log has %d lines", n)
	}
}

// The operator widens path.output_dir: file outputs of generators run
// through the API may then leave the generators directory (reads may not).
func TestSecurityWiderOutputDir(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "path.output_dir: .\n", map[string]string{
		"generators/leak/generator.yml": "input:\n" + staticInput(2) + "\nevent:\n  script:\n    path: produce.star\noutput:\n  - file:\n      path: ../../escaped.log\n      flush_interval: 0.05\n",
		"generators/leak/produce.star":  "def produce(params):\n    return 'x'\n",
	})
	a.expect("POST", "/api/generators/leak", map[string]any{"path": "leak", "live_mode": false}, 201)
	a.expect("POST", "/api/generators/leak/start", nil, 200)
	waitFor(t, "leak to finish", 10*time.Second, func() bool { return a.status("leak").State == StateFinished })
	if n := countLines(t, filepath.Join(a.dir, "escaped.log")); n != 2 {
		t.Fatalf("escaped.log has %d lines", n)
	}
	expectError(t, "read outside", a.do("POST", "/api/preview/", map[string]any{
		"event": map[string]any{"replay": map[string]any{"path": "../outside.txt"}}, "timestamps": []any{map[string]any{}}}), 403)
}

// generation.allow_subprocess: false refuses templates that use subprocess
// in previews, in generators run through the API and in the operator's;
// an entry cannot turn it back on.
func TestSecuritySubprocessSwitch(t *testing.T) {
	t.Parallel()
	subGen := "input:\n" + staticInput(1) + "\nevent:\n  template:\n    templates:\n      - a: {template: sub.jinja}\noutput:\n  - file:\n      path: sub.log\n"
	extra := map[string]string{
		"generators/sub/generator.yml": subGen,
		"generators/sub/sub.jinja":     `{{ subprocess.run('echo ran > ran.txt; echo ran').stdout | trim }}`,
		"startup.yml":                  "- id: g1\n  path: gen\n  autostart: false\n- id: sub\n  path: sub\n  live_mode: false\n",
	}
	preview := map[string]any{"event": map[string]any{"template": map[string]any{"templates": []any{map[string]any{"a": map[string]any{"template": "gen/sub.jinja"}}}}},
		"timestamps": []any{map[string]any{"timestamp": "2024-05-01T10:00:00Z"}}}

	off := startSecApp(t, "generation.allow_subprocess: false\n", extra)
	r := off.do("POST", "/api/preview/", preview)
	expectError(t, "preview", r, 422)
	if !strings.Contains(string(r.body), "uses subprocess, which is disabled") {
		t.Fatalf("preview refusal: %s", r.body)
	}
	if st := off.status("sub"); st.State != StateFailed || !strings.Contains(st.Error, "allow_subprocess") {
		t.Fatalf("operator's generator: %+v", st)
	}
	expectError(t, "start", off.do("POST", "/api/generators/sub/start", nil), 422)
	expectError(t, "entry turning it on", off.do("POST", "/api/generators/x", map[string]any{"path": "sub", "allow_subprocess": true}), 422)
	if _, err := os.Stat(filepath.Join(off.dir, "generators/sub/ran.txt")); err == nil {
		t.Fatal("the command ran")
	}

	on := startSecApp(t, "", extra)
	var res previewResult
	on.expect("POST", "/api/preview/", preview, 200).json(t, &res)
	if fmt.Sprint(res.Events) != "[ran]" {
		t.Fatalf("preview with subprocess allowed: %+v", res)
	}
	// An entry may turn it off for itself.
	on.expect("POST", "/api/generators/nosub", map[string]any{"path": "sub", "allow_subprocess": false}, 201)
	r = on.do("POST", "/api/generators/nosub/start", nil)
	expectError(t, "entry turning it off", r, 422)
	if !strings.Contains(string(r.body), "disabled") {
		t.Fatalf("start: %s", r.body)
	}
}
