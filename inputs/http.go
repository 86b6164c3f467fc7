package inputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/eventum-go/eventum/plugin"
)

// HTTPConfig configures the http input: an HTTP server whose
// `POST /generate {"count": N}` produces N timestamps "now" and whose
// `POST /stop` ends the input.
type HTTPConfig struct {
	Common
	Port               int    `yaml:"port" required:"true" min:"0" max:"65535" doc:"port to listen on (0 picks a free one)"`
	Host               string `yaml:"host" default:"127.0.0.1" doc:"address to listen on; use '0.0.0.0' to accept other machines"`
	MaxPendingRequests int    `yaml:"max_pending_requests" default:"100" min:"1" doc:"accepted requests waiting to be turned into timestamps; beyond that requests are refused with 429"`
}

// Validate checks the settings.
func (c *HTTPConfig) Validate() error {
	if c.Host == "" {
		return fmt.Errorf("host: must not be empty")
	}
	return nil
}

// genRequest is one POST /generate waiting for the generator: done gets nil
// once its timestamps are handed on (the request is then answered 201), or
// the reason they never will be.
type genRequest struct {
	n    int
	done chan error
}

// errStopping answers requests still queued when the generator stops.
var errStopping = errors.New("the generator is stopping")

// maxGenerateCount bounds one request's count (1e9 timestamps is 8 GB).
const maxGenerateCount = 1_000_000_000

type httpInput struct {
	addr    string
	pending chan genRequest

	mu       sync.Mutex
	stopping bool
	stop     chan struct{} // closed by POST /stop
	ready    chan struct{} // closed once listening
	bound    net.Addr
}

func init() {
	plugin.Register(Registry, "http",
		nil,
		func(c *HTTPConfig, env *plugin.Env) (Input, error) {
			return &httpInput{
				addr:    net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
				pending: make(chan genRequest, c.MaxPendingRequests),
				stop:    make(chan struct{}),
				ready:   make(chan struct{}),
			}, nil
		})
}

// Interactive marks the http input as interactive for the merge.
func (h *httpInput) Interactive() bool { return true }

// Addr waits until the server listens and returns its address (for tests and logs).
func (h *httpInput) Addr(ctx context.Context) (net.Addr, error) {
	select {
	case <-h.ready:
		return h.bound, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (h *httpInput) Generate(ctx context.Context, emit func([]int64) error) error {
	select {
	case <-h.ready:
		return fmt.Errorf("http input: already started")
	default:
	}
	ln, err := net.Listen("tcp", h.addr)
	if err != nil {
		return fmt.Errorf("http input: listen on %s: %w", h.addr, err)
	}
	h.bound = ln.Addr()
	close(h.ready)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /generate", h.handleGenerate)
	mux.HandleFunc("POST /stop", h.handleStop)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http input: serve: %w", err)
		}
		return nil
	}

	c := newChunker(ctx, emit, 0)
	generate := func(req genRequest) error {
		err := c.add(time.Now().UnixNano(), req.n)
		if err == nil {
			err = c.flush()
		}
		req.done <- err
		return err
	}
	// drain answers every queued request: generated while gen is true (the
	// first failure refuses the rest), refused otherwise. It returns the
	// first generate error.
	drain := func(gen bool) error {
		var first error
		for {
			select {
			case req := <-h.pending:
				if !gen {
					req.done <- errStopping
				} else if err := generate(req); err != nil {
					first, gen = err, false
				}
			default:
				return first
			}
		}
	}
	for {
		select {
		case req := <-h.pending:
			if err := generate(req); err != nil {
				h.setStopping()
				_ = drain(false)
				_ = shutdown()
				return err
			}
		case <-h.stop:
			// POST /stop: nothing new is queued any more; serve what was
			// queued before it, then stop listening.
			err := drain(true)
			return errors.Join(err, shutdown())
		case err := <-serveErr:
			serveErr <- err // for shutdown
			h.setStopping()
			_ = drain(false)
			_ = shutdown()
			return fmt.Errorf("http input: serve: %w", err)
		case <-ctx.Done():
			// The generator stops: requests not yet handed on are refused
			// (503), so every request answered 201 was delivered.
			h.setStopping()
			_ = drain(false)
			_ = shutdown()
			return ctx.Err()
		}
	}
}

// setStopping makes new requests get 409 instead of being queued.
func (h *httpInput) setStopping() {
	h.mu.Lock()
	h.stopping = true
	h.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func (h *httpInput) handleGenerate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Count *int `json:"count"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		jsonError(w, http.StatusBadRequest, "body must be JSON like {\"count\": 10}: %v", err)
		return
	}
	if dec.More() {
		jsonError(w, http.StatusBadRequest, "body must hold one JSON object")
		return
	}
	if body.Count == nil {
		jsonError(w, http.StatusBadRequest, "missing \"count\"")
		return
	}
	if n := *body.Count; n < 1 || n > maxGenerateCount {
		jsonError(w, http.StatusBadRequest, "\"count\" must be 1-%d, got %d", maxGenerateCount, n)
		return
	}
	req := genRequest{n: *body.Count, done: make(chan error, 1)}
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		jsonError(w, http.StatusConflict, "the input is stopping")
		return
	}
	select {
	case h.pending <- req:
		h.mu.Unlock()
	default:
		h.mu.Unlock()
		jsonError(w, http.StatusTooManyRequests, "too many pending requests")
		return
	}
	// Answer once the timestamps are handed to the generator: a 201 means
	// they were accepted and a graceful stop still delivers them.
	if err := <-req.done; err != nil {
		jsonError(w, http.StatusServiceUnavailable, "not generated: %v", err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int{"count": req.n})
}

func (h *httpInput) handleStop(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	if !h.stopping {
		h.stopping = true
		close(h.stop)
	}
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"status": "stopping"})
}
