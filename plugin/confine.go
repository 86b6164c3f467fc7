package plugin

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/eventum-go/eventum/config"
)

// Confinement keeps the files of a generator inside two directories: the
// files it reads (templates, samples, scripts, replay and pattern files,
// certificates) inside Dir, the files it writes (file outputs) inside
// OutputDir. `eventum run` confines the generators and previews the API
// runs; the operator's own generators and `eventum generate` are not
// confined (Env.Confine is nil).
//
// Paths are resolved as os.Root does: relative to the generator directory,
// absolute ones accepted only when they lead inside, `..` may not climb
// out, and symbolic links may not lead outside (nor be absolute).
type Confinement struct {
	// Dir holds every file a confined generator reads (path.generators_dir).
	Dir string
	// OutputDir holds every file a confined generator writes (path.output_dir).
	OutputDir string

	mu      sync.Mutex
	refused []*OutsideError
}

// OutsideError is a path a confined generator may not use. Nothing was read
// or written.
type OutsideError struct {
	Key   string // the setting naming the path, e.g. "template" or "path"
	Path  string // the path as written
	Dir   string // the directory the path had to stay inside
	Write bool   // an output path
}

func (e *OutsideError) Error() string {
	verb := "read"
	if e.Write {
		verb = "write"
	}
	return fmt.Sprintf("%s %q is outside %s: a generator run through the API may only %s files inside it", e.Key, e.Path, e.Dir, verb)
}

// Refused lists the paths refused so far (to tell a refusal from other
// build errors: the API answers them 403).
func (c *Confinement) Refused() []*OutsideError {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*OutsideError(nil), c.refused...)
}

// RefuseOutside records, for a confined generator, that the setting key
// names p outside the generators directory, and returns the refusal; it
// returns nil for a generator that is not confined (the caller then
// reports its own error).
func (e *Env) RefuseOutside(key, p string) error {
	if e.Confine == nil {
		return nil
	}
	return e.Confine.refuse(key, p, e.Confine.Dir, false)
}

func (c *Confinement) refuse(key, p, dir string, write bool) error {
	e := &OutsideError{Key: key, Path: p, Dir: dir, Write: write}
	c.mu.Lock()
	c.refused = append(c.refused, e)
	c.mu.Unlock()
	return e
}

// within returns the path of full relative to dir when it stays inside it
// lexically; os.Root then checks the symbolic links on the way.
func within(dir, full string) (string, bool) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	f, err := filepath.Abs(full)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(d, f)
	if err != nil || !filepath.IsLocal(rel) {
		return "", false
	}
	return rel, true
}

// isEscape reports whether err is os.Root refusing a path that leaves the root.
func isEscape(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "path escapes from parent")
}

// fullPath names the whole path, not the one relative to the root, in a
// *fs.PathError.
func fullPath(err error, full string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = full
	}
	return err
}

// openRoot checks that full (p resolved against the generator directory)
// stays inside c.Dir and opens the root there, with full's relative path.
func (c *Confinement) openRoot(key, p, full string) (*os.Root, string, error) {
	rel, ok := within(c.Dir, full)
	if !ok {
		return nil, "", c.refuse(key, p, c.Dir, false)
	}
	root, err := os.OpenRoot(c.Dir)
	if err != nil {
		return nil, "", fmt.Errorf("%s: open %s: %w", key, c.Dir, err)
	}
	return root, rel, nil
}

// Open opens the file p (relative to the generator directory) for reading;
// key names the setting in errors. A confined generator may only open
// files inside Confine.Dir (an *OutsideError otherwise).
func (e *Env) Open(key, p string) (*os.File, error) {
	if e.Confine == nil {
		return os.Open(e.Path(p))
	}
	root, rel, err := e.Confine.openRoot(key, p, e.Path(p))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(rel)
	if isEscape(err) {
		return nil, e.Confine.refuse(key, p, e.Confine.Dir, false)
	}
	return f, fullPath(err, e.Path(p))
}

