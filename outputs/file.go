package outputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"golang.org/x/text/encoding"
	"gopkg.in/yaml.v3"
)

// FileMode is a permission setting written as octal digits: `640`, `0640`,
// `0o640` and `"0640"` all mean rw-r-----.
type FileMode fs.FileMode

// UnmarshalYAML reads the digits as octal whatever YAML thinks they are.
func (m *FileMode) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected octal permission digits like 644")
	}
	s := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(n.Value), "0o"), "0")
	if s == "" {
		s = "0"
	}
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o7777 {
		return fmt.Errorf("expected octal permission digits like 644, got %q", n.Value)
	}
	*m = FileMode(v)
	return nil
}

// FileConfig configures the file output.
type FileConfig struct {
	Common
	// Path of the file; relative paths resolve against the generator's directory.
	Path string `yaml:"path" required:"true" type:"path" doc:"the file; missing parent directories are created"`
	// WriteMode is `append` (default) or `overwrite` (truncate at open).
	WriteMode string `yaml:"write_mode" default:"append" enum:"append,overwrite" doc:"'overwrite' truncates the file when the output opens"`
	// Separator is written after every payload (default "\n").
	Separator string `yaml:"separator" default:"\"\\n\"" doc:"written after every payload"`
	// FlushInterval is how often buffered payloads are flushed, in seconds
	// (default 1); 0 flushes after every write.
	FlushInterval config.Duration `yaml:"flush_interval" default:"1" doc:"the buffer is flushed this often; '0' flushes after every write"`
	// CleanupInterval closes the file after this many idle seconds (default
	// 10); it is reopened, in append mode, by the next write.
	CleanupInterval config.Duration `yaml:"cleanup_interval" default:"10" min:"1" doc:"the file is closed after this long without writes and reopened (append) by the next write"`
	// FileMode is the permission of a created file (default 640).
	FileMode FileMode `yaml:"file_mode" default:"640" type:"octal digits" doc:"permission of a created file ('640', '0640', '0o640' are the same; the umask applies)"`
	// Encoding of the written text (default utf_8).
	Encoding string `yaml:"encoding" default:"utf_8" doc:"text encoding of the file"`
}

// Validate checks the settings.
func (c *FileConfig) Validate() error {
	if c.Path == "" {
		return fmt.Errorf("path: must not be empty")
	}
	_, err := textEncoder(c.Encoding)
	return err
}

func init() {
	plugin.Register(Registry, "file",
		nil,
		func(c *FileConfig, env *plugin.Env) (Output, error) {
			enc, err := textEncoder(c.Encoding)
			if err != nil {
				return nil, err
			}
			sep, err := encodeString(enc, c.Separator)
			if err != nil {
				return nil, fmt.Errorf("separator: %w", err)
			}
			target, err := env.OutputFile("path", c.Path)
			if err != nil {
				return nil, err
			}
			return &File{
				path: target.Path(), target: target, truncate: c.WriteMode == "overwrite", perm: fs.FileMode(c.FileMode),
				sep: sep, enc: enc, flushEvery: c.FlushInterval.D(), idle: c.CleanupInterval.D(),
			}, nil
		})
}

// File appends payloads to a file through a 256 KiB buffer. A background
// goroutine (started by Open, stopped by Close) flushes every flush_interval
// and closes the file after cleanup_interval without writes. Before each
// write the path is checked: a file deleted or renamed away (log rotation)
// is flushed, closed and recreated at the path.
//
// A failed write (disk full, I/O error) loses nothing: a line it tore is
// cut off the file (truncated back to the end of the last whole payload),
// the payloads of the write that did not reach the file are left to the
// pipeline's retry, and payloads buffered by earlier writes stay in the
// buffer until a later flush gets them out.
type File struct {
	path       string
	target     *plugin.OutputFile // every file operation goes through it (confinement)
	truncate   bool
	perm       fs.FileMode
	sep        string
	enc        *encoding.Encoder
	flushEvery time.Duration
	idle       time.Duration

	// newWriter, when set (tests), wraps the open file: a fault-injecting writer.
	newWriter func(*os.File) fileWriter

	mu        sync.Mutex // guards everything below: writes, flushes and reopens never interleave
	f         *os.File
	w         fileWriter  // f, or what newWriter made of it
	info      fs.FileInfo // of f, to notice the path now naming another file
	start     int64       // size of f when it was opened: where the lines' offset 0 is
	lines     lineWriter
	dirty     bool
	lastWrite time.Time
	ticker    *ticker
}

