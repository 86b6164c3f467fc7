package outputs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventum-generator/eventum-go/config"
	"github.com/eventum-generator/eventum-go/plugin"
	"golang.org/x/text/encoding"
)

// TCPConfig configures the tcp output.
type TCPConfig struct {
	Common
	// Host and Port name the server (required).
	Host string `yaml:"host" required:"true"`
	Port int    `yaml:"port" required:"true"`
	// Separator is written after every payload (default "\n").
	Separator string `yaml:"separator"`
	// Encoding of the sent text (default utf_8).
	Encoding string `yaml:"encoding"`
	// ConnectTimeout bounds connecting and the TLS handshake, in seconds (default 10).
	ConnectTimeout config.Duration `yaml:"connect_timeout"`
	// SSL wraps the connection in TLS; the TLS keys need it.
	SSL bool `yaml:"ssl"`
	TLSConfig
}

// Validate checks the settings.
func (c *TCPConfig) Validate() error {
	if err := checkHostPort(c.Host, c.Port); err != nil {
		return err
	}
	if c.ConnectTimeout <= 0 {
		return fmt.Errorf("connect_timeout: must be positive")
	}
	if !c.SSL && (c.CACert != "" || c.ClientCert != "" || c.ClientCertKey != "") {
		return fmt.Errorf("ca_cert, client_cert and client_cert_key need ssl: true")
	}
	if _, err := textEncoder(c.Encoding); err != nil {
		return err
	}
	return c.check()
}

func checkHostPort(host string, port int) error {
	if host == "" {
		return fmt.Errorf("host: must not be empty")
	}
	if port < 1 || port > 65535 {
		return fmt.Errorf("port: must be 1-65535, got %d", port)
	}
	return nil
}

func init() {
	plugin.Register(Registry, "tcp",
		func() *TCPConfig {
			return &TCPConfig{
				Separator: "\n", Encoding: "utf_8", ConnectTimeout: config.Duration(10 * time.Second),
				TLSConfig: TLSConfig{Verify: true},
			}
		},
		func(c *TCPConfig, env *plugin.Env) (Output, error) {
			o := &TCP{
				addr:   net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
				dialer: &net.Dialer{Timeout: c.ConnectTimeout.D(), KeepAlive: 30 * time.Second},
			}
			var err error
			if o.enc, err = textEncoder(c.Encoding); err != nil {
				return nil, err
			}
			if o.sep, err = encodeString(o.enc, c.Separator); err != nil {
				return nil, fmt.Errorf("separator: %w", err)
			}
			if c.SSL {
				if o.tls, err = c.tlsConfig(env); err != nil {
					return nil, err
				}
				if o.tls.ServerName == "" {
					o.tls.ServerName = c.Host
				}
			}
			return o, nil
		})
}

// TCP streams payloads, each followed by the separator, over one connection,
// in chunks of at least 64 KiB. Before each write it checks that the server
// has not closed the connection; a broken connection is redialled (with
// backoff, within the write's deadline) and the chunk that failed is sent
// again, so delivery is at least once.
type TCP struct {
	addr   string
	dialer *net.Dialer
	tls    *tls.Config
	sep    string
	enc    *encoding.Encoder

	mu    sync.Mutex
	conn  *watchedConn
	chunk []byte
}

// chunkSize is how much the tcp output gathers before a write system call.
const chunkSize = 64 << 10

// Open implements Output: it connects.
func (o *TCP) Open(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	conn, err := o.dial(ctx)
	if err != nil {
		return fmt.Errorf("tcp output: connect %s: %w", o.addr, err)
	}
	o.conn = watch(conn)
	return nil
}

func (o *TCP) dial(ctx context.Context) (net.Conn, error) {
	if o.tls == nil {
		return o.dialer.DialContext(ctx, "tcp", o.addr)
	}
	d := tls.Dialer{NetDialer: o.dialer, Config: o.tls}
	conn, err := d.DialContext(ctx, "tcp", o.addr)
	return conn, classify(err)
}

// watchedConn is a connection with a goroutine reading (and discarding)
// whatever the server sends, so a server that closes or resets the
// connection is noticed before the next write instead of swallowing it.
type watchedConn struct {
	net.Conn
	dead atomic.Bool
	done chan struct{}
}

func watch(c net.Conn) *watchedConn {
	w := &watchedConn{Conn: c, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				w.dead.Store(true)
				return
			}
		}
	}()
	return w
}

// Close closes the connection and waits for its reader to end.
func (w *watchedConn) Close() error {
	err := w.Conn.Close()
	<-w.done
	return err
}

// reconnect replaces a broken connection (o.mu held).
func (o *TCP) reconnect(ctx context.Context) error {
	if o.conn != nil {
		o.conn.Close()
		o.conn = nil
	}
	return retry(ctx, func(ctx context.Context) error {
		conn, err := o.dial(ctx)
		if err == nil {
			o.conn = watch(conn)
		}
		return err
	})
}

// send writes one chunk; on a broken connection it reconnects and sends
// the chunk once more.
func (o *TCP) send(ctx context.Context, b []byte) error {
	deadline, _ := ctx.Deadline()
	for attempt := 0; ; attempt++ {
		if o.conn == nil || o.conn.dead.Load() {
			if err := o.reconnect(ctx); err != nil {
				return fmt.Errorf("reconnect %s: %w", o.addr, err)
			}
		}
		o.conn.SetWriteDeadline(deadline)
		_, err := o.conn.Write(b)
		if err == nil {
			return nil
		}
		o.conn.Close()
		o.conn = nil
		if attempt > 0 || ctx.Err() != nil {
			return fmt.Errorf("write to %s: %w", o.addr, err)
		}
	}
}

// Write implements Output. A payload the encoding cannot hold is skipped
// and reported in a *RejectedError.
func (o *TCP) Write(ctx context.Context, payloads []string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	sent, inChunk := 0, 0 // payloads delivered, payloads in the current chunk
	var rej *RejectedError
	fail := func(err error) (int, error) {
		if rej != nil {
			return sent, fmt.Errorf("%w; %w", err, rej)
		}
		return sent, err
	}
	o.chunk = o.chunk[:0]
	for i, p := range payloads {
		p, err := encodeString(o.enc, p)
		if err != nil {
			if rej == nil {
				rej = &RejectedError{First: fmt.Errorf("payload %d: %w", i, err)}
			}
			rej.N++
			continue
		}
		o.chunk = append(o.chunk, p...)
		o.chunk = append(o.chunk, o.sep...)
		inChunk++
		if len(o.chunk) >= chunkSize {
			if err := o.flush(ctx); err != nil {
				return fail(err)
			}
			sent, inChunk = sent+inChunk, 0
		}
	}
	if err := o.flush(ctx); err != nil {
		return fail(err)
	}
	sent += inChunk
	if rej != nil {
		return sent, fmt.Errorf("tcp output: %w", rej)
	}
	return sent, nil
}

func (o *TCP) flush(ctx context.Context) error {
	if len(o.chunk) == 0 {
		return nil
	}
	err := o.send(ctx, o.chunk)
	o.chunk = o.chunk[:0]
	if err != nil {
		return fmt.Errorf("tcp output: %w", err)
	}
	return nil
}

// Close implements Output.
func (o *TCP) Close(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == nil {
		return nil
	}
	err := o.conn.Close()
	o.conn = nil
	if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("tcp output: close: %w", err)
	}
	return nil
}
