package outputs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// HTTPConfig configures the http output.
type HTTPConfig struct {
	Common
	// URL receives the requests (required).
	URL string `yaml:"url" required:"true" type:"http(s) URL" doc:"where the requests go"`
	// Method is the HTTP method (default POST).
	Method string `yaml:"method" default:"POST" type:"'GET' 'HEAD' 'OPTIONS' 'POST' 'PUT' 'PATCH' 'DELETE'" doc:"request method"`
	// SuccessCode narrows which statuses mean delivered: one code or a
	// list. Unset: any 2xx.
	SuccessCode StatusCodes `yaml:"success_code" absent:"any 2xx" type:"status or list of statuses" doc:"the statuses meaning delivered, e.g. '201' or '[200, 202]'; another 2xx then fails the payload for good"`
	// Headers are added to every request.
	Headers map[string]string `yaml:"headers" doc:"headers added to every request (e.g. 'Content-Type: application/json'; none is set by default)"`
	// IdempotencyHeader names the header that carries a key identifying the
	// payload, the same on every re-send of it (default Idempotency-Key;
	// "" sends none).
	IdempotencyHeader string `yaml:"idempotency_header" default:"Idempotency-Key" type:"header name" doc:"the header carrying the payload's idempotency key; '\"\"' sends none"`
	// Username and Password enable HTTP basic authentication.
	Username string `yaml:"username" doc:"HTTP basic authentication"`
	Password string `yaml:"password" doc:"HTTP basic authentication"`
	// ConnectTimeout bounds connecting (and the TLS handshake), in seconds (default 10).
	ConnectTimeout config.Duration `yaml:"connect_timeout" default:"10" gt:"0" doc:"connecting and the TLS handshake"`
	// RequestTimeout bounds one request, in seconds (default 300).
	RequestTimeout config.Duration `yaml:"request_timeout" default:"300" gt:"0" doc:"one request, answer included"`
	// ProxyURL sends the requests through an HTTP(S) proxy.
	ProxyURL string `yaml:"proxy_url" type:"URL" absent:"'HTTP(S)_PROXY' environment" doc:"proxy for the requests"`
	TLSConfig
}

// StatusCodes is a setting holding HTTP statuses: one code or a list.
type StatusCodes []int

// UnmarshalYAML accepts `201` as well as `[200, 201]`.
func (s *StatusCodes) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var c int
		if err := n.Decode(&c); err != nil {
			return fmt.Errorf("expected an HTTP status or a list of them, got %q", n.Value)
		}
		*s = StatusCodes{c}
		return nil
	}
	var cs []int
	if err := n.Decode(&cs); err != nil {
		return errors.New("expected an HTTP status or a list of them")
	}
	*s = cs
	return nil
}

// ok reports whether status means delivered: one of s, or any 2xx when s is empty.
func (s StatusCodes) ok(status int) bool {
	if len(s) == 0 {
		return status >= 200 && status < 300
	}
	return slices.Contains(s, status)
}

func (s StatusCodes) String() string {
	if len(s) == 0 {
		return "2xx"
	}
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, " or ")
}

var httpMethods = []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}

// Validate checks the settings.
func (c *HTTPConfig) Validate() error {
	if err := checkURL("url", c.URL); err != nil {
		return err
	}
	if !slices.Contains(httpMethods, strings.ToUpper(c.Method)) {
		return fmt.Errorf("method: must be one of %s, got %q", strings.Join(httpMethods, ", "), c.Method)
	}
	for _, code := range c.SuccessCode {
		if code < 100 || code > 599 {
			return fmt.Errorf("success_code: must be an HTTP status (100-599), got %d", code)
		}
	}
	if c.IdempotencyHeader != "" && !validHeaderName(c.IdempotencyHeader) {
		return fmt.Errorf("idempotency_header: %q is not a valid header name", c.IdempotencyHeader)
	}
	return c.check()
}

// validHeaderName reports whether s is an HTTP token (RFC 9110).
func validHeaderName(s string) bool {
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return s != ""
}

// DefaultFormat implements DefaultFormatter: one JSON array per batch.
func (c *HTTPConfig) DefaultFormat() string { return "json-batch" }

func init() {
	plugin.Register(Registry, "http",
		nil,
		newHTTP)
}

