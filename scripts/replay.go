package scripts

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib"
)

// ReplayConfig configures the replay event plugin, which produces the lines
// of an existing log file one by one, optionally with the event's timestamp
// written over the timestamp each line carries.
type ReplayConfig struct {
	// Path of the log file (required); relative to the generator's directory.
	// A gzip file (detected by its magic bytes, e.g. `access.log.gz`) is
	// decompressed on the fly.
	Path string `yaml:"path" required:"true" type:"path" doc:"The log file, relative to the generator file's directory. A gzip file (recognised by its first bytes, whatever its name) is decompressed as it is read."`
	// TimestampPattern is a regular expression (RE2 syntax; Python's
	// `(?P<timestamp>...)` form of named groups works) with a named group
	// `timestamp`: the text that group matches is replaced by the event's
	// timestamp. Lines without a match pass unchanged. Empty: no substitution.
	TimestampPattern string `yaml:"timestamp_pattern" absent:"none" doc:"A regular expression with a named group 'timestamp'. In each line, the first match's 'timestamp' group is replaced by the event's timestamp. Lines where the pattern does not match, or where the group takes no part in the match, pass unchanged."`
	// TimestampFormat is a Python strftime format for the substituted
	// timestamp; empty means ISO 8601 (Python's datetime.isoformat()).
	TimestampFormat string `yaml:"timestamp_format" absent:"ISO 8601" doc:"How the substituted timestamp is written: a Python 'strftime' format ('%Y-%m-%dT%H:%M:%S', '%d/%b/%Y:%H:%M:%S %z', '%s', '%f', …). Without it, Python's 'isoformat()': '2024-05-06T10:08:09.500000+03:00' (microseconds only when not zero)."`
	// Repeat starts again at the top of the file at its end; without it the
	// generator ends after the last line.
	Repeat bool `yaml:"repeat" default:"false" doc:"At the end of the file start again from the top. Without it the generator ends cleanly after the last line has been delivered."`
	// ChunkSize is the size of the read buffer in bytes (default 1 MiB;
	// 0 means the default). Lines longer than it are fine.
	ChunkSize int `yaml:"chunk_size" default:"1048576" min:"0" doc:"Size of the read buffer in bytes; '0' means the default and smaller values are raised to 4096 (a negative value is an error). Lines longer than the buffer are fine."`
	// Encoding of the file (default utf_8); Python and IANA names are accepted.
	Encoding string `yaml:"encoding" default:"utf_8" doc:"Encoding of the file ('latin_1', 'cp1251', 'utf_16', any IANA name). Lines are converted to UTF-8."`
}

const (
	defaultReplayChunk = 1 << 20
	minReplayChunk     = 4 << 10
)

// Validate checks the settings that do not need the file system.
func (c *ReplayConfig) Validate() error {
	if strings.TrimSpace(c.Path) == "" {
		return fmt.Errorf("path: must not be empty")
	}
	if _, _, err := c.pattern(); err != nil {
		return err
	}
	if c.ChunkSize < 0 {
		return fmt.Errorf("chunk_size: must not be negative, got %d", c.ChunkSize)
	}
	if _, err := textDecoder(c.Encoding); err != nil {
		return err
	}
	return nil
}

// pattern compiles TimestampPattern and returns it with the index of its
// `timestamp` group; a nil regexp means no substitution.
func (c *ReplayConfig) pattern() (*regexp.Regexp, int, error) {
	if c.TimestampPattern == "" {
		return nil, 0, nil
	}
	re, err := regexp.Compile(c.TimestampPattern)
	if err != nil {
		return nil, 0, fmt.Errorf("timestamp_pattern: invalid regular expression: %w", err)
	}
	i := re.SubexpIndex("timestamp")
	if i < 0 {
		return nil, 0, fmt.Errorf("timestamp_pattern: no named group \"timestamp\" in %q (write it as (?P<timestamp>...))", c.TimestampPattern)
	}
	return re, i, nil
}

// textDecoder returns the decoder for the `encoding:` setting, or nil for
// UTF-8 (lines are passed through as they are).
func textDecoder(name string) (*encoding.Decoder, error) {
	enc, err := config.LookupEncoding(name)
	if enc == nil {
		return nil, err
	}
	return enc.NewDecoder(), nil
}

func init() {
	plugin.Register(Registry, "replay",
		nil,
		newReplay)
}

// Replay produces one event per timestamp: the next line of its file. It
// reads the file through a fixed buffer, so memory does not grow with the
// file's size. A Replay is used by one goroutine.
type Replay struct {
	path   string
	re     *regexp.Regexp
	group  int
	format string
	repeat bool
	loc    *time.Location
	log    *slog.Logger
	dec    *encoding.Decoder
	chunk  int
	f      *os.File
	openF  func() (*os.File, error) // opens the file (through the env's confinement)
	gz     *gzip.Reader             // non-nil for a gzip file
	r      *bufio.Reader
	long   []byte // a line longer than the read buffer is gathered here
	buf    []byte // the substituted line
	slab   []byte // events are cut from here (see event)
	lines  int64  // lines produced since the file was (re)opened
	// A shard takes the lines i, i+n, ... of the (repeated) file: read
	// counts every line read, shard and shards are i and n.
	read, shard, shards int64
}

