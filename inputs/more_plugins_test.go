package inputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTimestamps(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	env := testEnv(berlin)
	got := collect(t, mustBuild(t, "timestamps", `
source:
  - 2024-06-01T10:00:00Z
  - "2024-06-01T09:00:00"
  - 2024-06-01 12:00:00+02:00
`, env))
	want := []int64{ts("2024-06-01T07:00:00Z"), ts("2024-06-01T10:00:00Z"), ts("2024-06-01T10:00:00Z")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("inline = %v, want %v (sorted, zone-less in Berlin)", got, want)
	}
	got = collect(t, mustBuild(t, "timestamps", "source: timestamps.txt", testEnv(nil)))
	want = []int64{ts("2024-06-01T07:30:00Z"), ts("2024-06-01T09:00:00Z"), ts("2024-06-01T09:15:00Z")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("file = %v, want %v", got, want)
	}
	for _, c := range []struct{ src, want string }{
		{"source: [2024-06-01, soon]", "source[1] (line 1)"},
		{"source: bad_timestamps.txt", "bad_timestamps.txt:2:"},
		{"source: empty.txt", "holds no timestamps"},
		{"source: missing.txt", "no such file"},
		{"source: []", "the list of timestamps is empty"},
		{"source: {a: 1}", "expected a list of timestamps or a file path"},
		{"{}", `missing required key "source"`},
	} {
		if _, err := build(t, "timestamps", c.src, testEnv(nil)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.src, err, c.want)
		}
	}
}

func startHTTP(t *testing.T, src string) (*httpInput, string, context.CancelFunc, chan error, *[]int64, *sync.Mutex) {
	t.Helper()
	in := mustBuild(t, "http", src, testEnv(nil)).(*httpInput)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got []int64
	done := make(chan error, 1)
	go func() {
		done <- in.Generate(ctx, func(ts []int64) error {
			mu.Lock()
			got = append(got, ts...)
			mu.Unlock()
			return nil
		})
	}()
	addr, err := in.Addr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return in, "http://" + addr.String(), cancel, done, &got, &mu
}

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestHTTPConcurrent(t *testing.T) {
	before := runtime.NumGoroutine()
	_, base, cancel, done, got, mu := startHTTP(t, "{port: 0, max_pending_requests: 1000}")
	defer cancel()
	start := time.Now().UnixNano()
	var wg sync.WaitGroup
	codes := make(chan int, 1000)
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := post(t, base+"/generate", `{"count": 10}`)
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusCreated {
			t.Fatalf("status %d", c)
		}
	}
	if code, _ := post(t, base+"/stop", ""); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(*got) != 10000 {
		t.Fatalf("got %d timestamps, want 10000", len(*got))
	}
	end := time.Now().UnixNano()
	for _, v := range *got {
		if v < start || v > end {
			t.Fatalf("timestamp %d is not 'now'", v)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	checkNoLeak(t, before)
}

func TestHTTPRequests(t *testing.T) {
	in, base, cancel, done, _, _ := startHTTP(t, "{port: 0, max_pending_requests: 1}")
	_ = in
	for _, c := range []struct {
		body string
		code int
		msg  string
	}{
		{`{"count": 0}`, 400, "must be 1-"},
		{`{"count": "x"}`, 400, "body must be JSON"},
		{`{"count": 1, "extra": 2}`, 400, "unknown field"},
		{`{}`, 400, "missing"},
		{`not json`, 400, "body must be JSON"},
		{`{"count": 1} {"count": 2}`, 400, "one JSON object"},
	} {
		code, m := post(t, base+"/generate", c.body)
		if code != c.code || !strings.Contains(fmt.Sprint(m["error"]), c.msg) {
			t.Errorf("%s: %d %v, want %d %q", c.body, code, m, c.code, c.msg)
		}
	}
	resp, err := http.Get(base + "/generate")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /generate: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %v", err)
	}
}

