package outputs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/plugin"
)

// A confined generator's dsn may name certificate, password and service
// files only by absolute paths inside the generators directory.
func TestPostgresDSNConfined(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	gens := filepath.Join(top, "generators")
	ca := filepath.Join(gens, "g", "ca.pem")
	if err := os.MkdirAll(filepath.Dir(ca), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, []byte("pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(top, "pgpass")
	env := &plugin.Env{Dir: filepath.Join(gens, "g"), Confine: &plugin.Confinement{Dir: gens, OutputDir: gens}}
	for _, tc := range []struct {
		dsn     string
		outside bool
		err     string
	}{
		{"host=db user=u", false, ""},
		{"postgres://u:p@db/x?sslmode=require", false, ""},
		{"host=db sslrootcert=" + ca, false, ""},
		{"postgres://db/x?sslrootcert=" + ca, false, ""},
		{"host=db sslrootcert = '" + ca + "'", false, ""},
		{"host=db passfile=" + outside, true, ""},
		{"host=db sslkey='" + outside + "'", true, ""},
		{"postgres://db/x?sslcert=" + outside, true, ""},
		{"postgresql://db/x?servicefile=/etc/pg_service.conf", true, ""},
		{"host=db sslrootcert=ca.pem", false, "absolute path"},
		{"host=db sslrootcert=" + filepath.Join(gens, "g", "..", "..", "pgpass"), true, ""},
		{"host=db SSLROOTCERT=" + outside, false, "cannot check"},
		{"host=db sslrootcert='unterminated", false, "unterminated"},
	} {
		err := confinePostgresDSN(env, tc.dsn)
		var oe *plugin.OutsideError
		switch {
		case tc.outside:
			if !errors.As(err, &oe) {
				t.Errorf("%q: err = %v, want an *OutsideError", tc.dsn, err)
			}
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.dsn, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.dsn, err)
		}
	}
	if err := confinePostgresDSN(&plugin.Env{}, "host=db passfile="+outside); err != nil {
		t.Errorf("unconfined: %v", err)
	}
}
