package outputs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/klauspost/compress/gzip"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// Limits of a Baseplate event collector.
const (
	// BaseplateMaxEventSize is the largest event accepted (bytes); larger
	// events are rejected, never sent.
	BaseplateMaxEventSize = 102400
	// BaseplateMaxBatchSize bounds the uncompressed body of one request.
	BaseplateMaxBatchSize = 500 * 1024
)

const baseplateUserAgent = "baseplate-event-publisher/1.0 (eventum)"

// BaseplateConfig configures the baseplate output, which publishes events
// (JSON documents, e.g. built with module.baseplate.event) to a Baseplate
// event collector in signed, gzipped batches.
type BaseplateConfig struct {
	Common
	// Collector is the collector's host (and optional :port), required.
	Collector string `yaml:"collector" required:"true" doc:"Host (or 'host:port') of the collector."`
	// Scheme is https (default) or http.
	Scheme string `yaml:"scheme" default:"https" enum:"http,https" doc:"'https' or 'http'."`
	// Version selects the endpoint and framing: 2j (default; a JSON array
	// of events, POSTed to /v2j), 1 (the same at /v1) or 2 (Thrift-JSON
	// list wrapper {"1":{"lst":["rec",N,...]}} at /v2).
	Version string `yaml:"version" default:"2j" enum:"1,2,2j" doc:"'1': a JSON array of events POSTed to '/v1'; '2j': the same at '/v2j'; '2': Thrift-JSON list wrapper '{\"1\":{\"lst\":[\"rec\",N,e1,…]}}' at '/v2' (events must be Thrift-JSON already)."`
	// KeyName and KeySecret (base64) sign every request; required.
	KeyName   string `yaml:"key_name" required:"true" doc:"Name of the signing key."`
	KeySecret string `yaml:"key_secret" required:"true" doc:"The key, base64 (normally '${secrets.…}')."`
	// QueueSize bounds the events waiting to be published (default 10000);
	// a full queue holds up writes (backpressure), nothing is dropped.
	QueueSize int `yaml:"queue_size" default:"10000" min:"1" doc:"Events waiting to be published. When the queue is full, writes wait — for as long as the publisher needs, 'write_timeout' does not cut them short — and the generator's backpressure holds production; no event is dropped to keep up."`
	// MaxBatchAge is how long the first event of a batch waits for more
	// before the batch is sent (default 1 s).
	MaxBatchAge config.Duration `yaml:"max_batch_age" default:"1" gt:"0" doc:"Seconds the first event of a batch waits for company before the batch is sent."`
	// Timeout bounds one request (default 3 s).
	Timeout config.Duration `yaml:"timeout" default:"3" gt:"0" doc:"Seconds for one request."`
	// RetryBackoff and RetryBudget are the older names of retry.initial and
	// retry.budget (aliases; set one name of each, not both).
	RetryBackoff config.Duration  `yaml:"retry_backoff" doc:"Older name of 'retry.initial' (set one of them)."`
	RetryBudget  *config.Duration `yaml:"retry_budget" doc:"Older name of 'retry.budget' (set one of them)."`
	TLSConfig
}

// Delivery implements HasDelivery: the retry policy with the aliases
// retry_backoff and retry_budget applied.
func (c *BaseplateConfig) Delivery() DeliverySettings {
	d := c.Common.Delivery()
	if c.RetryBackoff > 0 {
		d.Retry.Initial = c.RetryBackoff
	}
	if c.RetryBudget != nil {
		d.Retry.Budget = c.RetryBudget
	}
	return d
}

// Validate checks the settings.
func (c *BaseplateConfig) Validate() error {
	if c.Collector == "" || strings.Contains(c.Collector, "/") {
		return fmt.Errorf("collector: want a host or host:port without scheme or path, got %q", c.Collector)
	}
	if c.KeyName == "" {
		return fmt.Errorf("key_name: must not be empty")
	}
	if _, err := decodeSecret(c.KeySecret); err != nil {
		return err
	}
	if c.RetryBackoff < 0 || (c.RetryBudget != nil && *c.RetryBudget < 0) {
		return fmt.Errorf("retry_backoff and retry_budget must not be negative")
	}
	if c.RetryBackoff > 0 && c.Retry.Initial > 0 {
		return fmt.Errorf("retry_backoff is the older name of retry.initial: set one of them")
	}
	if c.RetryBudget != nil && c.Retry.Budget != nil {
		return fmt.Errorf("retry_budget is the older name of retry.budget: set one of them")
	}
	if c.Scheme == "http" && (c.CACert != "" || c.ClientCert != "") {
		return fmt.Errorf("ca_cert and client_cert need scheme: https")
	}
	return c.check()
}

