package outputs_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventum-go/eventum/pipeline"
)

// osSink is a stand-in for OpenSearch's _bulk API (indexing the events
// {"n": i}). Documents whose n is a multiple of refuseEvery are refused for
// good (400 mapper_parsing_exception). After outageAfter documents it is in
// trouble for outageFor: every fourth request is answered 503 as a whole,
// in the others every third item is refused with 429 (a partial failure)
// and the rest indexed. The first holdFirst requests are indexed but
// answered only after the client gave up. With an _id in the action, a
// document replaces the one with the same _id.
type osSink struct {
	refuseEvery int
	outageAfter int
	outageFor   time.Duration
	holdFirst   int

	mu          sync.Mutex
	arrivals    faultArrivals
	byID        map[string]int // _id → n
	writesByID  int
	requests    int
	whole503    int
	partial429  int
	held        int
	outageStart time.Time
	problems    []string
}

// osLine parses the bulk lines of one document: the action (the index must
// be "events"; the _id is optional) and the document {"n": i}. A cheap
// parser keeps the sink fast on a loaded machine (no reflection).
func osLine(action, doc string) (id string, n int, ok bool) {
	rest, found := strings.CutPrefix(action, `{"index":{"_index":"events"`)
	if !found {
		return "", 0, false
	}
	if v, found := strings.CutPrefix(rest, `,"_id":"`); found {
		id, rest, found = strings.Cut(v, `"`)
		if !found {
			return "", 0, false
		}
	}
	if rest != "}}" {
		return "", 0, false
	}
	_, v, found := strings.Cut(doc, `"n":`)
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "}"))
	n, err := strconv.Atoi(v)
	return id, n, found && err == nil && n > 0
}

func (s *osSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ids []string
	var docs []int
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		action := sc.Text()
		var doc string
		if sc.Scan() {
			doc = sc.Text()
		}
		id, n, ok := osLine(action, doc)
		if !ok {
			s.mu.Lock()
			s.problems = append(s.problems, fmt.Sprintf("bad bulk lines %q %q", action, doc))
			s.mu.Unlock()
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ids, docs = append(ids, id), append(docs, n)
	}
	if sc.Err() != nil {
		return // the client went away
	}
	s.mu.Lock()
	s.requests++
	inOutage := !s.outageStart.IsZero() && time.Since(s.outageStart) < s.outageFor
	if inOutage && s.requests%4 == 0 {
		s.whole503++
		s.mu.Unlock()
		http.Error(w, `{"error":"cluster unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	var items strings.Builder // the answer's items, written by hand (fast)
	anyError := false
	for k, n := range docs {
		if k > 0 {
			items.WriteByte(',')
		}
		switch {
		case s.refuseEvery > 0 && n%s.refuseEvery == 0:
			anyError = true
			items.WriteString(`{"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse"}}}`)
		case inOutage && k%3 == 0:
			anyError = true
			s.partial429++
			items.WriteString(`{"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}`)
		case ids[k] != "":
			if s.byID == nil {
				s.byID = map[string]int{}
			}
			s.byID[ids[k]] = n
			s.writesByID++
			items.WriteString(`{"index":{"status":201}}`)
		default:
			s.arrivals.add([]int{n})
			items.WriteString(`{"index":{"status":201}}`)
		}
	}
	if s.outageFor > 0 && s.outageStart.IsZero() && s.arrivals.stored()+s.writesByID >= s.outageAfter {
		s.outageStart = time.Now()
	}
	hold := s.held < s.holdFirst
	if hold {
		s.held++
	}
	s.mu.Unlock()
	if hold {
		<-r.Context().Done()
		return
	}
	fmt.Fprintf(w, `{"took":1,"errors":%v,"items":[%s]}`, anyError, items.String())
}

// A cluster in trouble for longer than one attempt: whole bulks refused
// with 503 and partial failures (429 items) in the others, then it
// recovers. (write_timeout is generous: an attempt cut short after the
// sink indexed its bulk would be re-sent, which is at least once by design
// without id_field, so a starved client on a busy machine must not time out.) Every document is indexed exactly once (the
// items a partial failure indexed are not sent again), those refused for
// their content count format_failed, nothing counts write_failed.
func TestFaultOpenSearchPartialFailures(t *testing.T) {
	t.Parallel()
	const total, refuseEvery = 40_000, 5000
	sink := &osSink{refuseEvery: refuseEvery, outageAfter: 10_000, outageFor: faultOutage(t)}
	srv := newReopenable(t, sink)
	g, _ := faultGenerator(t, total, fmt.Sprintf("opensearch: {hosts: [%q], index: events, retry: {initial: 0.05, max: 0.5}}", srv.URL()),
		func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Minute })
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	o := st.Outputs[0]
	const refused = total / refuseEvery
	if st.Produced != total || o.Written != total-refused || o.FormatFailed != refused || o.WriteFailed != 0 || o.Retries == 0 {
		t.Fatalf("produced %d, counters %+v; want %d written, %d format_failed", st.Produced, o, total-refused, refused)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.problems) > 0 {
		t.Fatal(sink.problems[0])
	}
	sink.arrivals.mu.Lock()
	defer sink.arrivals.mu.Unlock()
	for n := 1; n <= total; n++ {
		want := 1
		if n%refuseEvery == 0 {
			want = 0
		}
		if c := sink.arrivals.count[n]; c != want {
			t.Fatalf("document %d indexed %d times, want %d", n, c, want)
		}
	}
	if sink.whole503 == 0 || sink.partial429 == 0 {
		t.Fatalf("the outage did not happen as planned: %d bulks refused, %d items refused", sink.whole503, sink.partial429)
	}
	t.Logf("%d bulks refused with 503, %d items with 429; %d retries", sink.whole503, sink.partial429, o.Retries)
}

// With id_field, a bulk whose answer was lost (held past write_timeout) is
// re-sent with the same _ids: the documents overwrite themselves, each is
// in the index once and counted written once.
func TestFaultOpenSearchUnknownOutcomeWithIDs(t *testing.T) {
	t.Parallel()
	const total, held = 10_000, 2
	sink := &osSink{holdFirst: held}
	srv := newReopenable(t, sink)
	g, _ := faultGenerator(t, total, fmt.Sprintf("opensearch: {hosts: [%q], index: events, id_field: n, retry: {initial: 0.05, max: 0.2}}", srv.URL()),
		func(s *pipeline.Settings) { s.BatchSize = 1000; s.WriteTimeout = time.Second })
	if err := g.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	checkCounters(t, g.Stats(), total)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.byID) != total || sink.writesByID < total+held*1000 {
		t.Fatalf("%d documents by _id after %d writes; want %d after at least %d (the held bulks re-sent)", len(sink.byID), sink.writesByID, total, total+held*1000)
	}
	for id, n := range sink.byID {
		if id != fmt.Sprint(n) {
			t.Fatalf("_id %s holds document %d", id, n)
		}
	}
}
