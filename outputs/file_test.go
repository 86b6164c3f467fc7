package outputs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFileGolden(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, path, cfg string }{
		{"file_default", "out/sub/events.log", "path: out/sub/events.log"},
		{"file_separator", "out/events.log", "{path: out/events.log, separator: \"\\r\\n\", flush_interval: 0}"},
		{"file_latin1", "events.log", "{path: events.log, encoding: latin_1, separator: ';'}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			o := mustBuild(t, "file", tc.cfg, dir)
			mustOpen(t, o)
			mustWrite(t, o, "first", `{"b": "é"}`)
			mustWrite(t, o, "third")
			mustClose(t, o)
			b, err := os.ReadFile(filepath.Join(dir, tc.path))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b)
		})
	}
}

func TestFileWriteModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"append", "overwrite"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "e.log")
			if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			o := mustBuild(t, "file", "{path: e.log, write_mode: "+mode+"}", dir)
			mustOpen(t, o)
			mustWrite(t, o, "new")
			mustClose(t, o)
			want := map[string]string{"append": "old\nnew\n", "overwrite": "new\n"}[mode]
			if got := readFile(t, path); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func TestFileFlushing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "e.log")

	// A long interval: nothing reaches the file before Close.
	o := mustBuild(t, "file", "{path: e.log, flush_interval: 3600}", dir)
	mustOpen(t, o)
	mustWrite(t, o, "a", "b")
	if got := readFile(t, path); got != "" {
		t.Fatalf("flushed before Close: %q", got)
	}
	mustClose(t, o)
	if got := readFile(t, path); got != "a\nb\n" {
		t.Fatalf("after Close: %q", got)
	}

	// Interval 0: every Write is flushed.
	o = mustBuild(t, "file", "{path: e.log, flush_interval: 0}", dir)
	mustOpen(t, o)
	mustWrite(t, o, "c")
	if got := readFile(t, path); got != "a\nb\nc\n" {
		t.Fatalf("after Write with flush_interval 0: %q", got)
	}
	mustClose(t, o)

	// A short interval: the background goroutine flushes.
	o = mustBuild(t, "file", "{path: e.log, flush_interval: 20ms}", dir)
	mustOpen(t, o)
	mustWrite(t, o, "d")
	deadline := time.Now().Add(5 * time.Second)
	for readFile(t, path) != "a\nb\nc\nd\n" {
		if time.Now().After(deadline) {
			t.Fatalf("never flushed: %q", readFile(t, path))
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustClose(t, o)
}

func TestFileReopens(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "e.log")
	o := mustBuild(t, "file", "{path: e.log, flush_interval: 0, cleanup_interval: 1}", dir)
	mustOpen(t, o)
	mustWrite(t, o, "1")

	// Rotation: the file is renamed away; the next write recreates it.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, o, "2")
	// Deletion.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, o, "3")
	if got, old := readFile(t, path), readFile(t, path+".1"); got != "3\n" || old != "1\n" {
		t.Fatalf("after rotation: new %q, old %q", got, old)
	}

	// Idle: the file is closed after cleanup_interval and reopened in append mode.
	f := o.(*File)
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		closed := f.f == nil
		f.mu.Unlock()
		if closed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("file not closed after cleanup_interval")
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustWrite(t, o, "4")
	mustClose(t, o)
	if got := readFile(t, path); got != "3\n4\n" {
		t.Fatalf("after idle reopen: %q", got)
	}
}

func TestFileModeAndDirs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i, mode := range []string{"600", "0600", "0o600", `"600"`} {
		name := fmt.Sprintf("a/b/%d.log", i)
		o := mustBuild(t, "file", "{path: "+name+", file_mode: "+mode+"}", dir)
		mustOpen(t, o)
		mustClose(t, o)
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("file_mode %s: got %v", mode, info.Mode().Perm())
		}
	}
}

func TestFileEncodingError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := mustBuild(t, "file", "{path: e.log, encoding: latin_1}", dir)
	mustOpen(t, o)
	// The payload latin_1 cannot hold is rejected (format_failed); the
	// others are written.
	n, err := o.Write(context.Background(), []string{"ok", "euro €", "later"})
	if n != 3 || Rejected(err) != 1 || !strings.Contains(err.Error(), "payload 1") {
		t.Fatalf("Write = %d, %v; want 3 settled, one of them rejected", n, err)
	}
	mustClose(t, o)
	if got := readFile(t, filepath.Join(dir, "e.log")); got != "ok\nlater\n" {
		t.Fatalf("got %q", got)
	}
}

func TestFileConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ cfg, want string }{
		{"{}", `missing required key "path"`},
		{"{path: x, write_mode: replace}", "write_mode: must be one of append, overwrite"},
		{"{path: x, file_mode: 9}", "expected octal permission digits"},
		{"{path: x, encoding: klingon}", `unknown or unsupported encoding "klingon"`},
		{"{path: x, flush_interval: -1}", "must not be negative"},
		{"{path: x, cleanup_interval: 0}", "cleanup_interval: must be at least 1 second"},
		{"{path: x, separtor: x}", `did you mean "separator"`},
	}
	for _, tc := range tests {
		if _, err := build(t, "file", tc.cfg, t.TempDir()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestFileConcurrent writes from several goroutines while the background
// flusher runs (run with -race): every line must arrive whole.
func TestFileConcurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := mustBuild(t, "file", "{path: e.log, flush_interval: 1ms}", dir)
	mustOpen(t, o)
	const writers, writes, batch = 4, 50, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payloads := make([]string, batch)
			for i := range writes {
				for j := range payloads {
					payloads[j] = fmt.Sprintf("w%d-%d-%d-%s", w, i, j, strings.Repeat("x", 100))
				}
				mustWrite(t, o, payloads...)
			}
		}()
	}
	wg.Wait()
	mustClose(t, o)
	lines := strings.Split(strings.TrimSuffix(readFile(t, filepath.Join(dir, "e.log")), "\n"), "\n")
	if len(lines) != writers*writes*batch {
		t.Fatalf("got %d lines, want %d", len(lines), writers*writes*batch)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if !strings.HasSuffix(l, strings.Repeat("x", 100)) || seen[l] {
			t.Fatalf("damaged or duplicated line %q", l)
		}
		seen[l] = true
	}
}

func BenchmarkFileWrite(b *testing.B) {
	dir := b.TempDir()
	payloads := make([]string, 1000)
	for i := range payloads {
		payloads[i] = strings.Repeat("e", 199)
	}
	o := mustBuild(b, "file", "{path: bench.log, flush_interval: 1}", dir)
	mustOpen(b, o)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(1000 * len(payloads) * 200))
	for b.Loop() {
		// 1000 writes of 1000 payloads = 1M events of 200 bytes per iteration.
		for range 1000 {
			if _, err := o.Write(ctx, payloads); err != nil {
				b.Fatal(err)
			}
		}
		o.(*File).mu.Lock()
		o.(*File).f.Truncate(0) // keep the disk from filling up
		o.(*File).mu.Unlock()
	}
	b.ReportMetric(float64(b.N*1000*len(payloads))/b.Elapsed().Seconds(), "events/s")
	mustClose(b, o)
}
