package plugin

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// confinedTree is a generators directory gens with a generator gen in it,
// a secret next to gens, and symbolic links that lead out.
func confinedTree(t *testing.T) (top, gens string) {
	t.Helper()
	top = t.TempDir()
	gens = filepath.Join(top, "generators")
	for p, content := range map[string]string{
		"secret.txt":                       "top secret",
		"generators/gen/t.jinja":           "inside",
		"generators/gen/sub/s.csv":         "a,b",
		"generators/other/shared.jinja":    "shared",
		"generators/gen/out/.keep":         "",
		"generators/gen/linked-in/.keep":   "",
		"generators/gen/linked-in/x.jinja": "via link",
	} {
		full := filepath.Join(top, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"generators/gen/escape":     "../../",                                     // relative, leads out
		"generators/gen/abs-escape": top,                                          // absolute, leads out
		"generators/gen/abs-inside": filepath.Join(gens, "gen", "linked-in"),      // absolute: os.Root refuses it
		"generators/gen/rel-inside": "linked-in",                                  // relative, stays in
		"generators/gen/secret":     filepath.Join(top, "secret.txt"),             // a file link leading out
		"generators/gen/out/link":   filepath.Join(top),                           // an output folder leading out
		"generators/gen/out/same":   "../out",                                     // an output folder staying in
		"generators/gen/up":         filepath.Join("..", "..", "..", "somewhere"), // dangling, outside
	} {
		if err := os.Symlink(target, filepath.Join(top, link)); err != nil {
			t.Fatal(err)
		}
	}
	return top, gens
}

func TestConfinedReads(t *testing.T) {
	t.Parallel()
	top, gens := confinedTree(t)
	secret := filepath.Join(top, "secret.txt")
	for _, tc := range []struct {
		path string
		want string // content, or "outside", or "missing"
	}{
		{"t.jinja", "inside"},
		{"sub/s.csv", "a,b"},
		{"../other/shared.jinja", "shared"},
		{filepath.Join(gens, "gen", "t.jinja"), "inside"},
		{"rel-inside/x.jinja", "via link"},
		{"nope.jinja", "missing"},
		{"../../secret.txt", "outside"},
		{"../../../../../../etc/passwd", "outside"},
		{secret, "outside"},
		{"/etc/passwd", "outside"},
		{"escape/secret.txt", "outside"},
		{"abs-escape/secret.txt", "outside"},
		{"abs-inside/x.jinja", "outside"}, // os.Root refuses absolute links
		{"secret", "outside"},
		{"sub/../../../secret.txt", "outside"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			conf := &Confinement{Dir: gens, OutputDir: gens}
			env := &Env{Dir: filepath.Join(gens, "gen"), Confine: conf}
			data, err := env.ReadFile("template", tc.path)
			f, oerr := env.Open("template", tc.path)
			if oerr == nil {
				f.Close()
			}
			var oe *OutsideError
			switch tc.want {
			case "outside":
				if !errors.As(err, &oe) || !errors.As(oerr, &oe) {
					t.Fatalf("ReadFile = %q, %v; Open: %v; want an *OutsideError", data, err, oerr)
				}
				if !strings.Contains(err.Error(), "template") || !strings.Contains(err.Error(), tc.path) || strings.Contains(string(data), "secret") {
					t.Fatalf("error %q does not name the key and path", err)
				}
				if len(conf.Refused()) != 2 {
					t.Fatalf("refused = %v", conf.Refused())
				}
			case "missing":
				if !errors.Is(err, fs.ErrNotExist) || errors.As(err, &oe) || !strings.Contains(err.Error(), filepath.Join(gens, "gen", tc.path)) {
					t.Fatalf("err = %v, want a not-exist error naming the whole path", err)
				}
			default:
				if err != nil || string(data) != tc.want || oerr != nil {
					t.Fatalf("ReadFile = %q, %v; Open: %v", data, err, oerr)
				}
				if len(conf.Refused()) != 0 {
					t.Fatalf("refused = %v", conf.Refused())
				}
			}
		})
	}
	// Without confinement every path is read as given.
	env := &Env{Dir: filepath.Join(gens, "gen")}
	if data, err := env.ReadFile("template", "../../secret.txt"); err != nil || string(data) != "top secret" {
		t.Fatalf("unconfined: %q, %v", data, err)
	}
}

func TestConfinedOutputs(t *testing.T) {
	t.Parallel()
	top, gens := confinedTree(t)
	for _, tc := range []struct {
		path    string
		outside bool
		file    string // where the write lands, relative to top
	}{
		{"out/a.log", false, "generators/gen/out/a.log"},
		{"out/new/deeper/a.log", false, "generators/gen/out/new/deeper/a.log"},
		{"out/same/b.log", false, "generators/gen/out/b.log"},
		{filepath.Join(gens, "c.log"), false, "generators/c.log"},
		{"../../x.log", true, ""},
		{filepath.Join(top, "x.log"), true, ""},
		{"/tmp/eventum-confine-test.log", true, ""},
		{"out/link/x.log", true, ""},
		{"escape/x.log", true, ""},
		{"up/x.log", true, ""},
		{"..", true, ""},
		{gens, true, ""}, // the directory itself is no file
	} {
		t.Run(tc.path, func(t *testing.T) {
			conf := &Confinement{Dir: gens, OutputDir: gens}
			env := &Env{Dir: filepath.Join(gens, "gen"), Confine: conf}
			o, err := env.OutputFile("path", tc.path)
			var oe *OutsideError
			if tc.outside {
				if !errors.As(err, &oe) || !oe.Write || len(conf.Refused()) != 1 {
					t.Fatalf("OutputFile = %v, %v; want an *OutsideError", o, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := o.MkdirParents(0o755); err != nil {
				t.Fatal(err)
			}
			f, err := o.OpenFile(os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("x")
			f.Close()
			if got, err := os.ReadFile(filepath.Join(top, tc.file)); err != nil || string(got) != "x" {
				t.Fatalf("%s: %q, %v", tc.file, got, err)
			}
			if _, err := o.Stat(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A folder replaced by a link leading out after the check: the writes go
// through the root and fail instead of following it.
func TestConfinedOutputLinkPlantedLater(t *testing.T) {
	t.Parallel()
	top, gens := confinedTree(t)
	env := &Env{Dir: filepath.Join(gens, "gen"), Confine: &Confinement{Dir: gens, OutputDir: gens}}
	o, err := env.OutputFile("path", "later/a.log")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(top, filepath.Join(gens, "gen", "later")); err != nil {
		t.Fatal(err)
	}
	if f, err := o.OpenFile(os.O_WRONLY|os.O_CREATE, 0o644); err == nil {
		f.Close()
		t.Fatal("opened a file through a link leading out")
	}
	if err := o.MkdirParents(0o755); err == nil {
		t.Fatal("MkdirParents followed a link leading out")
	}
	if _, err := os.Stat(filepath.Join(top, "a.log")); !os.IsNotExist(err) {
		t.Fatalf("a file was written outside: %v", err)
	}
}

// A wider output directory (the operator's choice) lets outputs leave the
// generators directory; reads stay inside it.
func TestConfinedWiderOutputDir(t *testing.T) {
	t.Parallel()
	top, gens := confinedTree(t)
	env := &Env{Dir: filepath.Join(gens, "gen"), Confine: &Confinement{Dir: gens, OutputDir: top}}
	if _, err := env.OutputFile("path", "../../logs/a.log"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ReadFile("template", "../../secret.txt"); err == nil {
		t.Fatal("a wider output_dir widened the reads")
	}
}
