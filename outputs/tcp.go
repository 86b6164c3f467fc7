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

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"golang.org/x/text/encoding"
)

// TCPConfig configures the tcp output.
type TCPConfig struct {
	Common
	// Host and Port name the server (required).
	Host string `yaml:"host" required:"true" doc:"server host name or address"`
	Port int    `yaml:"port" required:"true" min:"1" max:"65535" doc:"server port"`
	// Separator is written after every payload (default "\n").
	Separator string `yaml:"separator" default:"\"\\n\"" doc:"written after every payload"`
	// Encoding of the sent text (default utf_8).
	Encoding string `yaml:"encoding" default:"utf_8" doc:"text encoding of the stream"`
	// ConnectTimeout bounds connecting and the TLS handshake, in seconds (default 10).
	ConnectTimeout config.Duration `yaml:"connect_timeout" default:"10" gt:"0" doc:"connecting and the TLS handshake"`
	// SSL wraps the connection in TLS; the TLS keys need it.
	SSL bool `yaml:"ssl" default:"false" doc:"use TLS; the [TLS keys](#tls-keys) need it"`
	TLSConfig
}

// Validate checks the settings.
func (c *TCPConfig) Validate() error {
	if err := checkHostPort(c.Host, c.Port); err != nil {
		return err
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
		func() *TCPConfig { return &TCPConfig{TLSConfig: TLSConfig{Verify: true}} },
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
// in chunks of at least 64 KiB. There is no acknowledgement in the protocol:
// a payload counts as written once the kernel took all of its bytes. A
// write makes one attempt: a broken connection (closed or reset by the
// server, noticed before the write or by it) is redialled once; when that
// or the write fails, the payloads the kernel took whole are settled and the
// others are left to the pipeline's retry. Bytes the kernel took before a
// reset may never arrive: they are not sent again (no duplicates), so they
// are lost (documented). A write is bounded by its deadline (write_timeout)
// and returns at once at a hard stop, even to a server that never reads.
type TCP struct {
	addr   string
	dialer *net.Dialer
	tls    *tls.Config
	sep    string
	enc    *encoding.Encoder

	mu       sync.Mutex
	conn     *watchedConn
	chunk    []byte
	ends     []tcpEnd
	rejected []int
}

// tcpEnd is where a payload of the current chunk ends.
type tcpEnd struct {
	payload int // index in the write's payloads
	end     int // offset in the chunk after its separator
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

// Close closes the connection and waits for its reader to end. A TLS
// connection sends its closing alert within the write deadline set before.
func (w *watchedConn) Close() error {
	err := w.Conn.Close()
	<-w.done
	return err
}

// drop closes the connection after a failed write (o.mu held).
func (o *TCP) drop() {
	if o.conn != nil {
		o.conn.SetWriteDeadline(time.Now()) // a TLS close alert must not wait on a stuck server
		o.conn.Close()
		o.conn = nil
	}
}

// Write implements Output. A payload the encoding cannot hold is skipped
// and reported in a *RejectedError.
func (o *TCP) Write(ctx context.Context, payloads []string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == nil || o.conn.dead.Load() {
		o.drop()
		conn, err := o.dial(ctx)
		if err != nil {
			return 0, fmt.Errorf("tcp output: reconnect %s: %w", o.addr, err)
		}
		o.conn = watch(conn)
	}
	conn := o.conn
	deadline, _ := ctx.Deadline()
	conn.SetWriteDeadline(deadline)
	// A hard stop (or the deadline's cancellation) ends a write the server
	// does not read at once.
	stop := context.AfterFunc(ctx, func() { conn.SetWriteDeadline(time.Now()) })
	defer stop()

	var firstReject error
	rejected := o.rejected[:0] // indices of the payloads the encoding refused
	unsent := -1               // the first payload the kernel did not take whole
	o.chunk, o.ends = o.chunk[:0], o.ends[:0]
	var err error
	for i, p := range payloads {
		p, eerr := encodeString(o.enc, p)
		if eerr != nil {
			if firstReject == nil {
				firstReject = fmt.Errorf("payload %d: %w", i, eerr)
			}
			rejected = append(rejected, i)
			continue
		}
		o.chunk = append(o.chunk, p...)
		o.chunk = append(o.chunk, o.sep...)
		o.ends = append(o.ends, tcpEnd{i, len(o.chunk)})
		if len(o.chunk) >= chunkSize {
			if unsent, err = o.send(conn); err != nil {
				break
			}
		}
	}
	if err == nil {
		unsent, err = o.send(conn)
	}
	o.rejected = rejected
	n := len(payloads)
	if err != nil {
		n = unsent
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		err = fmt.Errorf("tcp output: write to %s: %w", o.addr, err)
		o.drop() // the stream may hold a torn payload: the rest goes on a new connection
	}
	// Only the payloads rejected within the settled prefix count.
	nrej := 0
	for _, i := range rejected {
		if i < n {
			nrej++
		}
	}
	if nrej > 0 {
		rej := &RejectedError{N: nrej, First: firstReject}
		if err != nil {
			return n, fmt.Errorf("%w; %w", err, rej)
		}
		return n, fmt.Errorf("tcp output: %w", rej)
	}
	return n, err
}

// send writes the chunk; on failure it returns the index of the first
// payload whose bytes the kernel did not all take.
func (o *TCP) send(conn net.Conn) (int, error) {
	if len(o.chunk) == 0 {
		return 0, nil
	}
	k, err := conn.Write(o.chunk)
	if err != nil {
		for _, e := range o.ends {
			if e.end > k {
				return e.payload, err
			}
		}
		// Every byte was taken (and the error came after): all are sent.
		err = nil
	}
	o.chunk, o.ends = o.chunk[:0], o.ends[:0]
	return 0, err
}

// Close implements Output. The connection's close (a TLS closing alert)
// waits at most until ctx is done.
func (o *TCP) Close(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == nil {
		return nil
	}
	if d, ok := ctx.Deadline(); ok {
		o.conn.SetWriteDeadline(d)
	}
	err := o.conn.Close()
	o.conn = nil
	if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("tcp output: close: %w", err)
	}
	return nil
}