// A full queue answers 429; a stopping input 409.
func TestHTTPBackpressure(t *testing.T) {
	in := mustBuild(t, "http", "{port: 0, max_pending_requests: 2}", testEnv(nil)).(*httpInput)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	busy := make(chan struct{}, 16)
	var n int
	done := make(chan error, 1)
	go func() {
		done <- in.Generate(ctx, func(ts []int64) error {
			busy <- struct{}{}
			<-release // the generator is busy
			n += len(ts)
			return nil
		})
	}()
	addr, _ := in.Addr(ctx)
	base := "http://" + addr.String()
	// One request is taken by the busy loop, two wait, the fourth is
	// refused at once. The waiting ones are answered 201 only once their
	// timestamps are handed on.
	answers := make(chan int, 3)
	send := func() {
		go func() {
			code, _ := post(t, base+"/generate", `{"count": 1}`)
			answers <- code
		}()
	}
	send()
	<-busy // the first request is being handed on
	send()
	send()
	waitPending(t, in, 2)
	if code, _ := post(t, base+"/generate", `{"count": 1}`); code != 429 {
		t.Errorf("fourth request: %d, want 429", code)
	}
	select {
	case code := <-answers:
		t.Fatalf("a request was answered (%d) before its timestamps were handed on", code)
	default:
	}
	if code, _ := post(t, base+"/stop", ""); code != 200 {
		t.Errorf("stop: %d", code)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var codes []int
	for range 3 {
		codes = append(codes, <-answers)
	}
	if fmt.Sprint(codes) != "[201 201 201]" {
		t.Errorf("codes %v", codes)
	}
	if n != 3 {
		t.Errorf("generated %d, want the 3 accepted", n)
	}
	if _, err := http.Post(base+"/generate", "application/json", bytes.NewReader([]byte(`{"count":1}`))); err == nil {
		t.Errorf("server still up after stop")
	}
}

func TestHTTPInMerge(t *testing.T) {
	env := testEnv(nil)
	in := mustBuild(t, "http", "port: 0", env).(*httpInput)
	ins := []Input{mustBuild(t, "static", "count: 3", env), in}
	var mu sync.Mutex
	var total int
	done := make(chan error, 1)
	go func() {
		done <- Merge(context.Background(), ins, func(b *Batch) error {
			mu.Lock()
			total += b.Len()
			mu.Unlock()
			return nil
		})
	}()
	addr, _ := in.Addr(context.Background())
	base := "http://" + addr.String()
	if code, _ := post(t, base+"/generate", `{"count": 7}`); code != 201 {
		t.Fatal(code)
	}
	post(t, base+"/stop", "")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if total != 10 {
		t.Errorf("merged %d, want 10", total)
	}
}

// A graceful stop of the generator refuses (503) the requests still queued,
// so every request answered 201 was handed on.
func TestHTTPStopRefusesQueued(t *testing.T) {
	in := mustBuild(t, "http", "{port: 0, max_pending_requests: 4}", testEnv(nil)).(*httpInput)
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	busy := make(chan struct{}, 16)
	var n int
	done := make(chan error, 1)
	go func() {
		done <- in.Generate(ctx, func(ts []int64) error {
			busy <- struct{}{}
			<-release
			n += len(ts)
			return nil
		})
	}()
	addr, _ := in.Addr(ctx)
	answers := make(chan int, 3)
	send := func() {
		go func() {
			code, _ := post(t, "http://"+addr.String()+"/generate", `{"count": 5}`)
			answers <- code
		}()
	}
	send()
	<-busy // the first request is being handed on
	send()
	send()
	waitPending(t, in, 2)
	cancel()       // the generator stops while one request is being handed on
	close(release) // ... and that hand-over completes
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate: %v", err)
	}
	got := map[int]int{}
	for range 3 {
		got[<-answers]++
	}
	if got[201]*5 != n || got[201]+got[503] != 3 || got[503] == 0 {
		t.Fatalf("answers %v, %d timestamps handed on", got, n)
	}
}

// waitPending waits until n requests are queued in the http input.
func waitPending(t *testing.T, in *httpInput, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); len(in.pending) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued after 30 s, want %d", len(in.pending), n)
		}
	}
}
