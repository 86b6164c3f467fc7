package outputs

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while the output writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestStdoutConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []string{"", "{stream: stderr, separator: '', flush_interval: 0.5}", "{encoding: utf-16}"} {
		if _, err := build(t, "stdout", cfg, ""); err != nil {
			t.Errorf("%q: %v", cfg, err)
		}
	}
	for cfg, want := range map[string]string{
		"{stream: stdin}":                       "stream: must be one of stdout, stderr",
		"{encoding: nope}":                      "unknown or unsupported encoding",
		"{formatter: {format: json}, flush: 1}": `unknown key "flush"`,
	} {
		if _, err := build(t, "stdout", cfg, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", cfg, err, want)
		}
	}
}

func TestStdoutFlushing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		interval time.Duration
		sep      string
		want     string // visible right after Write
	}{
		{"every write", 0, "\n", "a\nb\n"},
		{"on interval", time.Hour, "|", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf lockedBuffer
			s, err := newStream(&buf, tc.sep, tc.interval, "utf_8")
			if err != nil {
				t.Fatal(err)
			}
			mustOpen(t, s)
			mustWrite(t, s, "a", "b")
			if got := buf.String(); got != tc.want {
				t.Fatalf("after Write: %q, want %q", got, tc.want)
			}
			mustClose(t, s)
			if got := buf.String(); got != "a"+tc.sep+"b"+tc.sep {
				t.Fatalf("after Close: %q", got)
			}
		})
	}
}

func TestStdoutBackgroundFlush(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	s, err := newStream(&buf, "\n", 10*time.Millisecond, "")
	if err != nil {
		t.Fatal(err)
	}
	mustOpen(t, s)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := s.Write(context.Background(), []string{"xxxxxxxx", "yyyyyyyy"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(buf.String(), "\n") != 800 {
		if time.Now().After(deadline) {
			t.Fatalf("background flush did not deliver everything: %d lines", strings.Count(buf.String(), "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustClose(t, s)
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if l != "xxxxxxxx" && l != "yyyyyyyy" {
			t.Fatalf("interleaved line %q", l)
		}
	}
}
