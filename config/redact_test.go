package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	for _, s := range []string{"S3cretPW", "abc", "", `q"uo\te`, "S3cretPW-longer", "<&>pw"} {
		r.Add(s)
	}
	for _, tc := range []struct{ in, want string }{
		{"no secret here", "no secret here"},
		{"url: S3cretPW", "url: ***"},
		{`got "S3cretPW"`, `got "***"`},
		{"S3cretPW-longer and S3cretPW", "*** and ***"},
		{"abc is too short to be redacted", "abc is too short to be redacted"},
		{`%q quoting: "q\"uo\\te"`, `%q quoting: "***"`},
		{`raw: q"uo\te`, `raw: ***`},
		{`json: "\u003c\u0026\u003epw"`, `json: "***"`},
		{`json: "<&>pw"`, `json: "***"`},
		// URL user info, inside wrapper prefixes and quotes.
		{"http output: POST http://user:pw@host:9/x: Post \"http://user:***@host:9/x\": refused",
			"http output: POST http://***@host:9/x: Post \"http://***@host:9/x\": refused"},
		{"https://token@example.com/a@b", "https://***@example.com/a@b"},
		{"http://host/p@th?q=a@b", "http://host/p@th?q=a@b"},
		{"(see kafka://u:p@broker:9092)", "(see kafka://***@broker:9092)"},
		{"mail me: a@b.c", "mail me: a@b.c"},
		{"http://", "http://"},
		{"x://@host", "x://@host"},
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactorConcurrent(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.Add(fmt.Sprintf("secret-%d", i))
		}()
		go func() {
			defer wg.Done()
			_ = r.Redact("secret-1 secret-2")
		}()
	}
	wg.Wait()
	if got := r.Redact("secret-0 secret-7"); got != "*** ***" {
		t.Fatalf("got %q", got)
	}
}

func TestRedactError(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.Add("hunter22")
	base := &fs.PathError{Op: "open", Path: "/x/hunter22", Err: fs.ErrNotExist}
	err := r.Error(fmt.Errorf("load: %w", base))
	if err.Error() != "load: open /x/***: file does not exist" || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v (Is ErrNotExist: %v)", err, errors.Is(err, fs.ErrNotExist))
	}
	if r.Error(nil) != nil {
		t.Fatal("Error(nil) != nil")
	}
	plain := errors.New("nothing to hide")
	if r.Error(plain) != plain {
		t.Fatal("an error without secrets is not returned as is")
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestRedactHandler(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.Add("hunter22")
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewTextHandler(&buf, nil)
		if format == "json" {
			h = slog.NewJSONHandler(&buf, nil)
		}
		log := slog.New(r.Handler(h)).With("bound", "x hunter22").WithGroup("g")
		log.Info("msg hunter22 http://u:p@h/",
			"str", "hunter22",
			"err", fmt.Errorf("wrapped: %q", "hunter22"),
			"stringer", stringer{"s=hunter22"},
			"list", []string{"a", "hunter22"},
			slog.Group("grp", "inner", "hunter22"),
			"num", 42,
			"plain", "ok",
		)
		out := buf.String()
		if strings.Contains(out, "hunter22") || strings.Contains(out, "u:p@") {
			t.Errorf("%s: secret printed:\n%s", format, out)
		}
		if n := strings.Count(out, "***"); n < 8 {
			t.Errorf("%s: %d redactions, want 8:\n%s", format, n, out)
		}
		if !strings.Contains(out, "42") || !strings.Contains(out, "ok") {
			t.Errorf("%s: plain attributes lost:\n%s", format, out)
		}
	}
	// Wrapping twice does not redact twice.
	h := r.Handler(slog.DiscardHandler)
	if r.Handler(h) != h {
		t.Error("Handler wraps its own handler again")
	}
}

// Every secret that substitution resolves is recorded, from the
// environment and from the keyring function alike.
func TestSubstitutionRecordsSecrets(t *testing.T) {
	t.Setenv("EVENTUM_SECRET_ENV_PW", "from-env-1")
	r := NewRedactor()
	vars := Vars{Redactor: r, Secret: func(name string) (string, bool, error) {
		return "from-keyring-" + name, name != "missing", nil
	}}
	_, err := Parse("gen.yml", []byte("a: ${secrets.env_pw}\nb: x${secrets.kr}x\nc: ${secrets.get('missing', 'dflt')}\n"), vars)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Redact("from-env-1 from-keyring-kr dflt"); got != "*** *** dflt" {
		t.Fatalf("got %q", got)
	}
}
