package server

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The Studio in a real browser: Debian's chromium, headless, driven by
// chromedp. Screenshots of each step go to the test's temp dir (and to
// -studio-shots, for docs/studio.md).

var studioShots = flag.String("studio-shots", "", "directory to copy the Studio browser test's screenshots to")

// chromiumPath finds the browser; without it the test skips, except
// under CI=true where it fails (.ci/chromium.sh installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: .ci/chromium.sh installs it")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// copyExamples copies examples/ into dir, so the test edits copies.
func copyExamples(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join("..", "examples")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startExampleApp serves a copy of the bundled app example
// (examples/app/eventum.yml and its startup file) with extra settings.
func startExampleApp(t *testing.T, extra string) *testApp {
	t.Helper()
	dir := t.TempDir()
	copyExamples(t, dir)
	app := filepath.Join(dir, "app")
	base, err := os.ReadFile(filepath.Join(app, "eventum.yml"))
	if err != nil {
		t.Fatal(err)
	}
	// The generators write to stdout: keep the test's output readable.
	cfg := string(base) + extra
	if err := os.WriteFile(filepath.Join(app, "eventum.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, gen := range []string{"script-tracing", "script-metrics", "quickstart", "template-access-log"} {
		redirectStdout(t, filepath.Join(dir, gen, "generator.yml"))
	}
	return startAppDirTB(t, app)
}

// redirectStdout makes a generator write a file instead of stdout.
func redirectStdout(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), "\noutput:")
	if i < 0 {
		t.Fatalf("%s: no output section", path)
	}
	out := string(data[:i]) + "\noutput:\n- file: {path: out.log}\n"
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
	n     int
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1400, 900), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	// A bound for the whole browser session, not a synchronisation.
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, shots: t.TempDir()}
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that answers a value.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// shot saves a PNG of the viewport.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.n++
	file := fmt.Sprintf("%02d-%s.png", b.n, name)
	for _, dir := range []string{b.shots, *studioShots} {
		if dir == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
			b.t.Error(err)
		}
	}
	b.t.Logf("screenshot: %s", filepath.Join(b.shots, file))
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))
}

// produced reads a generator row's produced counter.
func (b *browser) produced(id string) int {
	b.t.Helper()
	text := get(b, "read counter", chromedp.Text(chromedp.CSS(`tr[data-id="`+id+`"] .produced`)))
	n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(text), ",", ""))
	if err != nil {
		return 0 // "–": has not run
	}
	return n
}

func producedJS(id string) string {
	return `(() => { const c = document.querySelector('tr[data-id="` + id + `"] .produced'); return c ? Number(c.textContent.replace(/,/g, '')) || 0 : 0; })()`
}

