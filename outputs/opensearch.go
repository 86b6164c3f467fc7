package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// OpenSearchConfig configures the opensearch output.
type OpenSearchConfig struct {
	Common
	// Hosts are the cluster nodes (`https://node:9200`), used round-robin;
	// a node that fails is skipped for the next attempt (required, at least one).
	Hosts []string `yaml:"hosts" required:"true" min:"1" doc:"cluster nodes, used round-robin; a failing node is skipped by the next attempt"`
	// Username and Password authenticate (HTTP basic).
	Username string `yaml:"username" doc:"HTTP basic authentication"`
	Password string `yaml:"password" doc:"HTTP basic authentication"`
	// Index receives the documents (required).
	Index string `yaml:"index" required:"true" doc:"target index"`
	// ConnectTimeout and RequestTimeout in seconds (defaults 10 and 300).
	ConnectTimeout config.Duration `yaml:"connect_timeout" default:"10" gt:"0" doc:"connecting and the TLS handshake"`
	RequestTimeout config.Duration `yaml:"request_timeout" default:"300" gt:"0" doc:"one bulk request"`
	// ProxyURL sends the requests through an HTTP(S) proxy.
	ProxyURL string `yaml:"proxy_url" type:"URL" absent:"'HTTP(S)_PROXY' environment" doc:"proxy"`
	// IDField names the top-level member of each document whose value
	// (a string or number) becomes the document's _id, so that a re-sent
	// document overwrites itself instead of being indexed twice.
	IDField string `yaml:"id_field" doc:"top-level member of each document whose value (a string or number) becomes its '_id'"`
	TLSConfig
}

// Validate checks the settings.
func (c *OpenSearchConfig) Validate() error {
	for i, h := range c.Hosts {
		if err := checkURL(fmt.Sprintf("hosts[%d]", i), h); err != nil {
			return err
		}
	}
	if c.Index == "" {
		return fmt.Errorf("index: must not be empty")
	}
	return c.check()
}

// DefaultFormat implements DefaultFormatter: one JSON document per line.
func (c *OpenSearchConfig) DefaultFormat() string { return "json" }

func init() {
	plugin.Register(Registry, "opensearch",
		nil,
		newOpenSearch)
}

// OpenSearch indexes payloads (one JSON document each, on one line) with the
// `_bulk` API, one request per write.
//
// A Write is one attempt, and a bulk request can partly fail. The items are
// in the payloads' order, so the settled prefix ends at the first item
// refused with a retryable status (429, 5xx, 408): the items before it are
// indexed, or refused for good for their content (a 4xx such as
// mapper_parsing_exception), reported as a *RejectedError (format_failed).
// The pipeline re-sends the rest. Items of that rest that were indexed
// already are remembered (per batch, from the Attempt in ctx) and not sent
// again, so a partial failure causes no duplicates; only an unknown outcome
// (a timeout, a lost answer) does, and with id_field the re-sent documents
// overwrite themselves.
type OpenSearch struct {
	cfg    *OpenSearchConfig
	hosts  []string // bulk URLs
	next   atomic.Uint64
	action []byte
	// With id_field: the action line up to the _id's value, and the member to read.
	actionID []byte
	idSlots  map[string]int // id_field → 0
	client   *http.Client
	bufs     sync.Pool
	log      rejectLog
	done     indexedItems
}

// indexedItems remembers, per batch, the items indexed by an attempt whose
// settled prefix ended before them, until the batch is settled. Entries of
// batches the pipeline gave up are evicted when there are too many:
// forgetting one only means re-sending (a duplicate), never a loss.
type indexedItems struct {
	mu      sync.Mutex
	batches map[uint64]map[int]bool // batch → absolute indexes
}

// maxRememberedBatches bounds indexedItems.
const maxRememberedBatches = 1024

func (d *indexedItems) get(batch uint64) map[int]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.batches[batch]
}

func (d *indexedItems) add(batch uint64, idx []int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.batches == nil {
		d.batches = map[uint64]map[int]bool{}
	}
	m := d.batches[batch]
	if m == nil {
		if len(d.batches) >= maxRememberedBatches {
			oldest := batch
			for b := range d.batches {
				oldest = min(oldest, b)
			}
			delete(d.batches, oldest)
		}
		m = map[int]bool{}
		d.batches[batch] = m
	}
	for _, i := range idx {
		m[i] = true
	}
}

func (d *indexedItems) forget(batch uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.batches, batch)
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
	o := &OpenSearch{cfg: c, client: client, log: rejectLog{output: "opensearch output", log: envLog(env)}}
	for _, h := range c.Hosts {
		// Only the fields the output reads come back.
		o.hosts = append(o.hosts, strings.TrimRight(h, "/")+"/_bulk?filter_path=errors,items.*.status,items.*.error")
	}
	action, _ := json.Marshal(map[string]map[string]string{"index": {"_index": c.Index}})
	o.action = append(action, '\n')
	if c.IDField != "" {
		o.idSlots = map[string]int{c.IDField: 0}
		index, _ := json.Marshal(c.Index)
		o.actionID = []byte(`{"index":{"_index":` + string(index) + `,"_id":`)
	}
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
	refused error // refused before sending (id_field)
}

