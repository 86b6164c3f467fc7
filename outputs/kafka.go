package outputs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/segmentio/kafka-go"
	metadataAPI "github.com/segmentio/kafka-go/protocol/metadata"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/eventum-go/eventum/plugin"
)

func init() {
	plugin.Register(Registry, "kafka", nil, newKafka)
}

// KafkaConfig configures the kafka output: every payload becomes the value
// of one message produced to topic.
type KafkaConfig struct {
	Common

	BootstrapServers []string `yaml:"bootstrap_servers" required:"true" min:"1" doc:"brokers as 'host:port'; the others are discovered from them"`
	Topic            string   `yaml:"topic" required:"true" doc:"topic the messages are produced to"`
	// Key is the key of every message; KeyField takes the key from a
	// top-level member of the JSON event instead.
	Key      string            `yaml:"key" doc:"key of every message"`
	KeyField string            `yaml:"key_field" doc:"take each message's key from this top-level member of the JSON event (a string as is, a number or boolean as its JSON text); a missing or 'null' member gives no key. An event that is not a JSON object is rejected. Only one of 'key' and 'key_field'."`
	Headers  map[string]string `yaml:"headers" doc:"mapping 'name: value' of headers added to every message"`
	Encoding string            `yaml:"encoding" default:"utf-8" doc:"only 'utf-8' is accepted (kept for configs written for the Python version)"`
	ClientID string            `yaml:"client_id" doc:"client name sent with every request (broker logs and quotas)"`

	Acks                 int    `yaml:"acks" default:"1" doc:"'0': do not wait for the broker (every sent message counts as written); '1': the partition leader stored it; '-1': all in-sync replicas stored it"`
	CompressionType      string `yaml:"compression_type" doc:"'none', 'gzip', 'snappy', 'lz4' or 'zstd'"`
	MaxBatchSize         int    `yaml:"max_batch_size" default:"16384" doc:"most **messages** in one produce batch per partition (the Python version counted bytes; batches are also bounded by 'max_request_size')"`
	MaxRequestSize       int    `yaml:"max_request_size" default:"1048576" doc:"most bytes in one produce request; a larger message is rejected"`
	LingerMS             int    `yaml:"linger_ms" doc:"how long a partial batch waits for more messages before it is sent. Each write waits for its own messages, so '0' sends at once; a small value lets concurrent writes ('max_concurrency' > 1) share batches."`
	RequestTimeoutMS     int    `yaml:"request_timeout_ms" default:"40000" doc:"timeout of connection set-up and of each produce request"`
	MetadataMaxAgeMS     int    `yaml:"metadata_max_age_ms" default:"300000" doc:"how often partition metadata is refreshed"`
	ConnectionsMaxIdleMS int    `yaml:"connections_max_idle_ms" default:"540000" doc:"idle connections are closed after this time"`
	RetryBackoffMS       int    `yaml:"retry_backoff_ms" default:"100" doc:"first backoff between the client's re-sends of a failed produce request (doubling up to 1 s, 'retries' of them); the pipeline's retries of a failed write use 'retry'"`
	// Retries is how many times kafka-go re-sends a produce request that
	// failed for a transient reason before the write fails (and the
	// pipeline's retry policy takes over).
	Retries         int  `yaml:"retries" default:"2" doc:"how many times the client re-sends a produce request that failed for a transient reason (timeout, broken connection, leader election) before the write fails and the output's ['retry'](delivery.md#retries) policy takes over. A write to a broker that does not answer takes at most ('retries' + 1) × 'request_timeout_ms', plus backoffs."`
	AutoCreateTopic bool `yaml:"auto_create_topic" doc:"let the broker create a missing topic (if the broker allows it). Off: a missing topic stops the generator at start."`

	SecurityProtocol  string `yaml:"security_protocol" default:"PLAINTEXT" enum:"PLAINTEXT,SSL,SASL_PLAINTEXT,SASL_SSL" doc:"'PLAINTEXT', 'SSL', 'SASL_PLAINTEXT' or 'SASL_SSL'"`
	SASLMechanism     string `yaml:"sasl_mechanism" enum:"PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" doc:"'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512' (with the 'SASL_*' protocols)"`
	SASLPlainUsername string `yaml:"sasl_plain_username" doc:"SASL credentials (also written 'sasl_username', 'sasl_password'); both or neither; required with 'SASL_*'"`
	SASLPlainPassword string `yaml:"sasl_plain_password" doc:"SASL credentials (also written 'sasl_username', 'sasl_password'); both or neither; required with 'SASL_*'"`
	SASLUsername      string `yaml:"sasl_username" doc:"the same as 'sasl_plain_username'"`
	SASLPassword      string `yaml:"sasl_password" doc:"the same as 'sasl_plain_password'"`
	SSLCAFile         string `yaml:"ssl_cafile" doc:"PEM file with the CA certificates that sign the brokers' certificates (with 'SSL', 'SASL_SSL')"`
	SSLCertFile       string `yaml:"ssl_certfile" doc:"PEM client certificate and its key, for brokers that require client authentication; both or neither"`
	SSLKeyFile        string `yaml:"ssl_keyfile" doc:"PEM client certificate and its key, for brokers that require client authentication; both or neither"`

	// Accepted because the original's kafka output has them (see
	// docs/compatibility.md): kafka-go has neither an idempotent nor a
	// transactional producer, so enable_idempotence: true and a
	// transactional_id are rejected with the reason; the Kerberos names
	// only matter for GSSAPI, which neither implementation offers.
	EnableIdempotence       bool   `yaml:"enable_idempotence" doc:"the original's key; 'true' is refused: kafka-go has no idempotent producer"`
	TransactionalID         string `yaml:"transactional_id" doc:"the original's key; refused when set: kafka-go has no transactional producer"`
	TransactionTimeoutMS    int    `yaml:"transaction_timeout_ms" default:"60000" min:"1" doc:"the original's key; accepted and unused (no transactions)"`
	SASLKerberosServiceName string `yaml:"sasl_kerberos_service_name" default:"kafka" doc:"the original's key; accepted and unused (no GSSAPI)"`
	SASLKerberosDomainName  string `yaml:"sasl_kerberos_domain_name" doc:"the original's key; accepted and unused (no GSSAPI)"`
}