func TestStudioBrowser(t *testing.T) {
	b := newBrowser(t)
	a := startExampleApp(t, "server.auth: {user: admin, password: studio-pw}\n")

	// Without credentials: the login page, and nothing else. (/ answers
	// 401 with a basic-auth challenge and the same form: a headless
	// browser without credentials gives up on it, so the form is opened
	// at /login; TestStudioPagesWithoutCredentials checks / itself.)
	b.run("login page", chromedp.Navigate(a.url+"/login"), chromedp.WaitVisible(chromedp.ID(`login`)))
	title := get(b, "title", chromedp.Title())
	if !strings.Contains(title, "log in") {
		t.Fatalf("title %q: not the login page", title)
	}
	b.shot("login")

	// Log in through the form: the generators of the startup file appear.
	b.run("log in",
		chromedp.SendKeys(chromedp.ID(`user`), "admin"),
		chromedp.SendKeys(chromedp.ID(`password`), "studio-pw"),
		chromedp.Click(chromedp.ID(`login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-id="quickstart"]`)))
	for _, id := range []string{"tracing", "metrics", "quickstart"} {
		state := get(b, "row "+id, chromedp.AttributeValue(chromedp.CSS(`tr[data-id="`+id+`"]`), "data-state"))
		if state.Value == "" {
			t.Fatalf("generator %s has no state in the DOM", id)
		}
	}
	b.run("autostarted generators run", waitJS(`document.querySelector('tr[data-id="tracing"]').dataset.state === 'running'`))
	b.shot("generators")

	// Start quickstart from its button: its state changes and its counter rises.
	b.run("start quickstart",
		chromedp.Click(chromedp.CSS(`tr[data-id="quickstart"] button.start`)),
		waitJS(`['running','finished'].includes(document.querySelector('tr[data-id="quickstart"]').dataset.state)`),
		waitJS(producedJS("quickstart")+` >= 1`))
	first := b.produced("quickstart")
	b.run("counter rises", waitJS(producedJS("quickstart")+` > `+strconv.Itoa(first)))
	b.shot("generator-started")

	// Edit a template: the preview beside the editor changes on save.
	b.run("open template",
		chromedp.Navigate(a.url+"/#/editor/template-access-log/templates/access_log.jinja"),
		waitJS(`window.eventumStudio && window.eventumStudio.editor.state.doc.toString().includes('{{')`),
		waitJS(`document.getElementById('preview').textContent.length > 0`))
	before := get(b, "preview before", chromedp.Text(chromedp.ID(`preview`)))
	if strings.Contains(before, "STUDIO-EDIT") {
		t.Fatal("marker already in the preview")
	}
	b.run("edit and save",
		chromedp.Evaluate[chromedp.Void](`(() => { const v = window.eventumStudio.editor; v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: 'STUDIO-EDIT {{ 6 * 7 }}\n'}}); })()`),
		chromedp.Click(chromedp.ID(`save`)),
		waitJS(`document.getElementById('preview').textContent.includes('STUDIO-EDIT 42')`))
	b.shot("editor-preview")

	// Break the generator's YAML: the error is listed and marked at its line.
	b.run("open generator.yml",
		chromedp.Click(chromedp.CSS(`a[data-path="generator.yml"]`)),
		waitJS(`document.getElementById('file-title').textContent === 'generator.yml' && window.eventumStudio.editor.state.doc.toString().includes('output:')`))
	cases := []struct {
		name, from, to string
		line           int
		want           string
	}{
		{"misspelt key", "    count: 5", "    cuont: 5", 7, "cuont"},
		{"YAML syntax", "    count: 5", "    count: [5", 0, "generator.yml"},
	}
	for _, tc := range cases {
		js := fmt.Sprintf(`(() => { const v = window.eventumStudio.editor; const s = v.state.doc.toString().replace('cuont: 5', 'count: 5').replace('count: [5', 'count: 5'); v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: s.replace(%q, %q)}}); })()`, tc.from, tc.to)
		b.run("break: "+tc.name,
			chromedp.Evaluate[chromedp.Void](js),
			chromedp.Click(chromedp.ID(`save`)),
			waitJS(`document.getElementById('problems').dataset.ok === 'false'`))
		problems := get(b, "problems", chromedp.Text(chromedp.ID(`problems`)))
		if !strings.Contains(problems, tc.want) {
			t.Fatalf("%s: problems %q do not mention %q", tc.name, problems, tc.want)
		}
		if tc.line > 0 {
			if !strings.Contains(problems, fmt.Sprintf("generator.yml:%d:", tc.line)) {
				t.Fatalf("%s: problems %q are not at line %d", tc.name, problems, tc.line)
			}
			// The editor marks the line.
			b.run("lint mark", waitJS(`document.querySelector('.cm-lintRange-error, .cm-lint-marker-error') !== null`))
		}
		b.shot("yaml-error-" + strings.ReplaceAll(tc.name, " ", "-"))
	}

	// New file and move, from the file tree's buttons (the prompt answered).
	b.run("new file",
		chromedp.Evaluate[chromedp.Void](`window.prompt = () => 'notes/extra.txt'`),
		chromedp.Click(chromedp.ID(`file-new`)),
		waitJS(`document.querySelector('a[data-path="notes/extra.txt"]') !== null && document.getElementById('file-title').textContent === 'notes/extra.txt'`))
	b.run("move file",
		chromedp.Evaluate[chromedp.Void](`window.prompt = () => 'notes/moved.txt'`),
		chromedp.Click(chromedp.ID(`file-move`)),
		waitJS(`document.querySelector('a[data-path="notes/moved.txt"]') !== null && document.querySelector('a[data-path="notes/extra.txt"]') === null`))
	if _, err := os.Stat(filepath.Join(a.dir, "..", "template-access-log", "notes", "moved.txt")); err != nil {
		t.Fatalf("moved file: %v", err)
	}

	// The time-pattern chart is drawn from the server's counts.
	b.run("timeline", chromedp.Navigate(a.url+"/#/timeline/time-patterns"),
		waitJS(`document.querySelector('#timeline-chart canvas') !== null && /timestamps/.test(document.getElementById('timeline-info').textContent)`))
	b.shot("time-patterns")

	// The scenario of the startup file, and the log stream.
	b.run("scenarios", chromedp.Navigate(a.url+"/#/scenarios"),
		waitJS(`document.querySelector('tr[data-scenario="observability"]') !== null`))
	a.app.Log.Warn("a record for the Studio's log view")
	b.run("logs", chromedp.Navigate(a.url+"/#/logs"),
		waitJS(`document.getElementById('logs').textContent.includes("a record for the Studio's log view")`))
	b.shot("logs")

	// Logging out ends the session: the page is the login page again.
	b.run("log out", chromedp.Navigate(a.url+"/#/instance"), chromedp.WaitVisible(chromedp.ID(`logout`)),
		chromedp.Click(chromedp.ID(`logout`)), chromedp.WaitVisible(chromedp.ID(`login`)))
	if code := get(b, "API after logout", chromedp.Evaluate[int](`fetch('/api/generators/', {headers: {'X-Requested-With': 'eventum-studio'}}).then(r => r.status)`, chromedp.EvalAwaitPromise)); code != 401 {
		t.Fatalf("API after logout: %d, want 401", code)
	}
}

