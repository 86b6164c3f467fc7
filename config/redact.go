package config

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Redaction by value: every secret value resolved while loading configs is
// recorded in a Redactor, and every string the program prints (errors, log
// lines, API answers, summaries) passes Redact before it is written. This
// works however a secret reached the text: quoted by a validation error,
// wrapped into a URL that an output's error message repeats, rendered by a
// failing template expression.

// MinSecretLen is the shortest secret value that is redacted: shorter ones
// ("1", "yes") would blank out ordinary text and say little anyway.
const MinSecretLen = 4

// Redacted replaces a secret value (and a URL's user info) in printed text.
const Redacted = "***"

// Redactor collects secret values and hides them in text. It is safe for
// concurrent use; Redact costs one atomic load and a scan for "://" while
// no secret is recorded.
type Redactor struct {
	mu     sync.Mutex
	values map[string]bool
	rep    atomic.Pointer[strings.Replacer] // nil until a value is added
}

// NewRedactor returns an empty redactor.
func NewRedactor() *Redactor { return &Redactor{} }

// Secrets is the process's redactor: ${secrets.x} substitution records every
// value it resolves here (unless Vars.Redactor names another one), and the
// commands and the server pass what they print through Redact.
var Secrets = NewRedactor()

// Redact hides the recorded secrets and URL user info in s using Secrets.
func Redact(s string) string { return Secrets.Redact(s) }

// Add records a secret value; values shorter than MinSecretLen are ignored.
func (r *Redactor) Add(value string) {
	if len(value) < MinSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values[value] {
		return
	}
	if r.values == nil {
		r.values = map[string]bool{}
	}
	r.values[value] = true
	// Each value is replaced as it is and as quoting (%q, JSON) writes it.
	forms := map[string]bool{}
	for v := range r.values {
		forms[v] = true
		if q := strconv.Quote(v); len(q) > 2 {
			forms[q[1:len(q)-1]] = true
		}
		for _, html := range []bool{false, true} {
			if q := jsonString(v, html); len(q) > 2 {
				forms[q[1:len(q)-1]] = true
			}
		}
	}
	list := make([]string, 0, len(forms))
	for f := range forms {
		list = append(list, f)
	}
	// The replacer tries its patterns in argument order at each position:
	// longest first, so a secret containing another is hidden whole.
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	pairs := make([]string, 0, 2*len(list))
	for _, f := range list {
		pairs = append(pairs, f, Redacted)
	}
	r.rep.Store(strings.NewReplacer(pairs...))
}

func jsonString(s string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// Redact returns s with every recorded secret value replaced by *** and
// the user info of every URL in it (scheme://user:password@host) replaced
// by ***.
func (r *Redactor) Redact(s string) string {
	if rep := r.rep.Load(); rep != nil {
		s = rep.Replace(s)
	}
	return RedactURLs(s)
}

// RedactURLs replaces the user info of each URL in s (the part between
// "://" and "@" in the host part) with ***. It works on text that does not
// parse as a URL, such as an error message quoting several.
func RedactURLs(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + 3
		// The authority ends at the path, query or fragment, or where the
		// URL ends in prose (space, quote, bracket).
		end := start + strings.IndexFunc(rest[start:], func(c rune) bool {
			return strings.ContainsRune("/?#\"'`<>()[]{} \t\r\n", c)
		})
		if end < start {
			end = len(rest)
		}
		at := strings.LastIndexByte(rest[start:end], '@')
		if at <= 0 {
			b.WriteString(rest[:end])
			rest = rest[end:]
			continue
		}
		b.WriteString(rest[:start])
		b.WriteString(Redacted)
		b.WriteString(rest[start+at : end])
		rest = rest[end:]
	}
	b.WriteString(rest)
	return b.String()
}

// Error returns err with its message redacted (nil stays nil). The result
// keeps err in its chain for errors.Is/As; only its text changes.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.Redact(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Handler wraps h so that the message and every attribute of each record
// are redacted before h formats them. Attributes bound with WithAttrs are
// redacted when they are bound.
func (r *Redactor) Handler(h slog.Handler) slog.Handler {
	if rh, ok := h.(*redactHandler); ok && rh.r == r {
		return h
	}
	return &redactHandler{h: h, r: r}
}

type redactHandler struct {
	h slog.Handler
	r *Redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &redactHandler{h: h.h.WithAttrs(red), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: h.h.WithGroup(name), r: h.r}
}

// attr redacts one attribute: strings, errors and other values whose text
// holds a secret become redacted strings; groups are walked.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, ga := range g {
			red[i] = h.attr(ga)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		default:
			text = fmt.Sprint(x)
		}
		if red := h.r.Redact(text); red != text {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
