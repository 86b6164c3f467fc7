package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// The Studio's log view: the application's log records (after secret
// redaction) are kept in a bounded ring and streamed as server-sent events
// by GET /api/instance/logs/{channel}. A slow reader loses records (it is
// told how many), it never holds up the logger.

const (
	logBacklog   = 500 // records kept for a new reader
	logSubBuffer = 256 // records queued per reader
)

// logRecord is one record as the stream sends it.
type logRecord struct {
	Time  time.Time      `json:"time"`
	Level string         `json:"level"`
	Msg   string         `json:"msg"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

type logSub struct {
	ch      chan logRecord
	dropped int
}

// logHub fans log records out to the streams.
type logHub struct {
	mu     sync.Mutex
	ring   []logRecord
	next   int
	full   bool
	subs   map[*logSub]struct{}
	closed bool
}

func newLogHub() *logHub {
	return &logHub{ring: make([]logRecord, logBacklog), subs: map[*logSub]struct{}{}}
}

func (h *logHub) publish(rec logRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ring[h.next] = rec
	h.next = (h.next + 1) % len(h.ring)
	h.full = h.full || h.next == 0
	for s := range h.subs {
		select {
		case s.ch <- rec:
		default:
			s.dropped++
		}
	}
}

// subscribe returns the backlog and a reader of what follows.
func (h *logHub) subscribe() ([]logRecord, *logSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var backlog []logRecord
	if h.full {
		backlog = append(backlog, h.ring[h.next:]...)
	}
	backlog = append(backlog, h.ring[:h.next]...)
	s := &logSub{ch: make(chan logRecord, logSubBuffer)}
	if h.closed {
		close(s.ch)
		return backlog, s
	}
	h.subs[s] = struct{}{}
	return backlog, s
}

func (h *logHub) unsubscribe(s *logSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

// takeDropped returns and resets the records s lost.
func (h *logHub) takeDropped(s *logSub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := s.dropped
	s.dropped = 0
	return n
}

// close ends every stream (server shutdown).
func (h *logHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
}

// hubHandler is a slog.Handler that publishes to a hub and passes every
// record on to next.
type hubHandler struct {
	next   slog.Handler
	hub    *logHub
	attrs  []slog.Attr
	prefix string
}

func (h *hubHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *hubHandler) Handle(ctx context.Context, r slog.Record) error {
	rec := logRecord{Time: r.Time, Level: r.Level.String(), Msg: r.Message}
	if len(h.attrs) > 0 || r.NumAttrs() > 0 {
		rec.Attrs = map[string]any{}
		for _, a := range h.attrs {
			addAttr(rec.Attrs, "", a)
		}
		r.Attrs(func(a slog.Attr) bool { addAttr(rec.Attrs, h.prefix, a); return true })
	}
	h.hub.publish(rec)
	return h.next.Handle(ctx, r)
}

func addAttr(m map[string]any, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			addAttr(m, prefix+a.Key+".", g)
		}
		return
	}
	switch v.Kind() {
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			m[prefix+a.Key] = err.Error()
			return
		}
		m[prefix+a.Key] = fmt.Sprint(v.Any())
	default:
		m[prefix+a.Key] = v.Any()
	}
}

func (h *hubHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(as)
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		c.attrs = append(c.attrs, slog.Attr{Key: h.prefix + a.Key, Value: a.Value})
	}
	return &c
}

func (h *hubHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	c.prefix = h.prefix + name + "."
	return &c
}

// streamLogs answers GET /api/instance/logs/{channel}: the recent records,
// then each new one, as server-sent events (event "log", data: a JSON
// record; event "dropped", data: how many records a slow reader lost).
func (a *App) streamLogs(w http.ResponseWriter, r *http.Request) {
	if ch := r.PathValue("channel"); ch != "main" {
		writeError(w, http.StatusNotFound, "no such log channel", fmt.Sprintf("%q: the channel is main", ch))
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported", nil)
		return
	}
	backlog, sub := a.logs.subscribe()
	defer a.logs.unsubscribe(sub)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) bool {
		data, _ := json.Marshal(v)
		_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data)
		return err == nil
	}
	for _, rec := range backlog {
		if !send("log", rec) {
			return
		}
	}
	fl.Flush()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case rec, ok := <-sub.ch:
			if !ok {
				return
			}
			if n := a.logs.takeDropped(sub); n > 0 && !send("dropped", n) {
				return
			}
			if !send("log", rec) {
				return
			}
			fl.Flush()
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
