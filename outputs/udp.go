package outputs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/eventum-go/eventum/plugin"
	"golang.org/x/text/encoding"
)

// UDPConfig configures the udp output.
type UDPConfig struct {
	Common
	// Host and Port name the receiver (required).
	Host string `yaml:"host" required:"true" doc:"receiver host name or address"`
	Port int    `yaml:"port" required:"true" min:"1" max:"65535" doc:"receiver port"`
	// Separator is appended to every payload (default "\n").
	Separator string `yaml:"separator" default:"\"\\n\"" doc:"appended to every payload"`
	// Encoding of the sent text (default utf_8).
	Encoding string `yaml:"encoding" default:"utf_8" doc:"text encoding of the datagrams"`
}

// Validate checks the settings.
func (c *UDPConfig) Validate() error {
	if err := checkHostPort(c.Host, c.Port); err != nil {
		return err
	}
	_, err := textEncoder(c.Encoding)
	return err
}

func init() {
	plugin.Register(Registry, "udp",
		nil,
		func(c *UDPConfig, _ *plugin.Env) (Output, error) {
			enc, err := textEncoder(c.Encoding)
			if err != nil {
				return nil, err
			}
			sep, err := encodeString(enc, c.Separator)
			if err != nil {
				return nil, fmt.Errorf("separator: %w", err)
			}
			return &UDP{addr: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), sep: sep, enc: enc}, nil
		})
}

// maxDatagram is the largest UDP payload over IPv4.
const maxDatagram = 65507

// UDP sends every payload, followed by the separator, as one datagram.
// Delivery is not confirmed (that is UDP); a payload too large for a datagram
// is rejected (the others are sent).
type UDP struct {
	addr string
	sep  string
	enc  *encoding.Encoder
	conn net.Conn
}

// Open implements Output: it resolves the address and binds a local socket.
func (o *UDP) Open(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", o.addr)
	if err != nil {
		return fmt.Errorf("udp output: %s: %w", o.addr, err)
	}
	o.conn = conn
	return nil
}

// ConcurrentWrites implements Concurrent: each datagram is sent whole.
func (o *UDP) ConcurrentWrites() bool { return true }

// Write implements Output. A payload the encoding cannot hold or too large
// for a datagram is skipped and reported in a *RejectedError.
func (o *UDP) Write(_ context.Context, payloads []string) (int, error) {
	var buf []byte
	var rej *RejectedError
	reject := func(err error) {
		if rej == nil {
			rej = &RejectedError{First: err}
		}
		rej.N++
	}
	for i, p := range payloads {
		p, err := encodeString(o.enc, p)
		if err != nil {
			reject(fmt.Errorf("payload %d: %w", i, err))
			continue
		}
		if len(p)+len(o.sep) > maxDatagram {
			reject(fmt.Errorf("payload %d: %d bytes do not fit in a datagram (max %d)", i, len(p)+len(o.sep), maxDatagram))
			continue
		}
		buf = append(append(buf[:0], p...), o.sep...)
		_, err = o.conn.Write(buf)
		if errors.Is(err, syscall.ECONNREFUSED) {
			// The refusal reported an earlier datagram (an ICMP error
			// from the host); this one was not sent yet.
			_, err = o.conn.Write(buf)
		}
		if err != nil {
			err = fmt.Errorf("udp output: send to %s: %w", o.addr, err)
			if rej != nil { // rejected payloads of the settled prefix payloads[:i]
				err = fmt.Errorf("%w; %w", err, rej)
			}
			return i, err
		}
	}
	if rej != nil {
		return len(payloads), fmt.Errorf("udp output: %w", rej)
	}
	return len(payloads), nil
}

// Close implements Output.
func (o *UDP) Close(context.Context) error {
	if o.conn == nil {
		return nil
	}
	return o.conn.Close()
}
