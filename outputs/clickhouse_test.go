package outputs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClickHouse is a stand-in for the ClickHouse HTTP interface: it checks
// credentials, takes `INSERT INTO db.table FORMAT JSONEachRow` and keeps the
// rows; fail holds exception codes to answer with first.
type fakeClickHouse struct {
	mu      sync.Mutex
	fail    []int
	queries []string
	tokens  []string // insert_deduplication_token of each request
	rows    []string
	agent   string
	old     bool // refuses insert_deduplication_token as ClickHouse before 22.2 does
}

func (f *fakeClickHouse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.agent = r.Header.Get("User-Agent")
	token := r.URL.Query().Get("insert_deduplication_token")
	f.tokens = append(f.tokens, token)
	if f.old && r.URL.Query().Has("insert_deduplication_token") {
		w.WriteHeader(404)
		io.WriteString(w, "Code: 115, e.displayText() = DB::Exception: Unknown setting insert_deduplication_token, e.what() = DB::Exception\n")
		return
	}
	if r.Header.Get("X-ClickHouse-User") != "writer" || r.Header.Get("X-ClickHouse-Key") != "s3cret" {
		w.Header().Set("X-ClickHouse-Exception-Code", "516")
		w.WriteHeader(401)
		io.WriteString(w, "Code: 516. DB::Exception: writer: Authentication failed")
		return
	}
	if len(f.fail) > 0 {
		code := f.fail[0]
		f.fail = f.fail[1:]
		w.Header().Set("X-ClickHouse-Exception-Code", fmt.Sprint(code))
		w.WriteHeader(500)
		fmt.Fprintf(w, "Code: %d. DB::Exception: simulated", code)
		return
	}
	f.queries = append(f.queries, r.URL.Query().Get("query"))
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		f.rows = append(f.rows, line)
	}
}

func startClickHouse(t *testing.T, fail ...int) (*fakeClickHouse, string) {
	t.Helper()
	f := &fakeClickHouse{fail: fail}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return f, fmt.Sprintf("host: %s, port: %s, username: writer, password: s3cret, table: events", u.Hostname(), u.Port())
}

func TestClickHouseInsert(t *testing.T) {
	t.Parallel()
	f, conn := startClickHouse(t, 202) // TOO_MANY_SIMULTANEOUS_QUERIES once: transient
	o := mustBuild(t, "clickhouse", "{"+conn+", database: logs, client_name: gen1, footer: \"\\n\"}", "")
	mustOpen(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	payloads := []string{`{"a":1}`, `{"a":2}`}
	// One attempt per Write: the pipeline retries the same batch.
	if n, err := o.Write(WithAttempt(ctx, Attempt{Batch: 7, N: 1}), payloads); n != 0 || err == nil || IsPermanent(err) {
		t.Fatalf("Write = %d, %v; want a transient error", n, err)
	}
	if n, err := o.Write(WithAttempt(ctx, Attempt{Batch: 7, N: 2}), payloads); n != 2 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := o.Write(WithAttempt(ctx, Attempt{Batch: 8, N: 1}), payloads[:1]); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	mustClose(t, o)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) != 2 || f.queries[0] != "INSERT INTO `logs`.`events` FORMAT JSONEachRow" {
		t.Fatalf("queries %q", f.queries)
	}
	if strings.Join(f.rows, "|") != `{"a":1}|{"a":2}|{"a":1}` || !strings.HasPrefix(f.agent, "gen1 ") {
		t.Fatalf("rows %q, agent %q", f.rows, f.agent)
	}
	// The re-sent batch kept its token; another batch has another.
	if len(f.tokens) != 3 || f.tokens[0] == "" || f.tokens[0] != f.tokens[1] || f.tokens[2] == f.tokens[0] {
		t.Fatalf("tokens %q", f.tokens)
	}
}

// A server that does not know insert_deduplication_token (ClickHouse before
// 22.2, like the 18.16 of the server tests) refuses it: the output sends the
// insert again without it, and no token from then on.
func TestClickHouseWithoutDeduplicationToken(t *testing.T) {
	t.Parallel()
	f, conn := startClickHouse(t)
	f.old = true
	o := mustBuild(t, "clickhouse", "{"+conn+"}", "")
	mustOpen(t, o)
	mustWrite(t, o, `{"a":1}`)
	mustWrite(t, o, `{"a":2}`)
	off, conn2 := startClickHouse(t)
	o2 := mustBuild(t, "clickhouse", "{"+conn2+", deduplication_token: false}", "")
	mustOpen(t, o2)
	mustWrite(t, o2, `{"a":3}`)
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.Join(f.rows, "|") != `{"a":1}|{"a":2}` || len(f.tokens) != 3 || f.tokens[0] == "" || f.tokens[1] != "" || f.tokens[2] != "" {
		t.Fatalf("rows %q, tokens %q", f.rows, f.tokens)
	}
	off.mu.Lock()
	defer off.mu.Unlock()
	if len(off.tokens) != 1 || off.tokens[0] != "" {
		t.Fatalf("deduplication_token: false sent %q", off.tokens)
	}
}

func TestClickHouseFailures(t *testing.T) {
	t.Parallel()
	f, conn := startClickHouse(t, 27) // CANNOT_PARSE_INPUT_ASSERTION_FAILED: not retried
	o := mustBuild(t, "clickhouse", "{"+conn+"}", "")
	mustOpen(t, o)
	n, err := o.Write(context.Background(), []string{`{"a":`})
	if n != 0 || !IsPermanent(err) || !strings.Contains(err.Error(), "Code: 27") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	o = mustBuild(t, "clickhouse", "{"+strings.Replace(conn, "s3cret", "wrong", 1)+"}", "")
	mustOpen(t, o)
	if n, err := o.Write(context.Background(), []string{`{}`}); n != 0 || !IsPermanent(err) || !strings.Contains(err.Error(), "Authentication failed") {
		t.Fatalf("Write with a bad password = %d, %v", n, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.fail) != 0 || len(f.rows) != 0 {
		t.Fatalf("fail %v rows %v", f.fail, f.rows)
	}
}

func TestClickHouseConfig(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[string]string{
		"{table: t}":                               `host: required (or give a dsn naming it)`,
		"{host: h}":                                `missing required key "table"`,
		"{host: h, table: t, protocol: tcp}":       "protocol: must be one of http, https",
		"{host: h, table: t, input_format: 'x y'}": "input_format",
		"{host: h, table: t, port: 0}":             "port: must be at",
	} {
		if _, err := build(t, "clickhouse", cfg, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", cfg, err, want)
		}
	}
	if (&ClickHouseConfig{}).DefaultFormat() != "json" || quoteIdent("a`b") != "`a\\`b`" {
		t.Error("default format or quoting")
	}
}

func TestClickHouseExceptionCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, body string
		code         int
		ok           bool
	}{
		{"241", "Code: 27. DB::Exception: anything", 241, true},                         // header wins
		{"", "Code: 27, e.displayText() = DB::Exception: Cannot parse input", 27, true}, // 18.x body
		{"", "Code: 202. DB::Exception: Too many simultaneous queries", 202, true},      // newer body
		{"", "<html>502 Bad Gateway</html>", 0, false},                                  // a proxy
		{"", "Bad request. Code: 27, e.displayText()", 0, false},                        // not leading
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.header != "" {
			h.Set("X-ClickHouse-Exception-Code", tt.header)
		}
		if code, ok := clickHouseExceptionCode(h, tt.body); code != tt.code || ok != tt.ok {
			t.Errorf("%q %q: got %d %v, want %d %v", tt.header, tt.body, code, ok, tt.code, tt.ok)
		}
	}
}