// With the browser's basic auth (user-info in the URL) and without any
// credentials configured (loopback), the page lists the generators too.
func TestStudioBrowserBasicAuthAndLocal(t *testing.T) {
	b := newBrowser(t)
	for _, tc := range []struct{ name, extra, userinfo string }{
		{"basic auth in the URL", "server.auth: {user: admin, password: studio-pw}\n", "admin:studio-pw@"},
		{"no credentials", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			a := startExampleApp(t, tc.extra)
			url := strings.Replace(a.url, "http://", "http://"+tc.userinfo, 1) + "/"
			b.run("load", chromedp.Navigate(url),
				chromedp.WaitVisible(chromedp.CSS(`tr[data-id="quickstart"]`)),
				waitJS(`document.querySelector('tr[data-id="tracing"]').dataset.state === 'running'`))
			b.run("start", chromedp.Click(chromedp.CSS(`tr[data-id="quickstart"] button.start`)),
				waitJS(producedJS("quickstart")+` >= 1`))
		})
	}
}

// Without credentials, / and /ui/ answer 401 with the login form (and a
// basic-auth challenge), the login page and its assets are served, and
// nothing else; with credentials / is the Studio.
func TestStudioPagesWithoutCredentials(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "server.auth: {user: admin, password: s3cret}\n", nil)
	for _, p := range []string{"/", "/ui/"} {
		r := a.do("GET", p, nil)
		if r.code != 401 || !strings.Contains(string(r.body), `id="login"`) || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("GET %s without credentials: %d %q %s", p, r.code, r.header.Get("WWW-Authenticate"), r.body)
		}
		if r := a.do("GET", p, nil, "Authorization", basicAuth("admin", "s3cret")); r.code != 200 || !strings.Contains(string(r.body), "app.js") {
			t.Fatalf("GET %s with credentials: %d %s", p, r.code, r.body)
		}
	}
	for _, p := range []string{"/login", "/ui/assets/login.js", "/ui/assets/app.css", "/ui/assets/app.js"} {
		r := a.do("GET", p, nil)
		if r.code != 200 || r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("Content-Security-Policy") == "" {
			t.Fatalf("GET %s: %d %v", p, r.code, r.header)
		}
	}
	for _, p := range []string{"/ui/assets/index.html", "/ui/assets/..%2Fdist%2Findex.html", "/ui/assets/nope.js", "/ui/other"} {
		if r := a.do("GET", p, nil); r.code != 404 && r.code != 401 {
			t.Fatalf("GET %s: %d", p, r.code)
		}
	}
	// Without credentials (loopback), the pages check the Host header.
	local := startSecApp(t, "", nil)
	for _, p := range []string{"/", "/login", "/ui/assets/app.js"} {
		if r := local.do("GET", p, nil, "Host", "evil.example"); r.code != 403 {
			t.Fatalf("foreign Host on %s: %d", p, r.code)
		}
		if r := local.do("GET", p, nil); r.code != 200 {
			t.Fatalf("GET %s: %d", p, r.code)
		}
	}
}

