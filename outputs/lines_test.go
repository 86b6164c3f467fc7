package outputs

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// cutWriter accepts the first limit bytes, then fails every write.
type cutWriter struct {
	mu    sync.Mutex
	limit int
	got   strings.Builder
}

var errCut = errors.New("device full")

func (w *cutWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := min(len(p), w.limit-w.got.Len())
	w.got.Write(p[:n])
	if n < len(p) {
		return n, errCut
	}
	return n, nil
}

// A Write whose flush fails counts only the payloads that reached the
// writer; payloads accepted by an earlier Write and lost with the buffer are
// reported as late failures.
func TestStreamCountsWhatReachedTheWriter(t *testing.T) {
	t.Parallel()
	t.Run("flush every write", func(t *testing.T) {
		t.Parallel()
		w := &cutWriter{limit: 4} // "aa\nb": one payload whole
		s, err := newStream(w, "\n", 0, "")
		if err != nil {
			t.Fatal(err)
		}
		mustOpen(t, s)
		n, err := s.Write(context.Background(), []string{"aa", "bb", "cc"})
		if n != 1 || !errors.Is(err, errCut) {
			t.Fatalf("Write = %d, %v; want 1, %v", n, err, errCut)
		}
		if n, err := s.Write(context.Background(), []string{"dd"}); n != 0 || err == nil {
			t.Fatalf("Write after a failure = %d, %v; want 0 and an error", n, err)
		}
		s.Close(context.Background())
		if lf := lateFailed(t, s); lf != 0 {
			t.Fatalf("LateFailed = %d, want 0", lf)
		}
	})
	t.Run("flush on interval", func(t *testing.T) {
		t.Parallel()
		w := &cutWriter{limit: 4}
		s, err := newStream(w, "\n", time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		mustOpen(t, s)
		mustWrite(t, s, "aa", "bb", "cc") // buffered: counted as written
		if err := s.Close(context.Background()); !errors.Is(err, errCut) {
			t.Fatalf("Close = %v, want %v", err, errCut)
		}
		if lf := lateFailed(t, s); lf != 2 {
			t.Fatalf("LateFailed = %d, want 2 (bb and cc never reached the writer)", lf)
		}
	})
	t.Run("large write", func(t *testing.T) {
		t.Parallel()
		w := &cutWriter{limit: bufferSize + 10}
		s, err := newStream(w, "\n", time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		mustOpen(t, s)
		p := strings.Repeat("x", 1023) // 1 KiB lines
		payloads := make([]string, 300)
		for i := range payloads {
			payloads[i] = p
		}
		mustWrite(t, s, payloads...) // the first 256 KiB reach the writer, the rest is buffered
		if err := s.Close(context.Background()); !errors.Is(err, errCut) {
			t.Fatalf("Close = %v, want %v", err, errCut)
		}
		if lf := lateFailed(t, s); lf != 300-bufferSize/1024 {
			t.Fatalf("LateFailed = %d, want %d", lf, 300-bufferSize/1024)
		}
	})
}

func TestFileWriteFailures(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skipf("this system has no /dev/full: %v", err)
	}
	t.Run("flush every write", func(t *testing.T) {
		t.Parallel()
		o := mustBuild(t, "file", "{path: /dev/full, flush_interval: 0}", t.TempDir())
		mustOpen(t, o)
		n, err := o.Write(context.Background(), []string{"a", "b"})
		if n != 0 || err == nil {
			t.Fatalf("Write = %d, %v; want 0 and an error", n, err)
		}
		o.Close(context.Background())
		if lf := lateFailed(t, o); lf != 0 {
			t.Fatalf("LateFailed = %d, want 0", lf)
		}
	})
	t.Run("lost at close", func(t *testing.T) {
		t.Parallel()
		o := mustBuild(t, "file", "{path: /dev/full}", t.TempDir())
		mustOpen(t, o)
		mustWrite(t, o, "a", "b")
		if err := o.Close(context.Background()); err == nil {
			t.Fatal("Close: no error")
		}
		lf, ok := o.(LateFailer)
		if !ok || lf.LateFailed() != 2 {
			t.Fatalf("late failures not reported (LateFailer %v)", ok)
		}
	})
	t.Run("lost at idle close", func(t *testing.T) {
		t.Parallel()
		o := mustBuild(t, "file", "{path: /dev/full, flush_interval: 100, cleanup_interval: 1}", t.TempDir())
		mustOpen(t, o)
		mustWrite(t, o, "a", "b")
		lf, ok := o.(LateFailer)
		if !ok {
			t.Fatal("file output is not a LateFailer")
		}
		deadline := time.Now().Add(5 * time.Second)
		for lf.LateFailed() != 2 {
			if time.Now().After(deadline) {
				t.Fatalf("LateFailed = %d after the idle close, want 2", lf.LateFailed())
			}
			time.Sleep(20 * time.Millisecond)
		}
		o.Close(context.Background())
	})
}

// lateFailed is o's LateFailed; o must be a LateFailer.
func lateFailed(t *testing.T, o Output) int64 {
	t.Helper()
	lf, ok := o.(LateFailer)
	if !ok {
		t.Fatalf("%T is not a LateFailer", o)
	}
	return lf.LateFailed()
}
