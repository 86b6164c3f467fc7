package outputs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/eventum-generator/eventum-go/config"
	"github.com/eventum-generator/eventum-go/plugin"
)

func init() {
	plugin.Register(Registry, "kafka", defaultKafkaConfig, newKafka)
}

// KafkaConfig configures the kafka output: every payload becomes the value
// of one message produced to topic.
type KafkaConfig struct {
	Common

	BootstrapServers []string `yaml:"bootstrap_servers" required:"true"`
	Topic            string   `yaml:"topic" required:"true"`
	// Key is the key of every message; KeyField takes the key from a
	// top-level member of the JSON event instead.
	Key      string            `yaml:"key"`
	KeyField string            `yaml:"key_field"`
	Headers  map[string]string `yaml:"headers"`
	Encoding string            `yaml:"encoding"`
	ClientID string            `yaml:"client_id"`

	Acks                 int    `yaml:"acks"`
	CompressionType      string `yaml:"compression_type"`
	MaxBatchSize         int    `yaml:"max_batch_size"`
	MaxRequestSize       int    `yaml:"max_request_size"`
	LingerMS             int    `yaml:"linger_ms"`
	RequestTimeoutMS     int    `yaml:"request_timeout_ms"`
	MetadataMaxAgeMS     int    `yaml:"metadata_max_age_ms"`
	ConnectionsMaxIdleMS int    `yaml:"connections_max_idle_ms"`
	RetryBackoffMS       int    `yaml:"retry_backoff_ms"`
	AutoCreateTopic      bool   `yaml:"auto_create_topic"`

	SecurityProtocol  string `yaml:"security_protocol"`
	SASLMechanism     string `yaml:"sasl_mechanism"`
	SASLPlainUsername string `yaml:"sasl_plain_username"`
	SASLPlainPassword string `yaml:"sasl_plain_password"`
	SASLUsername      string `yaml:"sasl_username"`
	SASLPassword      string `yaml:"sasl_password"`
	SSLCAFile         string `yaml:"ssl_cafile"`
	SSLCertFile       string `yaml:"ssl_certfile"`
	SSLKeyFile        string `yaml:"ssl_keyfile"`
}

// DefaultFormat makes events one-line JSON unless a formatter is configured.
func (c *KafkaConfig) DefaultFormat() string { return "json" }

func defaultKafkaConfig() *KafkaConfig {
	return &KafkaConfig{
		Encoding:             "utf-8",
		Acks:                 1,
		MaxBatchSize:         16384,
		MaxRequestSize:       1048576,
		RequestTimeoutMS:     40000,
		MetadataMaxAgeMS:     300000,
		ConnectionsMaxIdleMS: 540000,
		RetryBackoffMS:       100,
		SecurityProtocol:     "PLAINTEXT",
	}
}

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
		{"retry_backoff_ms", c.RetryBackoffMS, 0},
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
	msgs      sync.Pool // *[]kafka.Message
}

func newKafka(cfg *KafkaConfig, env *plugin.Env) (Output, error) {
	k := &Kafka{cfg: cfg, rejects: rejectLog{output: "kafka output", log: env.Log()}}
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
		BatchSize:              cfg.MaxBatchSize,
		BatchBytes:             int64(cfg.MaxRequestSize),
		BatchTimeout:           max(time.Duration(cfg.LingerMS)*time.Millisecond, time.Microsecond),
		ReadTimeout:            timeout,
		WriteTimeout:           timeout,
		RequiredAcks:           kafka.RequiredAcks(cfg.Acks),
		Compression:            compression,
		Transport:              t,
		AllowAutoTopicCreation: cfg.AutoCreateTopic,
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
		pem, err := config.ReadFile(env.Path(cfg.SSLCAFile))
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
		cert, err := loadKeyPair(env.Path(cfg.SSLCertFile), env.Path(cfg.SSLKeyFile))
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

// Write produces one message per payload and waits for the acknowledgments
// (acks). written counts the acknowledged messages; with acks: 0 every sent
// message counts.
func (k *Kafka) Write(ctx context.Context, payloads []string) (int, error) {
	mp, _ := k.msgs.Get().(*[]kafka.Message)
	if mp == nil {
		mp = new([]kafka.Message)
	}
	msgs := (*mp)[:0]
	var rejected int
	var firstReject error
	reject := func(p string, err error) {
		rejected++
		if firstReject == nil {
			firstReject = err
		}
		k.rejects.reject(p, err)
	}
	var vals [1]jsonValue
	for _, p := range payloads {
		m := kafka.Message{Value: bytesOf(p), Key: k.key, Headers: k.headers}
		if k.keySlots != nil {
			vals[0] = jsonValue{}
			if err := scanJSONObject(p, k.keySlots, vals[:]); err != nil {
				reject(p, fmt.Errorf("key_field %s: %w", k.cfg.KeyField, err))
				continue
			}
			if v := vals[0]; v.kind != jsonAbsent && v.kind != jsonNull {
				m.Key = bytesOf(v.text())
			}
		}
		if len(m.Value)+len(m.Key) > k.cfg.MaxRequestSize {
			reject(p, fmt.Errorf("message of %d bytes is over max_request_size %d", len(m.Value)+len(m.Key), k.cfg.MaxRequestSize))
			continue
		}
		msgs = append(msgs, m)
	}
	written, err := k.produce(ctx, msgs, reject)
	if err == nil {
		clear(msgs) // drop references to payloads before pooling
		*mp = msgs[:0]
		k.msgs.Put(mp)
	}
	// On error kafka-go may still hold msgs: leave them to the GC.
	if rejected > 0 {
		rerr := &RejectedError{N: rejected, First: firstReject}
		if err != nil {
			return written, errors.Join(err, rerr)
		}
		return written, rerr
	}
	return written, err
}

// produce writes msgs and returns how many were acknowledged.
func (k *Kafka) produce(ctx context.Context, msgs []kafka.Message, reject func(string, error)) (int, error) {
	for len(msgs) > 0 {
		err := k.writer.WriteMessages(ctx, msgs...)
		var tooLarge kafka.MessageTooLargeError
		var werrs kafka.WriteErrors
		switch {
		case err == nil:
			return len(msgs), nil
		case errors.As(err, &tooLarge):
			// Framing overhead pushed it over the limit: reject it, send the rest.
			reject(string(tooLarge.Message.Value), err)
			msgs = tooLarge.Remaining
		case errors.As(err, &werrs):
			failed := werrs.Count()
			var first error
			for _, e := range werrs {
				if e != nil {
					first = e
					break
				}
			}
			return len(msgs) - failed, fmt.Errorf("kafka output: %d of %d messages to %s failed: %w", failed, len(msgs), k.cfg.Topic, first)
		default:
			return 0, fmt.Errorf("kafka output: produce %d messages to %s: %w", len(msgs), k.cfg.Topic, err)
		}
	}
	return 0, nil
}

// Close closes the writer and its connections, waiting at most until ctx is
// done. Writes are synchronous, so nothing unacknowledged is pending here but
// batches whose Write already gave up (and were counted as failed): kafka-go
// keeps retrying those and its Close waits for them, which with the broker
// gone is MaxAttempts backoffs per queued batch. Past ctx's deadline Close
// stops waiting and leaves them to finish on their own (they may still land:
// delivery is at least once).
func (k *Kafka) Close(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- k.writer.Close() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("kafka output: close: %w", err)
		}
	case <-ctx.Done():
		k.rejects.log.Warn("kafka output: close: stopped waiting for kafka-go to retry messages already counted as failed",
			"topic", k.cfg.Topic, "reason", ctx.Err().Error())
	}
	return nil
}