// HTTP sends each payload as the body of one request. With the default
// json-batch formatter that is one request per batch; with a per-event
// formatter (plain, json) it is one request per event.
//
// A Write is one attempt: the payloads go out in order and the first one
// not acknowledged ends it. 5xx, 408, 429 and network errors (a timeout
// included: the payload may have landed) are transient, the pipeline
// re-sends from that payload on; other statuses are Permanent. Every
// request carries an idempotency key derived from the output's run id and
// the payload's place in its batch, so a re-sent payload has the key it
// had the first time.
type HTTP struct {
	cfg    *HTTPConfig
	url    string // redacted, for messages
	header http.Header
	client *http.Client
	// keyHeader is the idempotency header's canonical name ("": none).
	keyHeader string
	runID     string
	direct    atomic.Uint64 // numbers writes made outside the pipeline (no Attempt)
}

func newHTTP(c *HTTPConfig, env *plugin.Env) (Output, error) {
	method := *c
	method.Method = strings.ToUpper(c.Method) // the config is left as decoded
	c = &method
	tlsCfg, err := c.tlsConfig(env)
	if err != nil {
		return nil, err
	}
	client, err := newHTTPClient(c.ConnectTimeout.D(), c.RequestTimeout.D(), tlsCfg, c.ProxyURL)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	if c.Username != "" || c.Password != "" {
		r := http.Request{Header: h}
		r.SetBasicAuth(c.Username, c.Password)
	}
	return &HTTP{cfg: c, url: redactURL(c.URL), header: h, client: client,
		keyHeader: http.CanonicalHeaderKey(c.IdempotencyHeader), runID: newRunID()}, nil
}

// newRunID returns a random id naming one run of an output: the prefix of
// its idempotency keys, so that keys of different runs never collide.
func newRunID() string {
	return strconv.FormatUint(rand.Uint64(), 36)
}

// Open implements Output. No connection is made until the first write.
func (o *HTTP) Open(context.Context) error { return nil }

// ConcurrentWrites implements Concurrent.
func (o *HTTP) ConcurrentWrites() bool { return true }

// Write implements Output: one attempt; payloads are sent in order, one
// request each, and the first that is not acknowledged ends the write.
func (o *HTTP) Write(ctx context.Context, payloads []string) (int, error) {
	a := AttemptFrom(ctx)
	var kb [64]byte
	key := append(kb[:0], o.runID...) // run-b<batch>-<index>, or run-d<n>-<index> outside the pipeline
	if a.Batch != 0 {
		key = strconv.AppendUint(append(key, "-b"...), a.Batch, 10)
	} else {
		key = strconv.AppendUint(append(key, "-d"...), o.direct.Add(1), 10)
	}
	key = append(key, '-')
	prefix := len(key)
	for i, p := range payloads {
		var k string
		if o.keyHeader != "" {
			k = string(strconv.AppendInt(key[:prefix], int64(a.Offset+i), 10))
		}
		if err := o.send(ctx, p, k); err != nil {
			return i, fmt.Errorf("http output: %s %s: %w", o.cfg.Method, o.url, err)
		}
	}
	return len(payloads), nil
}

func (o *HTTP) send(ctx context.Context, payload, key string) error {
	req, err := http.NewRequestWithContext(ctx, o.cfg.Method, o.cfg.URL, strings.NewReader(payload))
	if err != nil {
		return Permanent(err)
	}
	copyHeader(req.Header, o.header)
	if key != "" {
		req.Header[o.keyHeader] = []string{key}
	}
	resp, err := o.client.Do(req)
	if err != nil {
		var ue *url.Error // it repeats the URL (password hidden): the caller names it
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return classify(err)
	}
	defer resp.Body.Close()
	body := readPrefix(resp.Body)
	if o.cfg.SuccessCode.ok(resp.StatusCode) {
		return nil
	}
	err = fmt.Errorf("status %d (want %s): %s", resp.StatusCode, o.cfg.SuccessCode, body)
	if retryableStatus(resp.StatusCode) {
		return err
	}
	return Permanent(err)
}

// copyHeader copies the headers of src into dst (the values are shared, not copied).
func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// Close implements Output: it releases idle connections.
func (o *HTTP) Close(context.Context) error {
	o.client.CloseIdleConnections()
	return nil
}
