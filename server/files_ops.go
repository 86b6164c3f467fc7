package server

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
)

// file-makedir, file-move and file-copy: the original's routes for the
// Studio's file tree. Paths resolve inside the generator directory through
// its os.Root (no `..`, absolute path or link leads out).

func (a *App) makeDir(w http.ResponseWriter, r *http.Request) {
	dir, p, ok := a.filePath(w, r)
	if !ok {
		return
	}
	defer dir.Close()
	if _, err := dir.Lstat(p); err == nil {
		writeError(w, http.StatusConflict, "file already exists", p)
		return
	}
	if err := dir.MkdirAll(p, 0o755); err != nil {
		fsError(w, err, "cannot create the directory")
		return
	}
	writeJSON(w, http.StatusCreated, nil)
}

// movePaths reads ?source= and ?destination= and opens the directory.
func (a *App) movePaths(w http.ResponseWriter, r *http.Request) (*os.Root, string, string, bool) {
	src, dst := r.URL.Query().Get("source"), r.URL.Query().Get("destination")
	for _, p := range []string{src, dst} {
		if !validRelPath(p) {
			writeError(w, http.StatusForbidden, errOutside.Error(), p)
			return nil, "", "", false
		}
	}
	dir, ok := a.genDir(w, r, true)
	if !ok {
		return nil, "", "", false
	}
	if _, err := dir.Lstat(src); err != nil {
		dir.Close()
		if errors.Is(err, fs.ErrNotExist) {
			writeError(w, http.StatusNotFound, "source file does not exist", src)
		} else {
			fsError(w, err, "cannot read the source")
		}
		return nil, "", "", false
	}
	return dir, path.Clean(src), path.Clean(dst), true
}

func (a *App) moveFile(w http.ResponseWriter, r *http.Request) {
	dir, src, dst, ok := a.movePaths(w, r)
	if !ok {
		return
	}
	defer dir.Close()
	if fi, err := dir.Stat(dst); err == nil {
		if !fi.IsDir() {
			writeError(w, http.StatusConflict, "destination file already exists", dst)
			return
		}
		dst = path.Join(dst, path.Base(src)) // into the directory, as mv does
		if _, err := dir.Lstat(dst); err == nil {
			writeError(w, http.StatusConflict, "destination file already exists", dst)
			return
		}
	}
	if src == dst {
		writeJSON(w, http.StatusOK, nil)
		return
	}
	if d := path.Dir(dst); d != "." {
		if err := dir.MkdirAll(d, 0o755); err != nil {
			fsError(w, err, "cannot create the destination directory")
			return
		}
	}
	if err := dir.Rename(src, dst); err != nil {
		fsError(w, err, "cannot move the file")
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) copyFile(w http.ResponseWriter, r *http.Request) {
	dir, src, dst, ok := a.movePaths(w, r)
	if !ok {
		return
	}
	defer dir.Close()
	if _, err := dir.Lstat(dst); err == nil {
		writeError(w, http.StatusConflict, "destination file already exists", dst)
		return
	}
	if src == dst || len(dst) > len(src) && dst[:len(src)+1] == src+"/" {
		writeError(w, http.StatusConflict, "cannot copy a directory into itself", dst)
		return
	}
	err := fs.WalkDir(dir.FS(), src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := path.Join(dst, p[len(src):])
		switch {
		case d.IsDir():
			return dir.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			if pd := path.Dir(target); pd != "." {
				if err := dir.MkdirAll(pd, 0o755); err != nil {
					return err
				}
			}
			return copyWithin(dir, p, target)
		}
		return nil // links and special files are not copied
	})
	if err != nil {
		fsError(w, err, "cannot copy the file")
		return
	}
	writeJSON(w, http.StatusCreated, nil)
}

func copyWithin(dir *os.Root, src, dst string) error {
	in, err := dir.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := dir.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