// decodeSecret decodes key_secret (standard base64, padding optional). The
// error never shows the secret.
func decodeSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil {
		return nil, fmt.Errorf("key_secret: not valid base64 (%d characters)", len(s))
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("key_secret: must not be empty")
	}
	return b, nil
}

func init() {
	plugin.Register(Registry, "baseplate",
		func() *BaseplateConfig {
			return &BaseplateConfig{TLSConfig: TLSConfig{Verify: true}}
		},
		newBaseplate)
}

// BaseplateStats are the baseplate output's counters.
type BaseplateStats struct {
	Sent     int64 // events the collector accepted
	Failed   int64 // events of batches given up (4xx, retry budget spent, aborted close)
	Rejected int64 // events refused before queueing (too large, not JSON)
	Requests int64 // POSTs made, retries included
}

// Baseplate publishes events to a Baseplate event collector. Write puts
// the events in a bounded queue, waiting while it is full (backpressure:
// the generator waits too), and returns; a goroutine started by Open
// batches them — a batch goes out when its first event is max_batch_age
// old or when the next event would take its body over 500 KiB — and POSTs
// each batch gzipped and signed. 5xx, 408, 422, 429 and network errors are
// retried with the output's retry policy (the shared `retry:` setting) for
// as long as its budget allows; other 4xx answers drop the batch. Close
// publishes what is queued.
//
// Events dropped after Write accepted them are counted in Stats, logged,
// reported by LateFailed (the pipeline moves them from written to
// write_failed) and by Close's error.
type Baseplate struct {
	url     string
	keyName string
	secret  []byte
	v2      bool // Thrift-JSON framing
	client  *http.Client
	maxAge  time.Duration
	policy  Policy
	log     *slog.Logger
	rejects rejectLog

	mu      sync.RWMutex // Write holds it shared; Close exclusively to stop writes
	opened  bool
	closed  bool
	queue   chan string
	stop    chan struct{}
	done    chan struct{}
	runCtx  context.Context
	abort   context.CancelFunc
	lastErr atomic.Pointer[error]

	sent, failed, rejected, requests atomic.Int64
	abandoned                        atomic.Int64 // of failed: given up at close (the run stopped)

	// The publisher goroutine's own state.
	items   []byte // the batch's events joined by ','
	n       int    // events in items
	mac     hash.Hash
	zbuf    bytes.Buffer
	gz      *gzip.Writer
	lastLog time.Time // of the last "retrying" message
}

func newBaseplate(c *BaseplateConfig, env *plugin.Env) (Output, error) {
	secret, err := decodeSecret(c.KeySecret)
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	if c.Scheme == "https" {
		if tlsCfg, err = c.tlsConfig(env); err != nil {
			return nil, err
		}
	}
	client, err := newHTTPClient(c.Timeout.D(), c.Timeout.D(), tlsCfg, "")
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: c.Scheme, Host: c.Collector, Path: "/v" + c.Version}
	log := envLog(env)
	return &Baseplate{
		url: u.String(), keyName: c.KeyName, secret: secret, v2: c.Version == "2",
		client: client, maxAge: c.MaxBatchAge.D(), policy: c.Delivery().Retry.Policy(env != nil && env.Live),
		log: log, rejects: rejectLog{output: "baseplate output", log: log},
		queue: make(chan string, c.QueueSize),
		mac:   hmac.New(sha256.New, secret),
	}, nil
}

func envLog(env *plugin.Env) *slog.Logger {
	if env == nil {
		return slog.New(slog.DiscardHandler)
	}
	return env.Log()
}