// DefaultFormat makes events one-line JSON unless a formatter is configured.
func (c *KafkaConfig) DefaultFormat() string { return "json" }

// Validate checks the settings.
func (c *KafkaConfig) Validate() error {
	if len(c.BootstrapServers) == 0 {
		return errors.New("bootstrap_servers: at least one host:port is needed")
	}
	for _, s := range c.BootstrapServers {
		if !strings.Contains(s, ":") {
			return fmt.Errorf("bootstrap_servers: %q is not host:port", s)
		}
	}
	if c.Topic == "" {
		return errors.New("topic: must not be empty")
	}
	if c.Key != "" && c.KeyField != "" {
		return errors.New("key and key_field: set one of them, not both")
	}
	if e := strings.ToLower(c.Encoding); e != "utf-8" && e != "utf8" {
		return fmt.Errorf("encoding: only utf-8 is supported, got %q", c.Encoding)
	}
	switch c.Acks {
	case 0, 1, -1:
	default:
		return fmt.Errorf("acks: expected 0, 1 or -1, got %d", c.Acks)
	}
	if _, err := kafkaCompression(c.CompressionType); err != nil {
		return err
	}
	for _, v := range []struct {
		key string
		val int
		min int
	}{
		{"max_batch_size", c.MaxBatchSize, 1}, {"max_request_size", c.MaxRequestSize, 1},
		{"linger_ms", c.LingerMS, 0}, {"request_timeout_ms", c.RequestTimeoutMS, 1},
		{"metadata_max_age_ms", c.MetadataMaxAgeMS, 0}, {"connections_max_idle_ms", c.ConnectionsMaxIdleMS, 0},
		{"retry_backoff_ms", c.RetryBackoffMS, 0}, {"retries", c.Retries, 0},
	} {
		if v.val < v.min {
			return fmt.Errorf("%s: must be at least %d, got %d", v.key, v.min, v.val)
		}
	}
	switch c.SecurityProtocol {
	case "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL":
	default:
		return fmt.Errorf("security_protocol: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got %q", c.SecurityProtocol)
	}
	switch c.SASLMechanism {
	case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		return fmt.Errorf("sasl_mechanism: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got %q", c.SASLMechanism)
	}
	if c.SASLUsername != "" && c.SASLPlainUsername != "" || c.SASLPassword != "" && c.SASLPlainPassword != "" {
		return errors.New("sasl_username/sasl_password are aliases of sasl_plain_username/sasl_plain_password: set one of each")
	}
	user, pass := c.saslCredentials()
	if (user == "") != (pass == "") {
		return errors.New("sasl_plain_username and sasl_plain_password must be set together")
	}
	if strings.HasPrefix(c.SecurityProtocol, "SASL_") && user == "" {
		return fmt.Errorf("security_protocol %s needs sasl_plain_username and sasl_plain_password", c.SecurityProtocol)
	}
	if (c.SSLCertFile == "") != (c.SSLKeyFile == "") {
		return errors.New("ssl_certfile and ssl_keyfile must be set together")
	}
	return c.validateOriginalKeys()
}

