package outputs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeOpenSearch is a stand-in for an OpenSearch node's `_bulk` API (not a
// real OpenSearch): it parses the NDJSON body, and answers per item: 400
// mapper_parsing_exception for documents with "bad", 429 the first time it
// sees a document with "busy", 201 otherwise.
type fakeOpenSearch struct {
	mu     sync.Mutex
	docs   []string
	seen   map[string]bool
	status int // when set, the whole request gets this status
	hits   int
}

func (f *fakeOpenSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits++
	if f.status != 0 {
		w.WriteHeader(f.status)
		w.Write([]byte(`{"error":"simulated"}`))
		return
	}
	if r.URL.Path != "/_bulk" || r.Header.Get("Content-Type") != "application/x-ndjson" {
		w.WriteHeader(404)
		return
	}
	if u, p, _ := r.BasicAuth(); u != "admin" || p != "pw" {
		w.WriteHeader(401)
		return
	}
	type item struct {
		Status int            `json:"status"`
		Error  map[string]any `json:"error,omitempty"`
	}
	var items []map[string]item
	errorsSeen := false
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var action map[string]map[string]string
		if err := json.Unmarshal(sc.Bytes(), &action); err != nil || action["index"]["_index"] != "logs" {
			w.WriteHeader(400)
			return
		}
		sc.Scan()
		doc := sc.Text()
		it := item{Status: 201}
		switch {
		case strings.Contains(doc, "bad"):
			it = item{Status: 400, Error: map[string]any{"type": "mapper_parsing_exception", "reason": "failed to parse"}}
		case strings.Contains(doc, "busy") && !f.seen[doc]:
			f.seen[doc] = true
			it = item{Status: 429, Error: map[string]any{"type": "es_rejected_execution_exception", "reason": "queue full"}}
		default:
			f.docs = append(f.docs, doc)
		}
		errorsSeen = errorsSeen || it.Status >= 300
		items = append(items, map[string]item{"index": it})
	}
	json.NewEncoder(w).Encode(map[string]any{"took": 1, "errors": errorsSeen, "items": items})
}

