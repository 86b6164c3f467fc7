package deploy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// imageFile is one regular file found in the image's layers.
type imageFile struct {
	mode os.FileMode
	data []byte // kept only for the few files the test reads
}

// TestContainerImage builds the image as `make image` does (static binary,
// deploy/image.sh, podman, no network), saves it and inspects the archive:
// the entrypoint is a static eventum, the user is numeric and not root, the CA
// bundle and the examples are there. Running it is not possible here.
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a container image")
	}
	tool, err := exec.LookPath("podman")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("podman is not installed (.ci/podman.sh installs it)")
		}
		t.Skip("podman is not installed: apt-get install podman")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "eventum")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tag := fmt.Sprintf("localhost/eventum-test:%d", os.Getpid())
	script := exec.CommandContext(ctx, "bash", "image.sh", tag)
	script.Env = append(os.Environ(), "EVENTUM_BIN="+bin, "IMAGE_CONTEXT="+filepath.Join(tmp, "context"), "CONTAINER_TOOL="+tool)
	if out, err := script.CombinedOutput(); err != nil {
		t.Fatalf("image.sh: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(tool, "rmi", "-f", tag).Run() })
	archive := filepath.Join(tmp, "image.tar")
	if out, err := exec.CommandContext(ctx, tool, "save", "--format", "docker-archive", "-o", archive, tag).CombinedOutput(); err != nil {
		t.Fatalf("podman save: %v\n%s", err, out)
	}
	cfg, files := readImage(t, archive)

	if want := []string{"/usr/bin/eventum"}; strings.Join(cfg.Entrypoint, " ") != strings.Join(want, " ") {
		t.Errorf("ENTRYPOINT %q, want %q", cfg.Entrypoint, want)
	}
	uid, _, _ := strings.Cut(cfg.User, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %q: want a numeric non-root user", cfg.User)
	}
	entry := files["usr/bin/eventum"]
	if entry == nil {
		t.Fatal("no usr/bin/eventum in the image")
	}
	if entry.mode&0o111 == 0 {
		t.Errorf("usr/bin/eventum mode %v: not executable", entry.mode)
	}
	f, err := elf.NewFile(bytes.NewReader(entry.data))
	if err != nil {
		t.Fatalf("usr/bin/eventum: %v", err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("usr/bin/eventum has an ELF interpreter: not a static binary")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("usr/bin/eventum needs shared libraries %v", libs)
	}
	ca := files["etc/ssl/certs/ca-certificates.crt"]
	if ca == nil || !bytes.Contains(ca.data, []byte("BEGIN CERTIFICATE")) {
		t.Error("no CA bundle at /etc/ssl/certs/ca-certificates.crt")
	}
	for _, p := range []string{
		"usr/share/eventum/examples/quickstart/generator.yml",
		"usr/share/eventum/examples/app/eventum.yml",
		"usr/share/eventum/examples/template-access-log/templates/access_log.jinja",
	} {
		if files[p] == nil {
			t.Errorf("no %s in the image", p)
		}
	}
	st, _ := os.Stat(archive)
	t.Logf("image archive %.1f MiB, binary %.1f MiB, user %s", float64(st.Size())/(1<<20), float64(len(entry.data))/(1<<20), cfg.User)
}

type imageConfig struct {
	User       string
	Entrypoint []string
	Env        []string
}

// readImage reads a docker-archive: its manifest, config and every layer.
func readImage(t *testing.T, path string) (imageConfig, map[string]*imageFile) {
	t.Helper()
	blobs := map[string][]byte{}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("image archive: %v", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		blobs[h.Name] = b
	}
	var man []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(blobs["manifest.json"], &man); err != nil || len(man) != 1 {
		t.Fatalf("image archive manifest.json: %v (%d images)", err, len(man))
	}
	var cfg struct{ Config imageConfig }
	if err := json.Unmarshal(blobs[man[0].Config], &cfg); err != nil {
		t.Fatalf("image config %s: %v", man[0].Config, err)
	}
	files := map[string]*imageFile{}
	for _, l := range man[0].Layers {
		data, ok := blobs[l]
		if !ok {
			t.Fatalf("layer %s missing from the archive", l)
		}
		var r io.Reader = bytes.NewReader(data)
		if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			gz, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = gz
		}
		lt := tar.NewReader(r)
		for {
			h, err := lt.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("layer %s: %v", l, err)
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			b, err := io.ReadAll(lt)
			if err != nil {
				t.Fatal(err)
			}
			files[strings.TrimPrefix(h.Name, "./")] = &imageFile{mode: h.FileInfo().Mode(), data: b}
		}
	}
	return cfg.Config, files
}

// `go install` from the module root installs a binary named eventum (the
// module path ends in /eventum), offline: the build needs only the module
// cache.
func TestGoInstallNamesTheBinaryEventum(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", "..")
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(gobin)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "eventum" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("go install produced %v, want [eventum]", names)
	}
}