// validateOriginalKeys checks the settings kept for the original's files.
func (c *KafkaConfig) validateOriginalKeys() error {
	if c.EnableIdempotence {
		return errors.New("enable_idempotence: true is not supported: the Kafka client (kafka-go) has no idempotent producer; " +
			"remove the key (a retried batch may then be written twice, see docs/delivery.md)")
	}
	if c.TransactionalID != "" {
		return errors.New("transactional_id: not supported: the Kafka client (kafka-go) has no transactional producer; remove the key")
	}
	if c.SASLKerberosServiceName == "" {
		return errors.New("sasl_kerberos_service_name: must not be empty")
	}
	return nil
}

func (c *KafkaConfig) saslCredentials() (string, string) {
	user, pass := c.SASLPlainUsername, c.SASLPlainPassword
	if user == "" {
		user = c.SASLUsername
	}
	if pass == "" {
		pass = c.SASLPassword
	}
	return user, pass
}

func kafkaCompression(name string) (kafka.Compression, error) {
	switch strings.ToLower(name) {
	case "", "none":
		return 0, nil
	case "gzip":
		return kafka.Gzip, nil
	case "snappy":
		return kafka.Snappy, nil
	case "lz4":
		return kafka.Lz4, nil
	case "zstd":
		return kafka.Zstd, nil
	}
	return 0, fmt.Errorf("compression_type: expected none, gzip, snappy, lz4 or zstd, got %q", name)
}

// Kafka produces payloads to one topic with a kafka-go Writer.
type Kafka struct {
	cfg       *KafkaConfig
	transport *kafka.Transport
	writer    *kafka.Writer
	key       []byte
	keySlots  map[string]int // key_field → 0
	headers   []kafka.Header
	rejects   rejectLog
	writes    sync.Pool // *kafkaWrite
	acked     kafkaAcks
	inFlight  chan struct{} // a token per write handed to kafka-go
}

// kafkaMaxInFlight bounds the writes whose messages kafka-go holds at once.
// kafka-go sends the batches of a partition one at a time, so two writes
// keep every partition busy (one being sent while the next is batched);
// more only wait in its queues, each with the batches it allocated: the
// pipeline's max_concurrency writes (100) would hold about a gigabyte
// against a frozen broker. Measured with 1M replayed rows: two writes are
// as fast as four, with 20 MiB less peak RSS.
const kafkaMaxInFlight = 2

// kafkaMaxBatchMessages caps the messages of one kafka-go batch: kafka-go
// gives every batch it starts room for BatchSize messages (about 150 bytes
// each, whatever the batch ends up holding), so max_batch_size's default of
// 16384 cost 2.4 MB per partition batch, and a few writes in flight held
// tens of megabytes of it. 2048 messages still fill a produce request of
// several hundred kilobytes.
const kafkaMaxBatchMessages = 2048

