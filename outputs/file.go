package outputs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventum-generator/eventum-go/config"
	"github.com/eventum-generator/eventum-go/plugin"
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
	Path string `yaml:"path" required:"true"`
	// WriteMode is `append` (default) or `overwrite` (truncate at open).
	WriteMode string `yaml:"write_mode"`
	// Separator is written after every payload (default "\n").
	Separator string `yaml:"separator"`
	// FlushInterval is how often buffered payloads are flushed, in seconds
	// (default 1); 0 flushes after every write.
	FlushInterval config.Duration `yaml:"flush_interval"`
	// CleanupInterval closes the file after this many idle seconds (default
	// 10); it is reopened, in append mode, by the next write.
	CleanupInterval config.Duration `yaml:"cleanup_interval"`
	// FileMode is the permission of a created file (default 640).
	FileMode FileMode `yaml:"file_mode"`
	// Encoding of the written text (default utf_8).
	Encoding string `yaml:"encoding"`
}

// Validate checks the settings.
func (c *FileConfig) Validate() error {
	if c.Path == "" {
		return fmt.Errorf("path: must not be empty")
	}
	if c.WriteMode != "append" && c.WriteMode != "overwrite" {
		return fmt.Errorf("write_mode: must be append or overwrite, got %q", c.WriteMode)
	}
	if c.CleanupInterval.D() < time.Second {
		return fmt.Errorf("cleanup_interval: must be at least 1 second")
	}
	_, err := textEncoder(c.Encoding)
	return err
}

func init() {
	plugin.Register(Registry, "file",
		func() *FileConfig {
			return &FileConfig{
				WriteMode: "append", Separator: "\n", Encoding: "utf_8", FileMode: 0o640,
				FlushInterval: config.Duration(time.Second), CleanupInterval: config.Duration(10 * time.Second),
			}
		},
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
type File struct {
	path       string
	target     *plugin.OutputFile // every file operation goes through it (confinement)
	truncate   bool
	perm       fs.FileMode
	sep        string
	enc        *encoding.Encoder
	flushEvery time.Duration
	idle       time.Duration

	mu        sync.Mutex // guards everything below: writes, flushes and reopens never interleave
	f         *os.File
	info      fs.FileInfo // of f, to notice the path now naming another file
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
		return fmt.Errorf("file output: open %s: %w", o.path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("file output: stat %s: %w", o.path, err)
	}
	o.f, o.info = f, info
	o.lines.reset(f)
	return nil
}

// closeFile flushes and closes the open file (o.mu held).
func (o *File) closeFile(sync bool) error {
	if o.f == nil {
		return nil
	}
	err := o.lines.flush()
	if sync {
		err = errors.Join(err, o.f.Sync())
	}
	err = errors.Join(err, o.f.Close())
	o.f, o.info, o.dirty = nil, nil, false
	if err != nil {
		return fmt.Errorf("file output: close %s: %w", o.path, err)
	}
	return nil
}

// tick is the background work: flush, and close the file when idle.
func (o *File) tick() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return
	}
	if time.Since(o.lastWrite) >= o.idle {
		o.closeFile(false) // lost payloads are counted in LateFailed
		return
	}
	if o.dirty && o.flushEvery > 0 {
		if o.lines.flush() == nil {
			o.dirty = false
		}
	}
}

// ensureOpen (re)opens the file if it was closed for idleness or if the
// path no longer names the open file (o.mu held).
func (o *File) ensureOpen() error {
	if o.f != nil {
		info, err := o.target.Stat()
		if err == nil && os.SameFile(info, o.info) {
			return nil
		}
		if err := o.closeFile(false); err != nil {
			return err
		}
	}
	if err := o.target.MkdirParents(0o755); err != nil {
		return fmt.Errorf("file output: create directory for %s: %w", o.path, err)
	}
	return o.open(false)
}

// Write implements Output.
func (o *File) Write(_ context.Context, payloads []string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.ensureOpen(); err != nil {
		return 0, err
	}
	o.lastWrite = time.Now()
	n, err := o.lines.write(payloads, o.sep, o.enc, o.flushEvery == 0)
	o.dirty = o.flushEvery > 0
	if err != nil {
		return n, fmt.Errorf("file output: write %s: %w", o.path, err)
	}
	return n, nil
}

// Close implements Output: it stops the background goroutine, then flushes,
// syncs and closes the file.
func (o *File) Close(context.Context) error {
	o.ticker.Stop()
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closeFile(true)
}

// LateFailed implements LateFailer: payloads a Write counted that were lost
// when a later flush failed (at the background flush, an idle close, a
// reopen after rotation or Close).
func (o *File) LateFailed() int64 { return o.lines.LateFailed() }
