package outputs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultyDisk is a destination that takes at most room more bytes (a write
// beyond that is cut short with ENOSPC, as a full disk does) and can be cut
// back (truncate).
type faultyDisk struct {
	mu     sync.Mutex
	room   int
	data   []byte
	fails  int
	writes int
}

func (d *faultyDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writes++
	n := min(len(p), d.room)
	d.data = append(d.data, p[:n]...)
	d.room -= n
	if n < len(p) {
		d.fails++
		return n, fmt.Errorf("write: %w", syscall.ENOSPC)
	}
	return n, nil
}

func (d *faultyDisk) truncate(size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.room += len(d.data) - int(size)
	d.data = d.data[:size]
	return nil
}

func (d *faultyDisk) setRoom(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.room = n
}

// endsWhole reports whether the data is empty or ends with a line break.
func (d *faultyDisk) endsWhole() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.data) == 0 || d.data[len(d.data)-1] == '\n'
}

func (d *faultyDisk) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return string(d.data)
}

// A write that fails half-way through a payload: with a rollback (a file)
// the torn bytes are cut off and the payload is not settled; without one (a
// pipe) the payload is settled and the next write completes it. Either way
// no line is torn or written twice once the destination recovers and the
// caller re-sends what was not settled.
func TestLineWriterTornPayload(t *testing.T) {
	t.Parallel()
	for _, rollback := range []bool{true, false} {
		t.Run(fmt.Sprintf("rollback=%v", rollback), func(t *testing.T) {
			t.Parallel()
			d := &faultyDisk{room: 4} // "aa\nb": one payload whole, one torn
			var l lineWriter
			if rollback {
				l.reset(d, d.truncate)
			} else {
				l.reset(d, nil)
			}
			n, err := l.write([]string{"aa", "bb", "cc"}, "\n", nil, true)
			want := map[bool]int{true: 1, false: 2}[rollback]
			if n != want || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("write = %d, %v; want %d, ENOSPC", n, err, want)
			}
			if got, wantData := d.String(), map[bool]string{true: "aa\n", false: "aa\nb"}[rollback]; got != wantData {
				t.Fatalf("after the failure the destination holds %q, want %q", got, wantData)
			}
			// Still full: nothing is taken.
			if n, err := l.write([]string{"xx"}, "\n", nil, true); n != 0 || err == nil {
				t.Fatalf("write while full = %d, %v; want 0 and an error", n, err)
			}
			d.setRoom(1 << 20)
			rest := []string{"aa", "bb", "cc"}[n:]
			if n, err := l.write(append(rest, "dd"), "\n", nil, true); n != len(rest)+1 || err != nil {
				t.Fatalf("write after recovery = %d, %v", n, err)
			}
			if got := d.String(); got != "aa\nbb\ncc\ndd\n" {
				t.Fatalf("destination %q", got)
			}
			if l.LateFailed() != 0 {
				t.Fatalf("LateFailed %d", l.LateFailed())
			}
		})
	}
}

// A random mix of payload sizes, flush modes and disk-full moments: the
// caller re-sends what a write did not settle (as the pipeline does) and
// the space comes back now and then; at the end every payload is in the
// destination exactly once, in order, and after every failure (with a
// rollback) the destination ends with a whole line.
func TestLineWriterRandomFailures(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 12; seed++ {
		for _, rollback := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(seed, 7))
			d := &faultyDisk{room: rng.IntN(3 * bufferSize)}
			var l lineWriter
			if rollback {
				l.reset(d, d.truncate)
			} else {
				l.reset(d, nil)
			}
			var want strings.Builder
			id := 0
			for range 25 {
				batch := make([]string, 1+rng.IntN(300))
				for i := range batch {
					id++
					batch[i] = fmt.Sprintf("%d-%s", id, strings.Repeat("x", rng.IntN(2000)))
					want.WriteString(batch[i] + "\n")
				}
				flush := rng.IntN(2) == 0
				for attempts := 0; len(batch) > 0; attempts++ {
					if attempts > 0 && rng.IntN(3) == 0 {
						d.setRoom(rng.IntN(2 * bufferSize)) // some space comes back
					}
					if attempts > 50 {
						d.setRoom(1 << 30)
					}
					n, err := l.write(batch, "\n", nil, flush)
					if (err == nil) != (n == len(batch)) || n < 0 || n > len(batch) {
						t.Fatalf("seed %d: write = %d of %d, %v", seed, n, len(batch), err)
					}
					if err != nil && rollback && !d.endsWhole() {
						t.Fatalf("seed %d: a torn line stayed after a failure", seed)
					}
					batch = batch[n:]
				}
			}
			d.setRoom(1 << 30)
			if err := l.flush(); err != nil {
				t.Fatal(err)
			}
			if got := d.String(); got != want.String() {
				t.Fatalf("seed %d rollback %v: destination differs (%d bytes, want %d)", seed, rollback, len(got), want.Len())
			}
		}
	}
}