func newKafka(cfg *KafkaConfig, env *plugin.Env) (Output, error) {
	k := &Kafka{cfg: cfg, rejects: rejectLog{output: "kafka output", log: env.Log()}, inFlight: make(chan struct{}, kafkaMaxInFlight)}
	t := &kafka.Transport{
		ClientID:       cfg.ClientID,
		DialTimeout:    time.Duration(cfg.RequestTimeoutMS) * time.Millisecond,
		IdleTimeout:    time.Duration(cfg.ConnectionsMaxIdleMS) * time.Millisecond,
		MetadataTTL:    time.Duration(cfg.MetadataMaxAgeMS) * time.Millisecond,
		MetadataTopics: []string{cfg.Topic},
	}
	if cfg.SecurityProtocol == "SSL" || cfg.SecurityProtocol == "SASL_SSL" {
		tc, err := kafkaTLS(cfg, env)
		if err != nil {
			return nil, err
		}
		t.TLS = tc
	}
	if strings.HasPrefix(cfg.SecurityProtocol, "SASL_") {
		m, err := kafkaSASL(cfg)
		if err != nil {
			return nil, err
		}
		t.SASL = m
	}
	compression, _ := kafkaCompression(cfg.CompressionType)
	timeout := time.Duration(cfg.RequestTimeoutMS) * time.Millisecond
	k.transport = t
	k.writer = &kafka.Writer{
		Addr:                   kafka.TCP(cfg.BootstrapServers...),
		Topic:                  cfg.Topic,
		Balancer:               &kafka.Murmur2Balancer{},
		WriteBackoffMin:        time.Duration(max(cfg.RetryBackoffMS, 1)) * time.Millisecond,
		WriteBackoffMax:        max(time.Second, time.Duration(cfg.RetryBackoffMS)*time.Millisecond),
		MaxAttempts:            cfg.Retries + 1,
		BatchSize:              min(cfg.MaxBatchSize, kafkaMaxBatchMessages),
		BatchBytes:             int64(cfg.MaxRequestSize),
		BatchTimeout:           max(time.Duration(cfg.LingerMS)*time.Millisecond, time.Microsecond),
		ReadTimeout:            timeout,
		WriteTimeout:           timeout,
		RequiredAcks:           kafka.RequiredAcks(cfg.Acks),
		Compression:            compression,
		Transport:              t,
		AllowAutoTopicCreation: cfg.AutoCreateTopic,
		Completion:             kafkaCompleted,
	}
	if cfg.Key != "" {
		k.key = []byte(cfg.Key)
	}
	if cfg.KeyField != "" {
		k.keySlots = map[string]int{cfg.KeyField: 0}
	}
	for name, v := range cfg.Headers {
		k.headers = append(k.headers, kafka.Header{Key: name, Value: []byte(v)})
	}
	return k, nil
}

func kafkaTLS(cfg *KafkaConfig, env *plugin.Env) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.SSLCAFile != "" {
		pem, err := readEnvFile(env, "ssl_cafile", cfg.SSLCAFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_cafile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl_cafile: no PEM certificate in %s", cfg.SSLCAFile)
		}
		tc.RootCAs = pool
	}
	if cfg.SSLCertFile != "" {
		cert, err := loadKeyPair(env, "ssl_certfile", cfg.SSLCertFile, "ssl_keyfile", cfg.SSLKeyFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_certfile/ssl_keyfile: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func kafkaSASL(cfg *KafkaConfig) (sasl.Mechanism, error) {
	user, pass := cfg.saslCredentials()
	switch cfg.SASLMechanism {
	case "SCRAM-SHA-256":
		return scram.Mechanism(scram.SHA256, user, pass)
	case "SCRAM-SHA-512":
		return scram.Mechanism(scram.SHA512, user, pass)
	}
	return plain.Mechanism{Username: user, Password: pass}, nil
}

// ConcurrentWrites is true: the kafka-go Writer is safe for concurrent use
// and concurrent writes share its batches.
func (k *Kafka) ConcurrentWrites() bool { return true }

// MaxConcurrentWrites is kafkaMaxInFlight: the pipeline does not start
// writes that would only wait for a token, holding their batches.
func (k *Kafka) MaxConcurrentWrites() int { return kafkaMaxInFlight }

// SelfTimed is true: kafka-go keeps the messages of a WriteMessages call
// whose context is cancelled and still sends them later, so a write must not
// be cut short by write_timeout (its messages would be in flight twice once
// the pipeline retried them). A write is bounded by kafka-go itself: every
// produce request by request_timeout_ms, a batch by retries+1 requests.
func (k *Kafka) SelfTimed() bool { return true }

// Open checks that a broker answers and that the topic exists (unless
// auto_create_topic is set).
func (k *Kafka) Open(ctx context.Context) error {
	client := &kafka.Client{Addr: k.writer.Addr, Transport: k.transport, Timeout: k.writer.WriteTimeout}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{k.cfg.Topic}})
	if err != nil {
		return fmt.Errorf("kafka output: connect %s: %w", strings.Join(k.cfg.BootstrapServers, ","), err)
	}
	for _, t := range md.Topics {
		if t.Name != k.cfg.Topic {
			continue
		}
		if t.Error != nil && !(k.cfg.AutoCreateTopic && errors.Is(t.Error, kafka.LeaderNotAvailable)) {
			return fmt.Errorf("kafka output: topic %s: %w", k.cfg.Topic, t.Error)
		}
		return nil
	}
	if k.cfg.AutoCreateTopic {
		return nil
	}
	return fmt.Errorf("kafka output: topic %s does not exist (set auto_create_topic to create it)", k.cfg.Topic)
}