func newReplay(c *ReplayConfig, env *plugin.Env) (Producer, error) {
	re, group, err := c.pattern()
	if err != nil {
		return nil, err
	}
	dec, err := textDecoder(c.Encoding)
	if err != nil {
		return nil, err
	}
	chunk := c.ChunkSize
	if chunk == 0 {
		chunk = defaultReplayChunk
	}
	chunk = max(chunk, minReplayChunk)
	loc := env.Location
	if loc == nil {
		loc = time.UTC
	}
	p := &Replay{
		path: env.Path(c.Path), re: re, group: group, format: c.TimestampFormat,
		repeat: c.Repeat, loc: loc, log: env.Log(), dec: dec, chunk: chunk,
		openF:  func() (*os.File, error) { return env.Open("path", c.Path) },
		shard:  int64(env.ShardIndex),
		shards: int64(max(env.ShardCount, 1)),
	}
	if err := p.open(); err != nil {
		return nil, err
	}
	return p, nil
}

// open opens the file (or rewinds it) and sets up the reader chain:
// file → gzip (when the file starts with the gzip magic) → decoder → buffer.
func (p *Replay) open() error {
	if p.f == nil {
		f, err := p.openF()
		if err != nil {
			return fmt.Errorf("path: %w", err)
		}
		if st, err := f.Stat(); err != nil || st.IsDir() {
			f.Close()
			if err == nil {
				err = errors.New("is a directory")
			}
			return fmt.Errorf("path: %s: %w", p.path, err)
		}
		p.f = f
	} else if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("replay: rewind %s: %w", p.path, err)
	}
	var src io.Reader = p.f
	var magic [2]byte
	n, err := io.ReadFull(p.f, magic[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("path: read %s: %w", p.path, err)
	}
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("path: %s: %w", p.path, err)
	}
	if n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if p.gz == nil {
			p.gz, err = gzip.NewReader(p.f)
		} else {
			err = p.gz.Reset(p.f)
		}
		if err != nil {
			return fmt.Errorf("path: %s: gzip: %w", p.path, err)
		}
		src = p.gz
	}
	if p.dec != nil {
		p.dec.Reset()
		src = transform.NewReader(src, p.dec)
	}
	if p.r == nil {
		p.r = bufio.NewReaderSize(src, p.chunk)
	} else {
		p.r.Reset(src)
	}
	p.lines = 0
	return nil
}

// Produce implements Producer: it appends the next line of the file.
func (p *Replay) Produce(ts int64, _ int, out []string) ([]string, error) {
	line, err := p.next()
	for err == nil && p.shards > 1 && (p.read-1)%p.shards != p.shard {
		line, err = p.next() // another shard's line
	}
	if err != nil {
		return out, err
	}
	if p.re == nil {
		return append(out, p.event(line)), nil
	}
	m := p.re.FindSubmatchIndex(line)
	if m == nil || m[2*p.group] < 0 {
		return append(out, p.event(line)), nil
	}
	start, end := m[2*p.group], m[2*p.group+1]
	t := time.Unix(0, ts).In(p.loc)
	b := append(p.buf[:0], line[:start]...)
	if p.format == "" {
		b, _ = starlib.AppendISOFormat(b, t, 'T', "auto", false)
	} else {
		b = starlib.AppendStrftime(b, t, p.format, false)
	}
	b = append(b, line[end:]...)
	p.buf = b
	return append(out, p.event(b)), nil
}

// next returns the next line without its line break (trailing \r and \n are
// stripped, like Python's rstrip('\r\n')). The slice is valid until the next
// call. At the end of the file it rewinds when repeating, else it returns
// ErrExhausted.
func (p *Replay) next() ([]byte, error) {
	for {
		line, err := p.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			p.long = append(p.long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = p.r.ReadSlice('\n')
				p.long = append(p.long, line...)
			}
			line = p.long
		}
		if len(line) > 0 && (err == nil || errors.Is(err, io.EOF)) {
			p.lines++
			p.read++
			return bytes.TrimRight(line, "\r\n"), nil
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("replay: read %s: %w", p.path, err)
		}
		if !p.repeat {
			return nil, ErrExhausted
		}
		if p.lines == 0 {
			p.log.Warn("replay: the file has no lines, nothing to repeat", "path", p.path)
			return nil, ErrExhausted
		}
		if err := p.open(); err != nil {
			return nil, err
		}
	}
}

// slabSize is the size of the blocks events are cut from: one allocation
// serves many events instead of one per event.
const slabSize = 64 << 10

// event copies b into a string. Short events are cut from a shared block
// that is only ever appended to, so a string never sees its bytes change;
// a block stays alive as long as one of its events does.
func (p *Replay) event(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > slabSize/8 {
		return string(b)
	}
	if cap(p.slab)-len(p.slab) < len(b) {
		p.slab = make([]byte, 0, slabSize)
	}
	start := len(p.slab)
	p.slab = append(p.slab, b...)
	return unsafe.String(&p.slab[start], len(b))
}

// Close implements Closer.
func (p *Replay) Close() error {
	if p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f = nil
	if err != nil {
		return fmt.Errorf("replay: close %s: %w", p.path, err)
	}
	return nil
}
