package baseplate_test

import (
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
	_ "github.com/eventum-go/eventum/starlib/baseplate"
)

// TestGeneratorPublishes runs a whole generator — a script building events
// with module.baseplate.event, the baseplate output — against a collector
// that refuses the first 3 requests with 503: all 100,000 events arrive
// exactly once, every request is signed, none is over 512,000 bytes.
func TestGeneratorPublishes(t *testing.T) {
	const total = 100_000
	var (
		mu        sync.Mutex
		requests  int
		uuids     = map[string]int{}
		maxBody   int
		problems  []string
		secret    = []byte("hunter2")
		keyHeader = "key=gen, mac="
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		zr, err := gzip.NewReader(r.Body)
		if err != nil || r.URL.Path != "/v1" || r.Header.Get("Content-Encoding") != "gzip" {
			problems = append(problems, fmt.Sprintf("request %d: %s, gzip %v", requests, r.URL.Path, err))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(zr)
		maxBody = max(maxBody, len(body))
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		if r.Header.Get("X-Signature") != keyHeader+hex.EncodeToString(mac.Sum(nil)) || len(body) > 512_000 {
			problems = append(problems, fmt.Sprintf("request %d: signature %q, %d bytes", requests, r.Header.Get("X-Signature"), len(body)))
		}
		if requests <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var events []struct {
			Topic   string         `json:"event_topic"`
			Type    string         `json:"event_type"`
			TS      int64          `json:"event_ts"`
			UUID    string         `json:"uuid"`
			Payload map[string]any `json:"payload"`
		}
		if err := json.Unmarshal(body, &events); err != nil {
			problems = append(problems, fmt.Sprintf("request %d: %v", requests, err))
		}
		for _, e := range events {
			if e.Topic != "ads" || e.Type != "click" || e.TS <= 0 || e.Payload["obfuscated_data"] == nil {
				problems = append(problems, fmt.Sprintf("request %d: event %+v", requests, e))
			}
			uuids[e.UUID]++
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	dir := t.TempDir()
	script := `
def produce(params):
    n = shared.get("n", 0) + 1
    shared.set("n", n)
    return module.baseplate.event("ads", "click", timestamp=params["timestamp"],
        fields={"seq": n, "campaign": "spring"}, obfuscated={"ip": "10.0.%d.%d" % (n // 256 % 256, n % 256)},
        high_cardinality={"url": "/item/%d" % n})
`
	if err := os.WriteFile(filepath.Join(dir, "produce.star"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
input:
  - static: {count: %d}
event:
  script: {path: produce.star}
output:
  - baseplate: {collector: %q, scheme: http, version: 1, key_name: gen, key_secret: aHVudGVyMg==, retry_backoff: 0.01, timeout: 30}
`, total, strings.TrimPrefix(srv.URL, "http://"))
	path := filepath.Join(dir, "generator.yml")
	doc, err := config.Parse(path, []byte(src), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := doc.Generator()
	if err != nil {
		t.Fatal(err)
	}
	s := pipeline.DefaultSettings()
	s.Live = false
	// One attempt is short: the output's writes must wait for room in its
	// queue regardless (they used to fail at write_timeout on a busy
	// machine, losing events). The request timeout above is long because a
	// timed-out request may have been published and would be sent again.
	s.WriteTimeout = time.Second
	g, err := pipeline.Build(gc, pipeline.Options{ID: "bp", Settings: s, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("%d problems, first: %s", len(problems), problems[0])
	}
	if len(uuids) != total {
		t.Fatalf("%d distinct events arrived, want %d", len(uuids), total)
	}
	for id, n := range uuids {
		if n != 1 {
			t.Fatalf("event %s arrived %d times", id, n)
		}
	}
	if st.Produced != total || st.Outputs[0].Written != total || st.Outputs[0].WriteFailed != 0 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("%d requests (3 refused with 503), largest body %d bytes", requests, maxBody)
}