// bytesOf views s as bytes without copying; kafka-go only reads message
// keys and values.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// What became of one message of a Write.
const (
	slotPending  uint32 = iota // handed to kafka-go, no outcome yet
	slotAcked                  // acknowledged by the broker (acks), or sent with acks: 0
	slotFailed                 // kafka-go gave up on its batch
	slotRejected               // refused before sending (size, key_field) or by the broker as too large
)

// kafkaSlot is the fate of one payload of a Write. Its message carries a
// pointer to it (Message.WriterData), so the writer's Completion callback,
// which runs on kafka-go's partition goroutines, can record the outcome.
type kafkaSlot struct {
	state atomic.Uint32
	i     int // index of the payload
	w     *kafkaWrite
}

// kafkaWrite is the state of one Write: a slot per payload and the messages
// handed to kafka-go. It is reused once every message has an outcome.
type kafkaWrite struct {
	slots []kafkaSlot
	msgs  []kafka.Message
	mu    sync.Mutex
	err   error // the first delivery failure
}

func (w *kafkaWrite) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// kafkaCompleted is the Writer's Completion callback: kafka-go calls it
// once per batch, after its last attempt.
func kafkaCompleted(msgs []kafka.Message, err error) {
	var tooLarge bool
	if err != nil {
		tooLarge = errors.Is(err, kafka.MessageSizeTooLarge) || errors.Is(err, kafka.RecordListTooLarge)
	}
	for i := range msgs {
		s, ok := msgs[i].WriterData.(*kafkaSlot)
		if !ok {
			continue
		}
		switch {
		case err == nil:
			s.state.Store(slotAcked)
		case tooLarge:
			// The broker refuses the batch whatever we do: unusable, not
			// worth a retry (counted as format_failed).
			s.w.fail(err)
			s.state.Store(slotRejected)
		default:
			s.w.fail(err)
			s.state.Store(slotFailed)
		}
	}
}