// Open implements Output: it starts the publisher. No connection is made
// until the first batch.
func (o *Baseplate) Open(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.opened {
		return nil
	}
	o.opened = true
	o.stop, o.done = make(chan struct{}), make(chan struct{})
	o.runCtx, o.abort = context.WithCancel(context.Background())
	o.gz, _ = gzip.NewWriterLevel(&o.zbuf, gzip.DefaultCompression)
	go o.run()
	return nil
}

// ConcurrentWrites implements Concurrent: writes only feed the queue.
func (o *Baseplate) ConcurrentWrites() bool { return true }

// SelfTimed implements SelfTimed: a Write waits for room in the queue as
// long as the publisher needs (the retry policy bounds that), not for
// write_timeout; it returns early only when its ctx is cancelled (a hard stop).
func (o *Baseplate) SelfTimed() bool { return true }

// Stats returns the output's counters.
func (o *Baseplate) Stats() BaseplateStats {
	return BaseplateStats{Sent: o.sent.Load(), Failed: o.failed.Load(), Rejected: o.rejected.Load(), Requests: o.requests.Load()}
}

// checkEvent says why an event cannot be published, or nil.
func checkEvent(p string) error {
	switch {
	case len(p) > BaseplateMaxEventSize:
		return fmt.Errorf("event of %d bytes is over the collector's %d-byte limit", len(p), BaseplateMaxEventSize)
	case !json.Valid(unsafe.Slice(unsafe.StringData(p), len(p))):
		return errors.New("event is not a JSON document")
	}
	return nil
}

// Write implements Output: it queues the events, waiting while the queue
// is full. Events over 100 KiB or not JSON are rejected (RejectedError).
// With ctx cancelled (a hard stop) before every event is queued, it returns
// how many were: the settled prefix holds the queued and rejected ones.
func (o *Baseplate) Write(ctx context.Context, payloads []string) (int, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if !o.opened || o.closed {
		return 0, errors.New("baseplate output: write while not open")
	}
	// The payloads' memory belongs to the caller: copy the good ones into
	// one block the queued strings point into (the block is never changed).
	var bad []int // indexes of rejected payloads, ascending
	var rej *RejectedError
	total := 0
	for i, p := range payloads {
		if err := checkEvent(p); err != nil {
			bad = append(bad, i)
			if rej == nil {
				rej = &RejectedError{First: err}
			}
			rej.N++
			o.rejects.reject(p, err)
			continue
		}
		total += len(p)
	}
	if rej != nil {
		o.rejected.Add(int64(rej.N))
	}
	block := make([]byte, 0, total)
	bad0 := bad
	for i, p := range payloads {
		if len(bad) > 0 && bad[0] == i {
			bad = bad[1:]
			continue
		}
		var s string
		if len(p) > 0 {
			start := len(block)
			block = append(block, p...)
			s = unsafe.String(&block[start], len(p))
		}
		select {
		case o.queue <- s:
		default:
			select {
			case o.queue <- s:
			case <-ctx.Done():
				// The prefix settled so far: the queued events and the
				// rejected ones before the first event not queued.
				n := i
				rej = rejectedBefore(bad0, i, rej)
				err := fmt.Errorf("baseplate output: stopped while waiting for room in the queue: %w", ctx.Err())
				if rej != nil {
					err = errors.Join(err, rej)
				}
				return n, err
			}
		}
	}
	if rej != nil {
		return len(payloads), fmt.Errorf("baseplate output: %w", rej)
	}
	return len(payloads), nil
}

// rejectedBefore narrows rej to the rejected payloads (indexes bad,
// ascending) before index i.
func rejectedBefore(bad []int, i int, rej *RejectedError) *RejectedError {
	k := 0
	for k < len(bad) && bad[k] < i {
		k++
	}
	if k == 0 {
		return nil
	}
	return &RejectedError{N: k, First: rej.First}
}

