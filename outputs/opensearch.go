package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventum-generator/eventum-go/config"
	"github.com/eventum-generator/eventum-go/plugin"
)

// OpenSearchConfig configures the opensearch output.
type OpenSearchConfig struct {
	Common
	// Hosts are the cluster nodes (`https://node:9200`), used round-robin;
	// a node that fails is skipped for the next attempt (required, at least one).
	Hosts []string `yaml:"hosts" required:"true"`
	// Username and Password authenticate (HTTP basic).
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Index receives the documents (required).
	Index string `yaml:"index" required:"true"`
	// ConnectTimeout and RequestTimeout in seconds (defaults 10 and 300).
	ConnectTimeout config.Duration `yaml:"connect_timeout"`
	RequestTimeout config.Duration `yaml:"request_timeout"`
	// ProxyURL sends the requests through an HTTP(S) proxy.
	ProxyURL string `yaml:"proxy_url"`
	TLSConfig
}

// Validate checks the settings.
func (c *OpenSearchConfig) Validate() error {
	if len(c.Hosts) == 0 {
		return fmt.Errorf("hosts: at least one host is needed")
	}
	for i, h := range c.Hosts {
		if err := checkURL(fmt.Sprintf("hosts[%d]", i), h); err != nil {
			return err
		}
	}
	if c.Index == "" {
		return fmt.Errorf("index: must not be empty")
	}
	if c.ConnectTimeout <= 0 || c.RequestTimeout <= 0 {
		return fmt.Errorf("connect_timeout and request_timeout must be positive")
	}
	return c.check()
}

// DefaultFormat implements DefaultFormatter: one JSON document per line.
func (c *OpenSearchConfig) DefaultFormat() string { return "json" }

func init() {
	plugin.Register(Registry, "opensearch",
		func() *OpenSearchConfig {
			return &OpenSearchConfig{
				ConnectTimeout: config.Duration(10 * time.Second), RequestTimeout: config.Duration(300 * time.Second),
			}
		},
		newOpenSearch)
}

// OpenSearch indexes payloads (one JSON document each, on one line) with the
// `_bulk` API, one request per write.
//
// A bulk request can partly fail. Items refused with a retryable status
// (429, 5xx) are sent again, alone, within the write's deadline. Write then
// returns the number of indexed documents, which is not a prefix of the
// payloads: the error it returns says how many failed, and those refused for
// their content (a 4xx such as mapper_parsing_exception) are reported as a
// *RejectedError, so the pipeline counts them as format_failed and the rest
// as write_failed.
type OpenSearch struct {
	cfg    *OpenSearchConfig
	hosts  []string // bulk URLs
	next   atomic.Uint64
	action []byte
	client *http.Client
	bufs   sync.Pool
	log    rejectLog
}

func newOpenSearch(c *OpenSearchConfig, env *plugin.Env) (Output, error) {
	tlsCfg, err := c.tlsConfig(env)
	if err != nil {
		return nil, err
	}
	client, err := newHTTPClient(c.ConnectTimeout.D(), c.RequestTimeout.D(), tlsCfg, c.ProxyURL)
	if err != nil {
		return nil, err
	}
	o := &OpenSearch{cfg: c, client: client, log: rejectLog{output: "opensearch output", log: env.Log()}}
	for _, h := range c.Hosts {
		// Only the fields the output reads come back.
		o.hosts = append(o.hosts, strings.TrimRight(h, "/")+"/_bulk?filter_path=errors,items.*.status,items.*.error")
	}
	action, _ := json.Marshal(map[string]map[string]string{"index": {"_index": c.Index}})
	o.action = append(action, '\n')
	return o, nil
}

// Open implements Output. No connection is made until the first write.
func (o *OpenSearch) Open(context.Context) error { return nil }

// ConcurrentWrites implements Concurrent.
func (o *OpenSearch) ConcurrentWrites() bool { return true }

// bulkResponse is the part of a `_bulk` answer the output reads.
type bulkResponse struct {
	Errors bool                         `json:"errors"`
	Items  []map[string]bulkItemOutcome `json:"items"`
}