// Open implements Output: it creates missing parent directories and opens the file.
func (o *File) Open(context.Context) error {
	if err := o.target.MkdirParents(0o755); err != nil {
		return fmt.Errorf("file output: create directory for %s: %w", o.path, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.open(o.truncate); err != nil {
		return err
	}
	o.lastWrite = time.Now()
	period := o.idle
	if o.flushEvery > 0 && o.flushEvery < period {
		period = o.flushEvery
	}
	o.ticker = startTicker(period, o.tick)
	return nil
}

func (o *File) open(truncate bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if truncate {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := o.target.OpenFile(flags, o.perm)
	if err != nil {
		return fileError(fmt.Errorf("file output: open %s: %w", o.path, err))
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fileError(fmt.Errorf("file output: stat %s: %w", o.path, err))
	}
	o.f, o.w, o.info, o.start = f, f, info, info.Size()
	if o.newWriter != nil {
		o.w = o.newWriter(f)
	}
	o.lines.reset(o.w, o.cut)
	return nil
}

// fileWriter is what the file output writes to: the open file.
type fileWriter interface {
	io.Writer
	Truncate(size int64) error
}

// cut truncates the open file to size bytes of what this output wrote to
// it (o.mu held): it removes a payload a failed write tore.
func (o *File) cut(size int64) error {
	if err := o.w.Truncate(o.start + size); err != nil {
		return err
	}
	// Without O_APPEND (write_mode: overwrite) the next write goes where
	// the file offset is: back it up too, or the cut would leave a hole.
	_, err := o.f.Seek(o.start+size, io.SeekStart)
	return err
}

// flush writes the buffer out (o.mu held).
func (o *File) flush() error {
	if err := o.lines.flush(); err != nil {
		return fileError(fmt.Errorf("file output: write %s: %w", o.path, err))
	}
	o.dirty = false
	return nil
}

// closeFile syncs and closes the open file (o.mu held); the buffer must
// have been flushed or discarded.
func (o *File) closeFile(sync bool) error {
	if o.f == nil {
		return nil
	}
	var err error
	if sync {
		err = o.f.Sync()
	}
	err = errors.Join(err, o.f.Close())
	o.f, o.w, o.info, o.dirty = nil, nil, nil, false
	if err != nil {
		return fmt.Errorf("file output: close %s: %w", o.path, err)
	}
	return nil
}

// tick is the background work: flush, and close the file when idle. A
// failed flush keeps the buffer (and the file open) for the next try.
func (o *File) tick() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return
	}
	if (o.dirty && o.flushEvery > 0) || o.lines.pending() {
		if o.flush() != nil {
			return
		}
	}
	if time.Since(o.lastWrite) >= o.idle {
		o.closeFile(false)
	}
}

// ensureOpen (re)opens the file if it was closed for idleness or if the
// path no longer names the open file (o.mu held). What is buffered goes to
// the old file if it can, else to the new one.
func (o *File) ensureOpen() error {
	if o.f != nil {
		info, err := o.target.Stat()
		if err == nil && os.SameFile(info, o.info) {
			return nil
		}
		_ = o.flush() // a failure keeps the buffer: it goes to the new file
		if err := o.closeFile(false); err != nil {
			return err
		}
	}
	if err := o.target.MkdirParents(0o755); err != nil {
		return fileError(fmt.Errorf("file output: create directory for %s: %w", o.path, err))
	}
	return o.open(false)
}

// Write implements Output. After a failure the payloads it did not settle
// are retried by the pipeline; payloads it buffered are counted written.
func (o *File) Write(_ context.Context, payloads []string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.ensureOpen(); err != nil {
		return 0, err
	}
	o.lastWrite = time.Now()
	n, err := o.lines.write(payloads, o.sep, o.enc, o.flushEvery == 0)
	o.dirty = o.flushEvery > 0 && o.lines.pending()
	if err != nil {
		return n, fileError(fmt.Errorf("file output: write %s: %w", o.path, err))
	}
	return n, nil
}

// Close implements Output: it stops the background goroutine, flushes
// (retrying a failed flush until ctx is done), syncs and closes the file.
// Payloads it cannot flush are counted in LateFailed.
func (o *File) Close(ctx context.Context) error {
	o.ticker.Stop()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	err := retryFlush(ctx, o.flush)
	if err != nil {
		o.lines.discard()
	}
	return errors.Join(err, o.closeFile(true))
}

// retryFlush calls flush until it succeeds, fails for good, or ctx is done.
func retryFlush(ctx context.Context, flush func() error) error {
	wait := 50 * time.Millisecond
	for {
		err := flush()
		if err == nil || IsPermanent(err) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// fileError marks the errors of file writes that retrying cannot fix as
// Permanent; a full disk, an I/O error and the like are retried.
func fileError(err error) error {
	for _, e := range []error{syscall.EFBIG, syscall.EBADF, syscall.EINVAL, syscall.EISDIR, syscall.EROFS,
		syscall.EACCES, syscall.EPERM, syscall.ENAMETOOLONG, syscall.ENOTDIR, syscall.EPIPE} {
		if errors.Is(err, e) {
			return Permanent(err)
		}
	}
	return err
}

// LateFailed implements LateFailer: payloads a Write counted (buffered)
// that could not be written by Close.
func (o *File) LateFailed() int64 { return o.lines.LateFailed() }
