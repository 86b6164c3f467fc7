package outputs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

func TestOpenSearchBulk(t *testing.T) {
	t.Parallel()
	f, url := startOpenSearch(t)
	o := mustBuild(t, "opensearch", fmt.Sprintf("{hosts: [%s], index: logs, username: admin, password: pw}", url), "")
	mustOpen(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	payloads := []string{`{"n":1}`, `{"n":"bad"}`, `{"n":"busy"}`, `{"n":4}`, `{"n":"bad2"}`}
	n, err := o.Write(ctx, payloads)
	if n != 3 || err == nil {
		t.Fatalf("Write = %d, %v; want 3 indexed and an error", n, err)
	}
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.N != 2 || Rejected(err) != 2 || !strings.Contains(err.Error(), "mapper_parsing_exception") {
		t.Fatalf("error %v: want 2 rejected documents", err)
	}
	mustClose(t, o)
	f.mu.Lock()
	got, hits := strings.Join(f.docs, " "), f.hits
	f.mu.Unlock()
	if got != `{"n":1} {"n":4} {"n":"busy"}` || hits != 2 {
		t.Fatalf("indexed %s in %d requests", got, hits)
	}

	// Everything fine: no error.
	if n, err := o.Write(ctx, []string{`{"ok":1}`}); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
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
	for i := range 3 {
		if n, err := o.Write(ctx, []string{fmt.Sprintf(`{"i":%d}`, i)}); n != 1 || err != nil {
			t.Fatalf("Write %d = %d, %v", i, n, err)
		}
	}
	up.mu.Lock()
	docs := len(up.docs)
	up.mu.Unlock()
	if docs != 3 {
		t.Fatalf("healthy node got %d documents", docs)
	}

	// A node that refuses the credentials fails the whole write at once.
	o = mustBuild(t, "opensearch", fmt.Sprintf("{hosts: [%s], index: logs, username: admin, password: nope}", upURL), "")
	mustOpen(t, o)
	if n, err := o.Write(ctx, []string{`{}`, `{}`}); n != 0 || err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Fatalf("Write with bad credentials = %d, %v", n, err)
	}
}

func TestOpenSearchConfig(t *testing.T) {
	t.Parallel()
	for cfg, want := range map[string]string{
		"{index: i}":                          `missing required key "hosts"`,
		"{hosts: [], index: i}":               "hosts: at least one host",
		"{hosts: [localhost:9200], index: i}": "hosts[0]: expected an http:// or https:// URL",
		"{hosts: ['http://h:9200']}":          `missing required key "index"`,
	} {
		if _, err := build(t, "opensearch", cfg, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", cfg, err, want)
		}
	}
}