// Write produces one message per payload with one WriteMessages call and
// waits until kafka-go is done with every one of them: acknowledged, or given
// up after retries+1 produce requests of request_timeout_ms each. It never
// leaves messages with kafka-go, except at a hard stop (ctx cancelled),
// when it returns at once and what was not acknowledged yet is counted as
// undelivered (kafka-go may still deliver it while the process exits).
//
// The settled prefix is the payloads up to the first one that failed;
// payloads after it that were acknowledged are remembered, and the
// pipeline's retry of the batch (same Attempt.Batch) does not send them
// again: a message is only ever sent twice by kafka-go's own retry of a
// request whose acknowledgement was lost.
func (k *Kafka) Write(ctx context.Context, payloads []string) (int, error) {
	select {
	case k.inFlight <- struct{}{}:
		defer func() { <-k.inFlight }()
	case <-ctx.Done():
		return 0, fmt.Errorf("kafka output: the run stopped before %d messages to %s were sent: %w", len(payloads), k.cfg.Topic, ctx.Err())
	}
	a := AttemptFrom(ctx)
	before := k.acked.take(a.Batch)
	w := k.newWrite(len(payloads))
	var firstReject error
	reject := func(i int, err error) {
		w.slots[i].state.Store(slotRejected)
		if firstReject == nil {
			firstReject = err
		}
		k.rejects.reject(payloads[i], err)
	}
	var vals [1]jsonValue
	for i, p := range payloads {
		if before.has(a.Offset + i) {
			w.slots[i].state.Store(slotAcked)
			continue
		}
		m := kafka.Message{Value: bytesOf(p), Key: k.key, Headers: k.headers, WriterData: &w.slots[i]}
		if k.keySlots != nil {
			vals[0] = jsonValue{}
			if err := scanJSONObject(p, k.keySlots, vals[:]); err != nil {
				reject(i, fmt.Errorf("key_field %s: %w", k.cfg.KeyField, err))
				continue
			}
			if v := vals[0]; v.kind != jsonAbsent && v.kind != jsonNull {
				m.Key = bytesOf(v.text())
			}
		}
		if len(m.Value)+len(m.Key) > k.cfg.MaxRequestSize {
			reject(i, fmt.Errorf("message of %d bytes is over max_request_size %d", len(m.Value)+len(m.Key), k.cfg.MaxRequestSize))
			continue
		}
		w.msgs = append(w.msgs, m)
	}
	err := k.produce(ctx, w, func(m kafka.Message, err error) {
		reject(m.WriterData.(*kafkaSlot).i, err)
	})

	// The settled prefix: acknowledged or rejected payloads.
	n, rejected := 0, 0
	for ; n < len(payloads); n++ {
		st := w.slots[n].state.Load()
		if st == slotRejected {
			rejected++
		} else if st != slotAcked {
			break
		}
	}
	if n < len(payloads) {
		k.acked.keep(a, n, w.slots)
	}
	stopped := ctx.Err() != nil && err != nil
	switch {
	case n < len(payloads) && stopped:
		err = fmt.Errorf("kafka output: the run stopped with %d messages to %s unacknowledged: %w", k.pending(w), k.cfg.Topic, ctx.Err())
	case n < len(payloads):
		err = k.writeError(w, err, len(payloads)-n)
	default:
		err = nil // every message has an outcome
	}
	if rejected > 0 {
		rerr := &RejectedError{N: rejected, First: firstReject}
		if firstReject == nil { // refused by the broker
			w.mu.Lock()
			rerr.First = w.err
			w.mu.Unlock()
		}
		if err != nil {
			err = errors.Join(err, rerr)
		} else {
			err = rerr
		}
	}
	if !stopped {
		k.putWrite(w) // kafka-go is done with every message
	}
	return n, err
}

// pending counts the messages of w without an outcome.
func (k *Kafka) pending(w *kafkaWrite) int {
	n := 0
	for i := range w.slots {
		if w.slots[i].state.Load() == slotPending {
			n++
		}
	}
	return n
}

// writeError describes why the payloads after the settled prefix were not
// delivered; it is Permanent when retrying cannot help.
func (k *Kafka) writeError(w *kafkaWrite, err error, unsettled int) error {
	w.mu.Lock()
	cause := w.err
	w.mu.Unlock()
	var werrs kafka.WriteErrors
	if cause == nil || !errors.As(err, &werrs) {
		cause = err // failed before any message was queued (metadata, closed writer)
	}
	if cause == nil {
		cause = errors.New("no outcome reported for some messages")
	}
	err = fmt.Errorf("kafka output: %d messages to %s not delivered: %w", unsettled, k.cfg.Topic, cause)
	if kafkaPermanent(cause) {
		return Permanent(err)
	}
	return err
}

// kafkaPermanent reports errors that a retry cannot fix: the writer is
// closed, the topic or the cluster refuses us, the request is malformed.
func kafkaPermanent(err error) bool {
	if errors.Is(err, io.ErrClosedPipe) {
		return true
	}
	var ke kafka.Error
	if !errors.As(err, &ke) {
		return false
	}
	switch ke {
	case kafka.TopicAuthorizationFailed, kafka.ClusterAuthorizationFailed, kafka.InvalidTopic,
		kafka.InvalidRequiredAcks, kafka.UnsupportedCompressionType, kafka.UnsupportedVersion,
		kafka.SASLAuthenticationFailed, kafka.InvalidRecord:
		return true
	}
	return false
}

// produce hands w's messages to kafka-go with one WriteMessages call and
// waits for it. kafka-go checks every message's size before it queues any:
// a message over the limit (with framing, which the check in Write does not
// count) is rejected and the others are handed over again.
func (k *Kafka) produce(ctx context.Context, w *kafkaWrite, reject func(kafka.Message, error)) error {
	msgs := w.msgs
	if k.cfg.AutoCreateTopic {
		// WriteMessages asks the broker about a topic it does not know yet
		// with ctx (without a deadline for a SelfTimed output): ask first,
		// bounded, so a frozen broker cannot hold a write past its timeout
		// before its messages are even queued.
		if err := k.checkTopic(ctx); err != nil {
			return err
		}
	}
	for len(msgs) > 0 {
		err := k.writer.WriteMessages(ctx, msgs...)
		var tooLarge kafka.MessageTooLargeError
		if errors.As(err, &tooLarge) {
			reject(tooLarge.Message, err)
			msgs = tooLarge.Remaining
			continue
		}
		return err
	}
	return nil
}

