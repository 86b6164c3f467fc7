package outputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"golang.org/x/text/encoding"
)

// StdoutConfig configures the stdout output.
type StdoutConfig struct {
	Common
	// Stream is `stdout` (default) or `stderr`.
	Stream string `yaml:"stream" default:"stdout" enum:"stdout,stderr" doc:"the stream"`
	// Separator is written after every payload (default "\n").
	Separator string `yaml:"separator" default:"\"\\n\"" doc:"written after every payload"`
	// FlushInterval is how often buffered payloads are flushed, in seconds
	// (default 1); 0 flushes after every write.
	FlushInterval config.Duration `yaml:"flush_interval" default:"1" doc:"the buffer is flushed this often; '0' flushes after every write"`
	// Encoding of the written text (default utf_8).
	Encoding string `yaml:"encoding" default:"utf_8" doc:"text encoding of the output ('latin_1', 'cp1251', 'utf-16', any IANA name)"`
}

// Validate checks the settings.
func (c *StdoutConfig) Validate() error {
	_, err := textEncoder(c.Encoding)
	return err
}

func init() {
	plugin.Register(Registry, "stdout",
		nil,
		func(c *StdoutConfig, env *plugin.Env) (Output, error) {
			dst := env.StdoutWriter()
			if c.Stream == "stderr" {
				dst = env.StderrWriter()
			}
			return newStream(dst, c.Separator, c.FlushInterval.D(), c.Encoding)
		})
}

// stream writes payloads to an io.Writer through a buffer flushed every
// interval (or after every Write when the interval is 0). It backs stdout.
// A failed write is retried (the next Write or flush writes what is left
// first; a line torn by the failure is completed, never written twice);
// a closed pipe (EPIPE) fails for good.
type stream struct {
	dst      io.Writer
	sep      string
	interval time.Duration
	enc      *encoding.Encoder

	mu     sync.Mutex // guards lines: writes and flushes never interleave
	lines  lineWriter
	ticker *ticker
}

func newStream(dst io.Writer, sep string, interval time.Duration, encName string) (*stream, error) {
	enc, err := textEncoder(encName)
	if err != nil {
		return nil, err
	}
	if sep, err = encodeString(enc, sep); err != nil {
		return nil, fmt.Errorf("separator: %w", err)
	}
	return &stream{dst: dst, sep: sep, interval: interval, enc: enc}, nil
}

// Open implements Output.
func (s *stream) Open(context.Context) error {
	s.mu.Lock()
	s.lines.reset(s.dst, nil)
	s.mu.Unlock()
	if s.interval > 0 {
		s.ticker = startTicker(s.interval, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.lines.flush() // a failure keeps the buffer: the next Write or flush retries
		})
	}
	return nil
}

// Write implements Output: payloads count when they are written to the
// stream, or (with a flush interval) buffered.
func (s *stream) Write(_ context.Context, payloads []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.lines.write(payloads, s.sep, s.enc, s.interval == 0)
	if err != nil {
		return n, streamError(fmt.Errorf("stdout output: %w", err))
	}
	return n, nil
}

// Close implements Output: it stops the flusher and flushes, retrying a
// failed flush until ctx is done; payloads it cannot write are counted in
// LateFailed.
func (s *stream) Close(ctx context.Context) error {
	s.ticker.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	err := retryFlush(ctx, func() error { return streamError(s.lines.flush()) })
	if err != nil {
		s.lines.discard()
		return fmt.Errorf("stdout output: flush: %w", err)
	}
	return nil
}

// streamError marks a stream nobody reads any more (EPIPE) as a permanent
// failure.
func streamError(err error) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.EBADF) || errors.Is(err, os.ErrClosed) {
		return Permanent(err)
	}
	return err
}

// LateFailed implements LateFailer: payloads a Write counted (buffered)
// that could not be written by Close.
func (s *stream) LateFailed() int64 { return s.lines.LateFailed() }
