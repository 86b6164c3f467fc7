package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/eventum-go/eventum/starlib/guard"
)

// The files a generator names (its config, templates, scripts, samples,
// time patterns, timestamps lists, certificates) are read whole into
// memory, so each read is capped: a file larger than MaxFileBytes (or a
// device such as /dev/zero) fails with FileTooLargeError instead of
// filling the memory. Replay files are streamed and exempt.

// DefaultMaxFileBytes is the documented default cap: 16 MiB.
const DefaultMaxFileBytes = 16 << 20

// MaxFileBytesEnv overrides the cap for the process, e.g.
// EVENTUM_MAX_FILE_BYTES=64MiB.
const MaxFileBytesEnv = "EVENTUM_MAX_FILE_BYTES"

var (
	maxFileBytes     atomic.Int64 // 0: not yet read from the environment
	maxFileBytesOnce sync.Once
	maxFileBytesErr  error
)

// MaxFileBytes returns the cap on one file read: SetMaxFileBytes's value,
// else EVENTUM_MAX_FILE_BYTES, else DefaultMaxFileBytes.
func MaxFileBytes() (int64, error) {
	maxFileBytesOnce.Do(func() {
		if s, ok := os.LookupEnv(MaxFileBytesEnv); ok {
			n, err := guard.ParseSize(s)
			if err != nil || n < 1 {
				maxFileBytesErr = fmt.Errorf("%s=%q: expected a positive size such as 16777216 or 64MiB", MaxFileBytesEnv, s)
				return
			}
			maxFileBytes.CompareAndSwap(0, n)
			return
		}
		maxFileBytes.CompareAndSwap(0, DefaultMaxFileBytes)
	})
	if n := maxFileBytes.Load(); n > 0 {
		return n, nil
	}
	return 0, maxFileBytesErr
}

// SetMaxFileBytes sets the cap (n > 0) for the process and returns the
// previous one; tests and embedders use it instead of the environment.
func SetMaxFileBytes(n int64) int64 {
	prev, _ := MaxFileBytes()
	maxFileBytes.Store(n)
	return prev
}

// FileTooLargeError reports a file over the cap.
type FileTooLargeError struct {
	Path  string
	Limit int64
}

func (e *FileTooLargeError) Error() string {
	return fmt.Sprintf("%s: the file is larger than %s, the limit on a config, template, script or sample file (raise it with %s)",
		e.Path, guard.FormatSize(e.Limit), MaxFileBytesEnv)
}

// ReadFile reads the file at path whole, within the cap. A regular file
// over the cap fails before any byte is read.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAllFile(f, path)
}

// ReadAllFile reads the open file f (named path in errors) within the cap;
// it is ReadFile for files opened another way (through an os.Root).
func ReadAllFile(f *os.File, path string) ([]byte, error) {
	limit, err := MaxFileBytes()
	if err != nil {
		return nil, err
	}
	size := int64(0)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if st.Size() > limit {
			return nil, &FileTooLargeError{Path: path, Limit: limit}
		}
		size = st.Size()
	}
	return readCapped(f, path, limit, size)
}

// ReadAll reads r (named in errors) to its end within the cap.
func ReadAll(r io.Reader, name string) ([]byte, error) {
	limit, err := MaxFileBytes()
	if err != nil {
		return nil, err
	}
	return readCapped(r, name, limit, 0)
}

func readCapped(r io.Reader, name string, limit, size int64) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(min(size, limit)) + bytes.MinRead) // a file of known size is read without growing
	if _, err := b.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, &os.PathError{Op: "read", Path: name, Err: err}
	}
	if int64(b.Len()) > limit {
		return nil, &FileTooLargeError{Path: name, Limit: limit}
	}
	return b.Bytes(), nil
}