// Payloads buffered (counted) by a write that Close cannot write are counted
// as late failures; a failed flush keeps the buffer, and a flush that works
// later writes it.
func TestStreamBufferedFailures(t *testing.T) {
	t.Parallel()
	t.Run("lost at close", func(t *testing.T) {
		t.Parallel()
		d := &faultyDisk{room: 4}
		s, err := newStream(d, "\n", time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		mustOpen(t, s)
		mustWrite(t, s, "aa", "bb", "cc") // buffered: counted as written
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := s.Close(ctx); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Close = %v, want ENOSPC", err)
		}
		if lf := lateFailed(t, s); lf != 2 {
			t.Fatalf("LateFailed = %d, want 2 (bb and cc never reached the writer whole)", lf)
		}
	})
	t.Run("written by a later flush", func(t *testing.T) {
		t.Parallel()
		d := &faultyDisk{room: 4}
		s, err := newStream(d, "\n", time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		mustOpen(t, s)
		mustWrite(t, s, "aa", "bb", "cc")
		s.mu.Lock()
		ferr := s.lines.flush()
		s.mu.Unlock()
		if !errors.Is(ferr, syscall.ENOSPC) {
			t.Fatalf("flush = %v, want ENOSPC", ferr)
		}
		d.setRoom(100)
		mustWrite(t, s, "dd") // writes what the flush left first
		mustClose(t, s)
		if got := d.String(); got != "aa\nbb\ncc\ndd\n" || lateFailed(t, s) != 0 {
			t.Fatalf("got %q, LateFailed %d", got, lateFailed(t, s))
		}
	})
	t.Run("large write", func(t *testing.T) {
		t.Parallel()
		d := &faultyDisk{room: bufferSize + 10}
		s, err := newStream(d, "\n", time.Hour, "")
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
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := s.Close(ctx); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Close = %v, want ENOSPC", err)
		}
		if lf := lateFailed(t, s); lf != 300-bufferSize/1024 {
			t.Fatalf("LateFailed = %d, want %d", lf, 300-bufferSize/1024)
		}
	})
	t.Run("closed pipe", func(t *testing.T) {
		t.Parallel()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		s, err := newStream(w, "\n", 0, "")
		if err != nil {
			t.Fatal(err)
		}
		mustOpen(t, s)
		if n, err := s.Write(context.Background(), []string{"a"}); n != 0 || !IsPermanent(err) {
			t.Fatalf("Write to a closed pipe = %d, %v; want 0 and a permanent error", n, err)
		}
		w.Close()
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
		if n != 0 || !errors.Is(err, syscall.ENOSPC) || IsPermanent(err) {
			t.Fatalf("Write = %d, %v; want 0 and a transient ENOSPC", n, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		o.Close(ctx)
		if lf := lateFailed(t, o); lf != 0 {
			t.Fatalf("LateFailed = %d, want 0", lf)
		}
	})
	t.Run("lost at close", func(t *testing.T) {
		t.Parallel()
		o := mustBuild(t, "file", "{path: /dev/full}", t.TempDir())
		mustOpen(t, o)
		mustWrite(t, o, "a", "b")
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := o.Close(ctx); err == nil {
			t.Fatal("Close: no error")
		}
		if lf := lateFailed(t, o); lf != 2 {
			t.Fatalf("LateFailed = %d, want 2", lf)
		}
	})
	t.Run("kept at idle close", func(t *testing.T) {
		t.Parallel()
		o := mustBuild(t, "file", "{path: /dev/full, flush_interval: 100, cleanup_interval: 1}", t.TempDir())
		mustOpen(t, o)
		mustWrite(t, o, "a", "b")
		f := o.(*File)
		// Wait for the idle tick to have tried (and failed) to flush.
		deadline := time.Now().Add(10 * time.Second)
		for {
			f.mu.Lock()
			tried, open := f.lines.err != nil, f.f != nil
			f.mu.Unlock()
			if tried {
				if !open || lateFailed(t, o) != 0 {
					t.Fatalf("the idle close gave up on the buffer (open %v, LateFailed %d)", open, lateFailed(t, o))
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no flush attempt after cleanup_interval")
			}
			time.Sleep(20 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		o.Close(ctx)
		if lf := lateFailed(t, o); lf != 2 {
			t.Fatalf("LateFailed = %d after Close, want 2", lf)
		}
	})
}

// TestFileDiskFullThenFreed: the file output on a disk that fills up
// (fault-injecting writer over the real file: short writes, then ENOSPC)
// and is freed later. Writes fail with a transient error, a torn line is
// truncated off the real file, and once there is room again every payload
// is in the file exactly once.
func TestFileDiskFullThenFreed(t *testing.T) {
	t.Parallel()
	for _, cfg := range []string{"flush_interval: 0", "flush_interval: 1", "write_mode: overwrite"} {
		t.Run(cfg, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			o := mustBuild(t, "file", "{path: e.log, "+cfg+"}", dir).(*File)
			var disk *diskQuota
			o.newWriter = func(f *os.File) fileWriter {
				disk = &diskQuota{f: f, room: 100_000}
				return disk
			}
			mustOpen(t, o)
			var want strings.Builder
			id := 0
			failures := 0
			for b := range 30 {
				batch := make([]string, 500)
				for i := range batch {
					id++
					batch[i] = fmt.Sprintf("%d %s", id, strings.Repeat("y", 90))
					want.WriteString(batch[i] + "\n")
				}
				for len(batch) > 0 {
					n, err := o.Write(context.Background(), batch)
					if err != nil {
						if !errors.Is(err, syscall.ENOSPC) || IsPermanent(err) {
							t.Fatalf("Write: %v, want a transient ENOSPC", err)
						}
						failures++
						if got := readFile(t, filepath.Join(dir, "e.log")); got != "" && !strings.HasSuffix(got, "\n") {
							t.Fatalf("a torn line stayed in the file: ...%q", got[max(0, len(got)-30):])
						}
						if failures%3 == 0 {
							disk.grow(60_000) // space comes back, some of it
						}
					}
					batch = batch[n:]
				}
				if b == 25 {
					disk.grow(1 << 30)
				}
			}
			mustClose(t, o)
			if failures == 0 {
				t.Fatal("the disk never filled up: the test proves nothing")
			}
			if got := readFile(t, filepath.Join(dir, "e.log")); got != want.String() {
				t.Fatalf("file differs from what was written (%d bytes, want %d)", len(got), want.Len())
			}
			if lateFailed(t, o) != 0 {
				t.Fatalf("LateFailed %d", lateFailed(t, o))
			}
		})
	}
}

// diskQuota passes writes to a real file until room bytes are used, then
// cuts them short with ENOSPC; truncating gives the space back.
type diskQuota struct {
	mu   sync.Mutex
	f    *os.File
	room int64
}

func (d *diskQuota) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := int(min(int64(len(p)), d.room))
	n, err := d.f.Write(p[:n])
	d.room -= int64(n)
	if err == nil && n < len(p) {
		err = &os.PathError{Op: "write", Path: d.f.Name(), Err: syscall.ENOSPC}
	}
	return n, err
}

func (d *diskQuota) Truncate(size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	info, err := d.f.Stat()
	if err != nil {
		return err
	}
	if err := d.f.Truncate(size); err != nil {
		return err
	}
	d.room += info.Size() - size
	return nil
}

func (d *diskQuota) grow(n int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.room += n
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