type bulkItemOutcome struct {
	Status int `json:"status"`
	Error  *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// Write implements Output.
func (o *OpenSearch) Write(ctx context.Context, payloads []string) (int, error) {
	pending := make([]int, len(payloads)) // indexes of payloads not yet indexed
	for i := range pending {
		pending[i] = i
	}
	var (
		rejected      RejectedError
		lastTransient error
	)
	err := retry(ctx, func(ctx context.Context) error {
		outcome, err := o.bulk(ctx, payloads, pending)
		if err != nil {
			return err
		}
		still := pending[:0]
		lastTransient = nil
		for k, it := range outcome {
			switch {
			case it.Status >= 200 && it.Status < 300:
			case retryableStatus(it.Status):
				still = append(still, pending[k])
				lastTransient = itemError(it)
			default:
				rejected.N++
				if rejected.First == nil {
					rejected.First = itemError(it)
				}
				o.log.reject(payloads[pending[k]], itemError(it))
			}
		}
		pending = still
		if len(pending) > 0 {
			return fmt.Errorf("%d document(s) not indexed yet, last: %w", len(pending), lastTransient)
		}
		return nil
	})
	failed := len(pending) + rejected.N
	written := len(payloads) - failed
	if rejected.N == 0 && err == nil {
		return written, nil
	}
	var errs []error
	if err != nil {
		if len(pending) == len(payloads) {
			return 0, fmt.Errorf("opensearch output: bulk: %w", err)
		}
		errs = append(errs, fmt.Errorf("opensearch output: %d of %d documents failed: %w", len(pending), len(payloads), err))
	}
	if rejected.N > 0 {
		errs = append(errs, fmt.Errorf("opensearch output: %w", &rejected))
	}
	return written, errors.Join(errs...)
}

func itemError(it bulkItemOutcome) error {
	if it.Error == nil {
		return fmt.Errorf("status %d", it.Status)
	}
	return fmt.Errorf("status %d: %s: %s", it.Status, it.Error.Type, it.Error.Reason)
}

// bulk sends the payloads at indexes pending to the next host and returns
// the outcome of each, in order.
func (o *OpenSearch) bulk(ctx context.Context, payloads []string, pending []int) ([]bulkItemOutcome, error) {
	buf, _ := o.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() { buf.Reset(); o.bufs.Put(buf) }()
	for _, i := range pending {
		buf.Write(o.action)
		buf.WriteString(payloads[i])
		buf.WriteByte('\n')
	}
	host := o.hosts[o.next.Add(1)%uint64(len(o.hosts))]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, host, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Accept", "application/json")
	if o.cfg.Username != "" || o.cfg.Password != "" {
		req.SetBasicAuth(o.cfg.Username, o.cfg.Password)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return nil, classify(fmt.Errorf("%s: %w", hostOf(host), err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("%s: status %d: %s", hostOf(host), resp.StatusCode, readPrefix(resp.Body))
		if retryableStatus(resp.StatusCode) {
			return nil, err
		}
		return nil, permanent(err)
	}
	var br bulkResponse
	if err := json.NewDecoder(resp.Body).Decode(&br); err != nil {
		return nil, permanent(fmt.Errorf("%s: decode bulk response: %w", hostOf(host), err))
	}
	out := make([]bulkItemOutcome, len(pending))
	if !br.Errors {
		for k := range out {
			out[k].Status = http.StatusCreated
		}
		return out, nil
	}
	if len(br.Items) != len(pending) {
		return nil, permanent(fmt.Errorf("%s: bulk response has %d items for %d documents", hostOf(host), len(br.Items), len(pending)))
	}
	for k, item := range br.Items {
		for _, v := range item { // one key: the action
			out[k] = v
		}
	}
	return out, nil
}

func hostOf(bulkURL string) string {
	h, _, _ := strings.Cut(bulkURL, "/_bulk")
	return h
}

// Close implements Output.
func (o *OpenSearch) Close(context.Context) error {
	o.client.CloseIdleConnections()
	return nil
}