// checkTopic fetches the topic's metadata (from the transport's cache once
// it knows the topic), within request_timeout_ms.
func (k *Kafka) checkTopic(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, k.writer.ReadTimeout)
	defer cancel()
	_, err := k.transport.RoundTrip(ctx, k.writer.Addr, &metadataAPI.Request{
		TopicNames: []string{k.cfg.Topic}, AllowAutoTopicCreation: true,
	})
	return err
}

func (k *Kafka) newWrite(n int) *kafkaWrite {
	w, _ := k.writes.Get().(*kafkaWrite)
	if w == nil {
		w = &kafkaWrite{}
	}
	if cap(w.slots) < n {
		w.slots = make([]kafkaSlot, n)
	}
	w.slots = w.slots[:n]
	for i := range w.slots {
		w.slots[i].state.Store(slotPending)
		w.slots[i].i, w.slots[i].w = i, w
	}
	w.msgs = w.msgs[:0]
	w.err = nil
	return w
}

// putWrite recycles w; kafka-go must hold none of its messages.
func (k *Kafka) putWrite(w *kafkaWrite) {
	clear(w.msgs) // drop references to payloads
	w.msgs = w.msgs[:0]
	w.err = nil
	k.writes.Put(w)
}

// kafkaAcks remembers, for batches whose Write ended with a failed message
// followed by acknowledged ones, which of those were acknowledged, so that
// the pipeline's retry of the rest of the batch skips them. Entries go when
// the retry comes; a batch the pipeline gave up on leaves its entry until
// maxKafkaAcks newer ones push it out (then a retry would re-send, at least
// once, as without this).
type kafkaAcks struct {
	mu sync.Mutex
	m  map[uint64]*ackedSet
}

const maxKafkaAcks = 256

// ackedSet: acked[i] tells whether the payload at offset base+i of the
// batch (as first formatted) was acknowledged.
type ackedSet struct {
	base  int
	acked []bool
}

func (s *ackedSet) has(off int) bool {
	if s == nil {
		return false
	}
	i := off - s.base
	return i >= 0 && i < len(s.acked) && s.acked[i]
}

// take removes and returns what is remembered for batch (nil: nothing).
func (a *kafkaAcks) take(batch uint64) *ackedSet {
	if batch == 0 {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.m[batch]
	if s != nil {
		delete(a.m, batch)
	}
	return s
}

// keep remembers which of slots[n:] (payloads from offset at.Offset+n of
// batch at.Batch) were acknowledged, if any was.
func (a *kafkaAcks) keep(at Attempt, n int, slots []kafkaSlot) {
	if at.Batch == 0 {
		return
	}
	var s *ackedSet
	for i := n; i < len(slots); i++ {
		if slots[i].state.Load() != slotAcked {
			continue
		}
		if s == nil {
			s = &ackedSet{base: at.Offset + n, acked: make([]bool, len(slots)-n)}
		}
		s.acked[i-n] = true
	}
	if s == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[uint64]*ackedSet{}
	}
	if len(a.m) >= maxKafkaAcks {
		oldest := at.Batch
		for b := range a.m {
			oldest = min(oldest, b)
		}
		delete(a.m, oldest)
	}
	a.m[at.Batch] = s
}

// Close closes the writer and its connections, waiting at most until ctx is
// done. Writes wait for kafka-go, so nothing is pending here after a normal
// end; after a hard stop kafka-go may still hold messages of the writes it
// interrupted (counted as undelivered), and its Close waits for their
// attempts: past ctx's deadline Close stops waiting.
func (k *Kafka) Close(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- k.writer.Close() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("kafka output: close: %w", err)
		}
	case <-ctx.Done():
		k.rejects.log.Warn("kafka output: close: stopped waiting for kafka-go to finish messages of interrupted writes",
			"topic", k.cfg.Topic, "reason", ctx.Err().Error())
	}
	return nil
}