// server.ui.enabled: false serves no page.
func TestStudioDisabled(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "server.ui.enabled: false\n", nil)
	for _, p := range []string{"/", "/ui/", "/login", "/ui/assets/app.js"} {
		if r := a.do("GET", p, nil); r.code != 404 {
			t.Fatalf("GET %s with the UI disabled: %d", p, r.code)
		}
	}
}

// A login session counts as credentials; state-changing requests made
// with it need its CSRF token and the server's own Origin; logging out
// ends it. Wrong credentials in the body count for the failed-login limiter.
func TestStudioSessions(t *testing.T) {
	t.Parallel()
	a := startSecApp(t, "server.auth: {user: admin, password: s3cret, token: tok-123}\n", nil)
	expectError(t, "wrong password", a.do("POST", "/api/auth/login", map[string]string{"user": "admin", "password": "nope"}), 401)
	expectError(t, "text/plain login", a.do("POST", "/api/auth/login", `{"user":"admin","password":"s3cret"}`, "Content-Type", "text/plain"), 415)
	expectError(t, "foreign origin login", a.do("POST", "/api/auth/login", map[string]string{"user": "admin", "password": "s3cret"}, "Origin", "https://evil.example"), 403)
	var info sessionInfo
	if r := a.do("GET", "/api/auth/session", nil); r.code != 200 {
		t.Fatalf("session state: %d", r.code)
	} else if r.json(t, &info); info.Authenticated || !info.AuthRequired || info.CSRFToken != "" {
		t.Fatalf("session state without credentials: %+v", info)
	}
	for _, body := range []map[string]string{{"user": "admin", "password": "s3cret"}, {"token": "tok-123"}} {
		r := a.do("POST", "/api/auth/login", body)
		if r.code != 200 {
			t.Fatalf("login %v: %d %s", body, r.code, r.body)
		}
		r.json(t, &info)
		var cookie string
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == sessionCookie {
				cookie = c.Name + "=" + c.Value
				if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
					t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict", c)
				}
			}
		}
		if cookie == "" || info.CSRFToken == "" {
			t.Fatalf("login: no cookie or token: %v %+v", r.header, info)
		}
		if r := a.do("GET", "/api/generators/", nil, "Cookie", cookie); r.code != 200 {
			t.Fatalf("GET with the session: %d %s", r.code, r.body)
		}
		if r := a.do("GET", "/", nil, "Cookie", cookie); r.code != 200 {
			t.Fatalf("page with the session: %d", r.code)
		}
		expectError(t, "no CSRF token", a.do("POST", "/api/generators/g1/stop", nil, "Cookie", cookie), 403)
		expectError(t, "wrong CSRF token", a.do("POST", "/api/generators/g1/stop", nil, "Cookie", cookie, csrfHeader, "x"+info.CSRFToken), 403)
		expectError(t, "foreign Origin", a.do("POST", "/api/generators/g1/stop", nil, "Cookie", cookie, csrfHeader, info.CSRFToken, "Origin", "https://evil.example"), 403)
		if r := a.do("POST", "/api/generators/g1/stop", nil, "Cookie", cookie, csrfHeader, info.CSRFToken, "Origin", a.url); r.code != 200 {
			t.Fatalf("stop with session and token: %d %s", r.code, r.body)
		}
		if r := a.do("POST", "/api/auth/logout", nil, "Cookie", cookie, csrfHeader, info.CSRFToken); r.code != 200 {
			t.Fatalf("logout: %d %s", r.code, r.body)
		}
		expectError(t, "after logout", a.do("GET", "/api/generators/", nil, "Cookie", cookie), 401)
	}
	// Guessing through the login form is limited like any other login.
	for i := range maxAuthFailures {
		a.do("POST", "/api/auth/login", map[string]string{"user": "admin", "password": "guess" + strconv.Itoa(i)})
	}
	expectError(t, "blocked", a.do("POST", "/api/auth/login", map[string]string{"user": "admin", "password": "s3cret"}), 429)
}
