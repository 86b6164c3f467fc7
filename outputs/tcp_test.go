package outputs

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// tcpSink accepts connections on 127.0.0.1 and keeps what each one sent.
type tcpSink struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []*strings.Builder
	wg    sync.WaitGroup
	// onAccept, when set, handles the n-th connection instead of reading it.
	onAccept func(s *tcpSink, n int, c net.Conn) bool
}

func newTCPSink(t *testing.T, ln net.Listener, onAccept func(s *tcpSink, n int, c net.Conn) bool) *tcpSink {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	s := &tcpSink{ln: ln, onAccept: onAccept}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var b strings.Builder
			s.mu.Lock()
			s.conns = append(s.conns, &b)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				if s.onAccept != nil && s.onAccept(s, n, c) {
					return
				}
				buf := make([]byte, 4096)
				for {
					k, err := c.Read(buf)
					s.mu.Lock()
					b.Write(buf[:k])
					s.mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *tcpSink) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// received waits until the sink has got want on all connections together.
func (s *tcpSink) received(t *testing.T, want string) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		var got []string
		all := ""
		for _, b := range s.conns {
			got = append(got, b.String())
			all += b.String()
		}
		s.mu.Unlock()
		if all == want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink got %q, want %q", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTCPDelivers(t *testing.T) {
	t.Parallel()
	sink := newTCPSink(t, nil, nil)
	o := mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d, separator: '|'}", sink.port()), "")
	mustOpen(t, o)
	mustWrite(t, o, "a", "b")
	big := strings.Repeat("x", 100<<10) // crosses the chunk size
	mustWrite(t, o, big, "c")
	mustClose(t, o)
	if got := sink.received(t, "a|b|"+big+"|c|"); len(got) != 1 {
		t.Fatalf("used %d connections, want 1", len(got))
	}
}

func TestTCPReconnects(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	sink := newTCPSink(t, nil, func(sink *tcpSink, n int, c net.Conn) bool {
		if n > 0 {
			return false
		}
		buf := make([]byte, 2)
		io.ReadFull(c, buf) // "1\n"
		sink.mu.Lock()
		sink.conns[0].Write(buf)
		sink.mu.Unlock()
		c.Close() // the server drops the first connection
		close(closed)
		return true
	})
	o := mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d}", sink.port()), "")
	mustOpen(t, o)
	mustWrite(t, o, "1")
	<-closed
	// Wait until the output's reader has seen the server's FIN.
	for deadline := time.Now().Add(30 * time.Second); !o.(*TCP).conn.dead.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the output never noticed the server closed the connection")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := o.Write(ctx, []string{"2", "3"}); n != 2 || err != nil {
		t.Fatalf("Write after the server closed = %d, %v", n, err)
	}
	mustClose(t, o)
	if got := sink.received(t, "1\n2\n3\n"); len(got) != 2 {
		t.Fatalf("connections %q, want 2", got)
	}
}

func TestTCPServerGone(t *testing.T) {
	t.Parallel()
	sink := newTCPSink(t, nil, nil)
	o := mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d, connect_timeout: 0.2}", sink.port()), "")
	mustOpen(t, o)
	sink.ln.Close()
	o.(*TCP).conn.Close() // as if the server went away
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	n, err := o.Write(ctx, []string{"lost"})
	if n != 0 || err == nil || !strings.Contains(err.Error(), "reconnect") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	mustClose(t, o)

	if _, err := build(t, "tcp", "{host: 127.0.0.1, port: 1}", ""); err != nil {
		t.Fatal(err)
	}
	o = mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d}", sink.port()), "")
	if err := o.Open(context.Background()); err == nil {
		t.Fatal("Open succeeded without a server")
	}
}

func TestTCPTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(nil) // only for its test certificate
	cert := srv.TLS
	if cert == nil {
		srv.StartTLS()
		cert = srv.TLS
		srv.Close()
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: cert.Certificates})
	if err != nil {
		t.Fatal(err)
	}
	sink := newTCPSink(t, ln, nil)
	o := mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d, ssl: true, verify: false}", sink.port()), "")
	mustOpen(t, o)
	mustWrite(t, o, "secret")
	mustClose(t, o)
	sink.received(t, "secret\n")

	o = mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d, ssl: true}", sink.port()), "")
	if err := o.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Open with verify against an unknown CA: %v", err)
	}
}

func TestTCPUDPConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, cfg, want string }{
		{"tcp", "{port: 1}", `missing required key "host"`},
		{"tcp", "{host: h, port: 70000}", "port: must be at"},
		{"tcp", "{host: h, port: 1, ca_cert: x}", "need ssl: true"},
		{"tcp", "{host: h, port: 1, ssl: true, client_cert_key: k}", "set together"},
		{"udp", "{host: h}", `missing required key "port"`},
		{"udp", "{host: h, port: 0}", "port: must be at"},
		{"udp", "{host: h, port: 1, ssl: true}", `unknown key "ssl"`},
	} {
		if _, err := build(t, tc.name, tc.cfg, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: error %v, want %q", tc.name, tc.cfg, err, tc.want)
		}
	}
}