// Write implements Output: one bulk request for the payloads not indexed
// by an earlier attempt of the batch.
func (o *OpenSearch) Write(ctx context.Context, payloads []string) (int, error) {
	a := AttemptFrom(ctx)
	var already map[int]bool
	if a.Batch != 0 {
		already = o.done.get(a.Batch)
	}
	outcome := make([]bulkItemOutcome, len(payloads))
	send := make([]int, 0, len(payloads)) // indexes of the payloads in the request
	for i := range payloads {
		if already[a.Offset+i] {
			outcome[i].Status = http.StatusOK
			continue
		}
		send = append(send, i)
	}
	if len(send) > 0 {
		if err := o.bulk(ctx, payloads, send, outcome); err != nil {
			return 0, fmt.Errorf("opensearch output: bulk: %w", err)
		}
	}
	n := len(payloads) // the settled prefix
	var (
		rejected  RejectedError
		transient error
		pending   int   // documents of payloads[n:] not indexed
		indexed   []int // absolute indexes indexed after the prefix
	)
	for i, it := range outcome {
		ok := it.refused == nil && it.Status >= 200 && it.Status < 300
		switch {
		case transient != nil && ok:
			if !already[a.Offset+i] {
				indexed = append(indexed, a.Offset+i)
			}
		case transient != nil:
			pending++
		case ok:
		case it.refused == nil && retryableStatus(it.Status):
			transient, n = itemError(it), i
			pending++
		default:
			err := it.refused
			if err == nil {
				err = itemError(it)
			}
			rejected.N++
			if rejected.First == nil {
				rejected.First = err
			}
			o.log.reject(payloads[i], err)
		}
	}
	if a.Batch != 0 {
		if n == len(payloads) {
			if already != nil {
				o.done.forget(a.Batch)
			}
		} else if len(indexed) > 0 {
			o.done.add(a.Batch, indexed)
		}
	}
	var errs []error
	if transient != nil {
		errs = append(errs, fmt.Errorf("opensearch output: %d of %d documents not indexed yet, first: %w", pending, len(payloads), transient))
	}
	if rejected.N > 0 {
		errs = append(errs, fmt.Errorf("opensearch output: %w", &rejected))
	}
	return n, errors.Join(errs...)
}

func itemError(it bulkItemOutcome) error {
	if it.Error == nil {
		return fmt.Errorf("status %d", it.Status)
	}
	return fmt.Errorf("status %d: %s: %s", it.Status, it.Error.Type, it.Error.Reason)
}

// bulk sends the payloads at indexes send to the next host and fills in
// their outcomes.
func (o *OpenSearch) bulk(ctx context.Context, payloads []string, send []int, outcome []bulkItemOutcome) error {
	buf, _ := o.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() { buf.Reset(); o.bufs.Put(buf) }()
	sent := send[:0] // the payloads the request holds (id_field may refuse some)
	var vals [1]jsonValue
	for _, i := range send {
		if o.idSlots == nil {
			buf.Write(o.action)
		} else {
			vals[0] = jsonValue{}
			err := scanJSONObject(payloads[i], o.idSlots, vals[:])
			if err == nil && vals[0].kind != jsonString && vals[0].kind != jsonNumber {
				err = fmt.Errorf("no string or number member %q for the document id", o.cfg.IDField)
			}
			if err != nil {
				outcome[i].refused = fmt.Errorf("id_field: %w", err)
				continue
			}
			id, _ := json.Marshal(vals[0].text())
			buf.Write(o.actionID)
			buf.Write(id)
			buf.WriteString("}}\n")
		}
		buf.WriteString(payloads[i])
		buf.WriteByte('\n')
		sent = append(sent, i)
	}
	if len(sent) == 0 {
		return nil
	}
	host := o.hosts[o.next.Add(1)%uint64(len(o.hosts))]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, host, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Accept", "application/json")
	if o.cfg.Username != "" || o.cfg.Password != "" {
		req.SetBasicAuth(o.cfg.Username, o.cfg.Password)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		var ue *url.Error // it repeats the URL: name the host only
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return classify(fmt.Errorf("%s: %w", hostOf(host), err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("%s: status %d: %s", hostOf(host), resp.StatusCode, readPrefix(resp.Body))
		if retryableStatus(resp.StatusCode) {
			return err
		}
		return Permanent(err)
	}
	var br bulkResponse
	if err := json.NewDecoder(resp.Body).Decode(&br); err != nil {
		err = fmt.Errorf("%s: decode bulk response: %w", hostOf(host), err)
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if errors.As(err, &syn) || errors.As(err, &typ) {
			return Permanent(err) // not a bulk answer: no use sending it again
		}
		return err // the answer was cut short: the outcome is unknown
	}
	if !br.Errors {
		for _, i := range sent {
			outcome[i].Status = http.StatusCreated
		}
		return nil
	}
	if len(br.Items) != len(sent) {
		return Permanent(fmt.Errorf("%s: bulk response has %d items for %d documents", hostOf(host), len(br.Items), len(sent)))
	}
	for k, item := range br.Items {
		for _, v := range item { // one key: the action
			outcome[sent[k]] = v
		}
	}
	return nil
}

// hostOf names the node of a bulk URL in messages (its password hidden).
func hostOf(bulkURL string) string {
	h, _, _ := strings.Cut(bulkURL, "/_bulk")
	return redactURL(h)
}

// Close implements Output.
func (o *OpenSearch) Close(context.Context) error {
	o.client.CloseIdleConnections()
	return nil
}