// Close implements Output: it stops accepting events, publishes the queue
// and waits for it within ctx; when ctx ends first, retries are abandoned
// and what is left counts as failed. Events that could not be published
// during the output's life are logged here and counted by LateFailed (the
// pipeline reports them as write_failed, and the run's exit code says
// events were lost): they are not an error of Close, which would make the
// run look like it failed to run.
func (o *Baseplate) Close(ctx context.Context) error {
	o.mu.Lock()
	if !o.opened || o.closed {
		o.closed = true
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	o.mu.Unlock()
	close(o.stop)
	select {
	case <-o.done:
	case <-ctx.Done():
		o.abort()
		<-o.done
	}
	o.abort()
	o.client.CloseIdleConnections()
	if n := o.failed.Load(); n > 0 {
		o.log.Error("baseplate output: events could not be published", "events", n, "last_error", o.lastError())
	}
	return nil
}

// lastError is the error of the last batch given up (nil when none was).
func (o *Baseplate) lastError() error {
	if p := o.lastErr.Load(); p != nil {
		return *p
	}
	return nil
}

// run is the publisher goroutine.
func (o *Baseplate) run() {
	defer close(o.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case p := <-o.queue:
			if o.add(p) {
				timer.Reset(o.maxAge)
			}
		case <-timer.C:
			o.flush()
		case <-o.stop:
			timer.Stop()
			// Writers are gone (Close holds them off): drain what is queued.
			for len(o.queue) > 0 {
				o.add(<-o.queue)
			}
			o.flush()
			return
		}
	}
}

// add puts an event in the batch, sending the batch first when the event
// would take it over the size limit. It reports whether the event started
// a new batch (the age clock starts).
func (o *Baseplate) add(p string) bool {
	if o.n > 0 && o.bodySize(o.n+1, len(o.items)+1+len(p)) > BaseplateMaxBatchSize {
		o.flush()
	}
	if o.n > 0 {
		o.items = append(o.items, ',')
	}
	o.items = append(o.items, p...)
	o.n++
	return o.n == 1
}

// framing returns what goes before and after the joined events of a batch of n.
func (o *Baseplate) framing(dst []byte, n int) (prefix []byte, suffix string) {
	if !o.v2 {
		return append(dst, '['), "]"
	}
	dst = append(dst, `{"1":{"lst":["rec",`...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, ','), "]}}"
}

// bodySize is the size of the request body of n events whose joined size is itemsLen.
func (o *Baseplate) bodySize(n, itemsLen int) int {
	var buf [32]byte
	prefix, suffix := o.framing(buf[:0], n)
	return len(prefix) + itemsLen + len(suffix)
}

// flush publishes the batch (retrying as configured) and empties it.
func (o *Baseplate) flush() {
	if o.n == 0 {
		return
	}
	n := o.n
	var buf [32]byte
	prefix, suffix := o.framing(buf[:0], n)
	o.mac.Reset()
	o.mac.Write(prefix)
	o.mac.Write(o.items)
	o.mac.Write([]byte(suffix))
	sig := "key=" + o.keyName + ", mac=" + hex.EncodeToString(o.mac.Sum(nil))
	o.zbuf.Reset()
	o.gz.Reset(&o.zbuf)
	o.gz.Write(prefix)
	o.gz.Write(o.items)
	o.gz.Write([]byte(suffix))
	o.gz.Close()
	o.items, o.n = o.items[:0], 0
	if err := o.send(o.zbuf.Bytes(), sig); err != nil {
		if errors.Is(err, errPublishAborted) {
			o.abandoned.Add(int64(n))
		}
		o.failed.Add(int64(n))
		o.lastErr.Store(&err)
		o.log.Error("baseplate output: batch dropped", "events", n, "error", err)
		return
	}
	o.sent.Add(int64(n))
}

// maxAnsweredWait caps the wait before retrying a collector that answered
// with an error (it is up, so retrying is cheap for it): the publisher
// notices within that time that it answers again.
const maxAnsweredWait = 5 * time.Second

// probeEvery is how often a publisher waiting after a refused connection
// checks whether the collector listens again (a TCP connect, no request).
const probeEvery = 250 * time.Millisecond

// retryLogEvery spaces the "retrying" messages.
const retryLogEvery = 5 * time.Second