// ReadFile reads the file p (relative to the generator directory) with the
// rules of Open.
func (e *Env) ReadFile(key, p string) ([]byte, error) {
	if e.Confine == nil {
		return config.ReadFile(e.Path(p))
	}
	return e.Confine.readFile(key, p, e.Path(p))
}

// ReadFile reads the file at path (a generator config) inside c.Dir; key
// names it in errors.
func (c *Confinement) ReadFile(key, path string) ([]byte, error) {
	return c.readFile(key, path, path)
}

func (c *Confinement) readFile(key, p, full string) ([]byte, error) {
	root, rel, err := c.openRoot(key, p, full)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(rel)
	if isEscape(err) {
		return nil, c.refuse(key, p, c.Dir, false)
	}
	if err != nil {
		return nil, fullPath(err, full)
	}
	defer f.Close()
	return config.ReadAllFile(f, full) // within the file size cap
}

// OutputFile is a file an output writes: its path, and under confinement
// the directory every operation on it stays inside.
type OutputFile struct {
	path string // resolved path
	dir  string // Confine.OutputDir, "" when not confined
	rel  string // path relative to dir
}

// OutputFile resolves the output path p (relative to the generator
// directory); key names the setting in errors. A confined generator may only
// name paths inside Confine.OutputDir (an *OutsideError otherwise); every
// later operation on the file is made through an os.Root on that directory,
// so a symbolic link planted afterwards cannot lead the writes outside.
func (e *Env) OutputFile(key, p string) (*OutputFile, error) {
	full := e.Path(p)
	if e.Confine == nil {
		return &OutputFile{path: full}, nil
	}
	c := e.Confine
	rel, ok := within(c.OutputDir, full)
	if !ok || rel == "." {
		return nil, c.refuse(key, p, c.OutputDir, true)
	}
	o := &OutputFile{path: full, dir: c.OutputDir, rel: rel}
	// Refuse now a path whose existing part already leads outside.
	if err := o.check(); isEscape(err) {
		return nil, c.refuse(key, p, c.OutputDir, true)
	}
	return o, nil
}

// check walks the existing part of the path inside the root.
func (o *OutputFile) check() error {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for p := o.rel; p != "." && p != string(filepath.Separator); p = filepath.Dir(p) {
		_, err := root.Stat(p)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Path is the resolved path (for messages).
func (o *OutputFile) Path() string { return o.path }

func (o *OutputFile) root() (*os.Root, error) {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenRoot(o.dir)
}

func (o *OutputFile) escape(err error) error {
	if isEscape(err) {
		return fmt.Errorf("%s leads outside %s: %w", o.path, o.dir, err)
	}
	return err
}

// MkdirParents creates the missing folders above the file.
func (o *OutputFile) MkdirParents(perm fs.FileMode) error {
	if o.dir == "" {
		return os.MkdirAll(filepath.Dir(o.path), perm)
	}
	root, err := o.root()
	if err != nil {
		return err
	}
	defer root.Close()
	if parent := filepath.Dir(o.rel); parent != "." {
		return o.escape(root.MkdirAll(parent, perm))
	}
	return nil
}

// OpenFile opens the file as os.OpenFile does.
func (o *OutputFile) OpenFile(flag int, perm fs.FileMode) (*os.File, error) {
	if o.dir == "" {
		return os.OpenFile(o.path, flag, perm)
	}
	root, err := o.root()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.OpenFile(o.rel, flag, perm)
	return f, fullPath(o.escape(err), o.path)
}

// Stat describes the file as os.Stat does.
func (o *OutputFile) Stat() (fs.FileInfo, error) {
	if o.dir == "" {
		return os.Stat(o.path)
	}
	root, err := o.root()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fi, err := root.Stat(o.rel)
	return fi, fullPath(o.escape(err), o.path)
}