func TestUDP(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	o := mustBuild(t, "udp", fmt.Sprintf("{host: 127.0.0.1, port: %d, separator: ''}", port), "")
	mustOpen(t, o)
	defer mustClose(t, o)
	mustWrite(t, o, "one", "two", strings.Repeat("z", 9000))
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, maxDatagram)
	for _, want := range []string{"one", "two", strings.Repeat("z", 9000)} {
		n, _, err := pc.ReadFrom(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("datagram %q, %v; want %d bytes %.5q", buf[:n], err, len(want), want)
		}
	}
}

// A payload the encoding cannot hold, or too large for a datagram, is
// rejected (format_failed); the payloads after it are still sent.
func TestTCPUDPRejectPayload(t *testing.T) {
	t.Parallel()
	t.Run("tcp encoding", func(t *testing.T) {
		t.Parallel()
		sink := newTCPSink(t, nil, nil)
		o := mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d, encoding: latin_1}", sink.port()), "")
		mustOpen(t, o)
		t.Cleanup(func() { o.Close(context.Background()) }) // before the sink's cleanup waits for the connection
		n, err := o.Write(context.Background(), []string{"ok", "euro €", "later"})
		if n != 3 || Rejected(err) != 1 || !strings.Contains(err.Error(), "payload 1") {
			t.Fatalf("Write = %d, %v; want 3 settled, one of them rejected", n, err)
		}
		sink.received(t, "ok\nlater\n")
	})
	for _, tc := range []struct{ name, cfg, bad string }{
		{"udp encoding", "encoding: latin_1", "euro €"},
		{"udp too large", "separator: ''", strings.Repeat("x", maxDatagram+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			port := pc.LocalAddr().(*net.UDPAddr).Port
			o := mustBuild(t, "udp", fmt.Sprintf("{host: 127.0.0.1, port: %d, %s}", port, tc.cfg), "")
			mustOpen(t, o)
			defer mustClose(t, o)
			n, err := o.Write(context.Background(), []string{"ok", tc.bad, "later"})
			if n != 3 || Rejected(err) != 1 || !strings.Contains(err.Error(), "payload 1") {
				t.Fatalf("Write = %d, %v; want 3 settled, one of them rejected", n, err)
			}
			pc.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, maxDatagram)
			for _, want := range []string{"ok", "later"} {
				n, _, err := pc.ReadFrom(buf)
				if err != nil || strings.TrimSuffix(string(buf[:n]), "\n") != want {
					t.Fatalf("datagram %q, %v; want %q", buf[:n], err, want)
				}
			}
		})
	}
}

// A server that accepts but never reads: a write returns at its deadline
// (or at once when its context is cancelled: a hard stop) with the payloads
// the kernel took settled and a transient error; the next write goes on a
// new connection.
func TestTCPNeverReadingServer(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	sink := newTCPSink(t, nil, func(_ *tcpSink, _ int, c net.Conn) bool {
		<-release // held open, never read
		return true
	})
	t.Cleanup(func() { close(release) }) // runs before the sink's cleanup waits for its connections
	o := mustBuild(t, "tcp", fmt.Sprintf("{host: 127.0.0.1, port: %d}", sink.port()), "")
	mustOpen(t, o)
	defer o.Close(context.Background())
	payloads := make([]string, 200_000) // 20 MB: more than the socket buffers hold
	for i := range payloads {
		payloads[i] = strings.Repeat("z", 99)
	}
	for _, stop := range []string{"deadline", "cancel"} {
		var ctx context.Context
		var cancel context.CancelFunc
		if stop == "deadline" {
			ctx, cancel = context.WithTimeout(context.Background(), 500*time.Millisecond)
		} else {
			ctx, cancel = context.WithCancel(context.Background())
			time.AfterFunc(500*time.Millisecond, cancel)
		}
		start := time.Now()
		n, err := o.Write(ctx, payloads)
		took := time.Since(start)
		cancel()
		if n == 0 || n == len(payloads) || err == nil || IsPermanent(err) {
			t.Fatalf("%s: Write = %d of %d, %v; want part of them and a transient error", stop, n, len(payloads), err)
		}
		if took > 5*time.Second {
			t.Fatalf("%s: Write took %v", stop, took)
		}
		if took < 400*time.Millisecond {
			t.Fatalf("%s: Write returned after %v, before its deadline: %v", stop, took, err)
		}
		t.Logf("%s: the kernel took %d payloads in %v", stop, n, took)
	}
}
