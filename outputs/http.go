package outputs

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/eventum-generator/eventum-go/config"
	"github.com/eventum-generator/eventum-go/plugin"
)

// HTTPConfig configures the http output.
type HTTPConfig struct {
	Common
	// URL receives the requests (required).
	URL string `yaml:"url" required:"true"`
	// Method is the HTTP method (default POST).
	Method string `yaml:"method"`
	// SuccessCode is the status that means delivered (default 201); any
	// other status is a failure.
	SuccessCode int `yaml:"success_code"`
	// Headers are added to every request.
	Headers map[string]string `yaml:"headers"`
	// Username and Password enable HTTP basic authentication.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// ConnectTimeout bounds connecting (and the TLS handshake), in seconds (default 10).
	ConnectTimeout config.Duration `yaml:"connect_timeout"`
	// RequestTimeout bounds one request, in seconds (default 300).
	RequestTimeout config.Duration `yaml:"request_timeout"`
	// ProxyURL sends the requests through an HTTP(S) proxy.
	ProxyURL string `yaml:"proxy_url"`
	TLSConfig
}

var httpMethods = []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"}

// Validate checks the settings.
func (c *HTTPConfig) Validate() error {
	if err := checkURL("url", c.URL); err != nil {
		return err
	}
	c.Method = strings.ToUpper(c.Method)
	if !slices.Contains(httpMethods, c.Method) {
		return fmt.Errorf("method: must be one of %s, got %q", strings.Join(httpMethods, ", "), c.Method)
	}
	if c.SuccessCode < 100 || c.SuccessCode > 599 {
		return fmt.Errorf("success_code: must be an HTTP status (100-599), got %d", c.SuccessCode)
	}
	if c.ConnectTimeout <= 0 || c.RequestTimeout <= 0 {
		return fmt.Errorf("connect_timeout and request_timeout must be positive")
	}
	return c.check()
}

// DefaultFormat implements DefaultFormatter: one JSON array per batch.
func (c *HTTPConfig) DefaultFormat() string { return "json-batch" }

func init() {
	plugin.Register(Registry, "http",
		func() *HTTPConfig {
			return &HTTPConfig{
				Method: "POST", SuccessCode: 201,
				ConnectTimeout: config.Duration(10 * time.Second), RequestTimeout: config.Duration(300 * time.Second),
			}
		},
		newHTTP)
}

// HTTP sends each payload as the body of one request. With the default
// json-batch formatter that is one request per batch; with a per-event
// formatter (plain, json) it is one request per event. 5xx, 408, 429 and
// network errors are retried with exponential backoff within the write's
// deadline; any other status than success_code fails the payload.
type HTTP struct {
	cfg    *HTTPConfig
	header http.Header
	client *http.Client
}

func newHTTP(c *HTTPConfig, env *plugin.Env) (Output, error) {
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
	return &HTTP{cfg: c, header: h, client: client}, nil
}

// Open implements Output. No connection is made until the first write.
func (o *HTTP) Open(context.Context) error { return nil }

// ConcurrentWrites implements Concurrent.
func (o *HTTP) ConcurrentWrites() bool { return true }

// Write implements Output: payloads are sent in order, one request each;
// the first payload that cannot be delivered ends the write.
func (o *HTTP) Write(ctx context.Context, payloads []string) (int, error) {
	for i, p := range payloads {
		if err := retry(ctx, func(ctx context.Context) error { return o.send(ctx, p) }); err != nil {
			return i, fmt.Errorf("http output: %s %s: %w", o.cfg.Method, o.cfg.URL, err)
		}
	}
	return len(payloads), nil
}

func (o *HTTP) send(ctx context.Context, payload string) error {
	req, err := http.NewRequestWithContext(ctx, o.cfg.Method, o.cfg.URL, strings.NewReader(payload))
	if err != nil {
		return permanent(err)
	}
	for k, v := range o.header {
		req.Header[k] = v
	}
	if o.cfg.Username != "" || o.cfg.Password != "" {
		req.SetBasicAuth(o.cfg.Username, o.cfg.Password)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return classify(err)
	}
	defer resp.Body.Close()
	body := readPrefix(resp.Body)
	if resp.StatusCode == o.cfg.SuccessCode {
		return nil
	}
	err = fmt.Errorf("status %d (want %d): %s", resp.StatusCode, o.cfg.SuccessCode, body)
	if retryableStatus(resp.StatusCode) {
		return err
	}
	return permanent(err)
}

// Close implements Output: it releases idle connections.
func (o *HTTP) Close(context.Context) error {
	o.client.CloseIdleConnections()
	return nil
}