// send POSTs a batch until it is accepted, refused for good, the retry
// budget is spent or the output is aborted. Between attempts it waits with
// the retry policy's backoff, and wakes early when the collector is back:
// after a refused connection as soon as a connection succeeds, after an
// error answer within maxAnsweredWait.
func (o *Baseplate) send(body []byte, sig string) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := o.post(body, sig)
		if err == nil {
			if attempt > 1 {
				o.log.Info("baseplate output: published after retrying", "attempts", attempt)
			}
			return nil
		}
		var perm permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		if o.runCtx.Err() != nil {
			return fmt.Errorf("%w (%w after %d attempts)", err, errPublishAborted, attempt)
		}
		wait, probe := retryWait(o.policy, attempt, err)
		if b := o.policy.Budget; b > 0 && time.Since(start)+wait > b {
			return fmt.Errorf("%w (gave up after %d attempts in %v: retry budget %v)", err, attempt, time.Since(start).Round(time.Millisecond), b)
		}
		if time.Since(o.lastLog) >= retryLogEvery {
			o.lastLog = time.Now()
			o.log.Warn("baseplate output: publish failed, retrying", "attempt", attempt, "in", wait.Round(time.Millisecond), "error", err)
		}
		if !o.wait(wait, probe) {
			return fmt.Errorf("%w (%w after %d attempts)", err, errPublishAborted, attempt)
		}
	}
}

// errPublishAborted marks a batch given up because Close ran out of time
// (the run stopped).
var errPublishAborted = errors.New("aborted at close")

// retryWait is how long the publisher waits before attempt+1 after err,
// and the address to probe meanwhile ("" for none).
func retryWait(p Policy, attempt int, err error) (wait time.Duration, probe string) {
	wait = p.Backoff(attempt)
	var answer *baseplateStatusError
	var op *net.OpError
	switch {
	case errors.As(err, &answer):
		wait = min(wait, max(p.Initial, maxAnsweredWait))
	case errors.As(err, &op) && op.Op == "dial" && op.Addr != nil:
		probe = op.Addr.String()
	}
	return wait, probe
}

// wait sleeps d, or less when probe (an address whose connection was
// refused) accepts a connection again. It returns false when the output is
// aborted.
func (o *Baseplate) wait(d time.Duration, probe string) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	var tick <-chan time.Time
	if probe != "" && d > probeEvery {
		tk := time.NewTicker(probeEvery)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		select {
		case <-t.C:
			return true
		case <-o.runCtx.Done():
			return false
		case <-tick:
			ctx, cancel := context.WithTimeout(o.runCtx, probeEvery)
			conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", probe)
			cancel()
			if err == nil {
				conn.Close()
				return true
			}
		}
	}
}

// baseplateStatusError is an error answer of the collector.
type baseplateStatusError struct {
	url    string
	status int
	text   string
}

func (e *baseplateStatusError) Error() string {
	return fmt.Sprintf("POST %s: status %d: %s", e.url, e.status, e.text)
}

// post makes one request; the error is permanent for answers retrying
// cannot change (4xx other than 408, 422 and 429).
func (o *Baseplate) post(body []byte, sig string) error {
	o.requests.Add(1)
	req, err := http.NewRequestWithContext(o.runCtx, http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	h := req.Header
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	h.Set("User-Agent", baseplateUserAgent)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Encoding", "gzip")
	h.Set("X-Signature", sig)
	resp, err := o.client.Do(req)
	if err != nil {
		return classify(err)
	}
	defer resp.Body.Close()
	text := readPrefix(resp.Body)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = &baseplateStatusError{url: o.url, status: resp.StatusCode, text: strings.TrimSpace(text)}
	if retryableStatus(resp.StatusCode) || resp.StatusCode == http.StatusUnprocessableEntity {
		return err
	}
	return Permanent(err)
}

// LateFailed is how many accepted events were given up after Write returned
// (the pipeline moves them from written to write_failed).
func (o *Baseplate) LateFailed() int64 { return o.failed.Load() }

// LateUndelivered is how many of LateFailed were given up because Close ran
// out of time (the run stopped): the pipeline counts them as undelivered.
func (o *Baseplate) LateUndelivered() int64 { return o.abandoned.Load() }