func startOpenSearch(t *testing.T) (*fakeOpenSearch, string) {
	t.Helper()
	f := &fakeOpenSearch{seen: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// A partly failed bulk settles the prefix before the first retryable item:
// indexed documents count written, those refused for their content count
// rejected; the re-send of the rest skips what was indexed already.
func TestOpenSearchBulk(t *testing.T) {
	t.Parallel()
	f, url := startOpenSearch(t)
	o := mustBuild(t, "opensearch", fmt.Sprintf("{hosts: [%s], index: logs, username: admin, password: pw}", url), "")
	mustOpen(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	payloads := []string{`{"n":1}`, `{"n":"bad"}`, `{"n":"busy"}`, `{"n":4}`, `{"n":"bad2"}`}
	n, err := o.Write(WithAttempt(ctx, Attempt{Batch: 1, N: 1}), payloads)
	if n != 2 || err == nil || IsPermanent(err) || Rejected(err) != 1 || !strings.Contains(err.Error(), "es_rejected_execution_exception") {
		t.Fatalf("Write = %d, %v; want a prefix of 2 (1 rejected) and a transient error", n, err)
	}
	n, err = o.Write(WithAttempt(ctx, Attempt{Batch: 1, Offset: 2, N: 2}), payloads[2:])
	var rej *RejectedError
	if n != 3 || !errors.As(err, &rej) || rej.N != 1 || !strings.Contains(err.Error(), "mapper_parsing_exception") {
		t.Fatalf("Write = %d, %v; want 3 settled, 1 rejected", n, err)
	}
	f.mu.Lock()
	got, hits := strings.Join(f.docs, " "), f.hits
	f.mu.Unlock()
	if got != `{"n":1} {"n":4} {"n":"busy"}` || hits != 2 {
		t.Fatalf("indexed %s in %d requests", got, hits)
	}

	// Everything fine: no error. A re-send of items all indexed makes no request.
	if n, err := o.Write(ctx, []string{`{"ok":1}`}); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := o.Write(WithAttempt(ctx, Attempt{Batch: 9, N: 1}), []string{`{"n":"busy2"}`, `{"n":6}`}); n != 0 || err == nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := o.Write(WithAttempt(ctx, Attempt{Batch: 9, Offset: 1, N: 2}), []string{`{"n":6}`}); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if hits := f.hits; hits != 4 || strings.Count(strings.Join(f.docs, " "), `{"n":6}`) != 1 {
		t.Fatalf("%d requests, docs %q", hits, f.docs)
	}
	if len(o.(*OpenSearch).done.batches) != 0 {
		t.Fatalf("settled batches still remembered: %v", o.(*OpenSearch).done.batches)
	}
}

// id_field: the member's value becomes the document's _id; a document
// without it is rejected, not sent.
func TestOpenSearchIDField(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		body = string(b)
		mu.Unlock()
		io.WriteString(w, `{"errors":false}`)
	}))
	t.Cleanup(srv.Close)
	o := mustBuild(t, "opensearch", fmt.Sprintf("{hosts: [%s], index: 'logs \"x\"', id_field: uuid}", srv.URL), "")
	mustOpen(t, o)
	n, err := o.Write(context.Background(), []string{`{"uuid": "a\u0041", "v": 1}`, `{"v": 2}`, `{"uuid": 42}`, `{"uuid": [1]}`})
	if n != 4 || Rejected(err) != 2 || !strings.Contains(err.Error(), "id_field") {
		t.Fatalf("Write = %d, %v; want 4 settled, 2 rejected", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := `{"index":{"_index":"logs \"x\"","_id":"aA"}}` + "\n" + `{"uuid": "a\u0041", "v": 1}` + "\n" +
		`{"index":{"_index":"logs \"x\"","_id":"42"}}` + "\n" + `{"uuid": 42}` + "\n"
	if body != want {
		t.Fatalf("bulk body\n%s\nwant\n%s", body, want)
	}
}

func TestOpenSearchFailover(t *testing.T) {
	t.Parallel()
	down, _ := startOpenSearch(t)
	down.status = 503
	up, upURL := startOpenSearch(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	downSrv := httptest.NewServer(down)
	t.Cleanup(downSrv.Close)
	o := mustBuild(t, "opensearch", fmt.Sprintf("{hosts: [%s, %s, %s], index: logs, username: admin, password: pw}", dead.URL, downSrv.URL, upURL), "")
	mustOpen(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Each attempt goes to the next node: within three, one reaches the healthy one.
	for i := range 3 {
		for attempt := 1; ; attempt++ {
			n, err := o.Write(ctx, []string{fmt.Sprintf(`{"i":%d}`, i)})
			if err == nil && n == 1 {
				break
			}
			if n != 0 || IsPermanent(err) || attempt == 3 {
				t.Fatalf("Write %d, attempt %d = %d, %v", i, attempt, n, err)
			}
		}
	}
	up.mu.Lock()
	docs := len(up.docs)
	up.mu.Unlock()
	if docs != 3 {
		t.Fatalf("healthy node got %d documents", docs)
	}

	// Messages hide a password given in a host's URL.
	pwURL := strings.Replace(dead.URL, "http://", "http://admin:s3cr3t@", 1)
	o = mustBuild(t, "opensearch", fmt.Sprintf("{hosts: [%q], index: logs}", pwURL), "")
	mustOpen(t, o)
	if _, err := o.Write(ctx, []string{`{}`}); err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "admin:xxxxx@") {
		t.Fatalf("error %v", err)
	}

	// A node that refuses the credentials fails the whole write for good.
	o = mustBuild(t, "opensearch", fmt.Sprintf("{hosts: [%s], index: logs, username: admin, password: nope}", upURL), "")
	mustOpen(t, o)
	if n, err := o.Write(ctx, []string{`{}`, `{}`}); n != 0 || !IsPermanent(err) || !strings.Contains(err.Error(), "status 401") {
		t.Fatalf("Write with bad credentials = %d, %v", n, err)
	}
}

func TestOpenSearchConfig(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[string]string{
		"{index: i}":                          `missing required key "hosts"`,
		"{hosts: [], index: i}":               "hosts: at least one item",
		"{hosts: [localhost:9200], index: i}": "hosts[0]: expected an http:// or https:// URL",
		"{hosts: ['http://h:9200']}":          `missing required key "index"`,
	} {
		if _, err := build(t, "opensearch", cfg, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", cfg, err, want)
		}
	}
}
