package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/inputs"
	"github.com/eventum-go/eventum/plugin"
)

// problem is one validation error, placed in a file of the generator
// directory when it names one.
type problem struct {
	File    string `json:"file,omitempty"` // relative to the generator directory
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
}

type validation struct {
	OK       bool      `json:"ok"`
	Problems []problem `json:"problems"`
}

// fileLine matches "file:line[:col]: message" in errors that are not
// *config.Error (templates and scripts report their own lines this way).
var fileLine = regexp.MustCompile(`^(.+?):(\d+)(?::(\d+))?: (.*)$`)

// problemsOf places each error of err relative to dir.
func problemsOf(err error, dir string) []problem {
	var out []problem
	for _, e := range config.Flatten(err) {
		var ce *config.Error
		p := problem{Message: config.Redact(e.Error())}
		if errors.As(e, &ce) {
			p = problem{File: ce.File, Line: ce.Line, Col: ce.Col, Key: ce.Path, Message: config.Redact(ce.Msg)}
		} else if m := fileLine.FindStringSubmatch(e.Error()); m != nil {
			p.File = m[1]
			p.Line, _ = strconv.Atoi(m[2])
			p.Col, _ = strconv.Atoi(m[3])
			p.Message = config.Redact(m[4])
		}
		if p.File != "" {
			if rel, err := filepath.Rel(dir, p.File); err == nil && filepath.IsLocal(rel) {
				p.File = filepath.ToSlash(rel)
			} else if !filepath.IsAbs(p.File) {
				p.File = filepath.ToSlash(p.File)
			} else {
				p.File = filepath.Base(p.File)
			}
		}
		out = append(out, p)
	}
	return out
}

// paramsFor are the params of the first loaded generator whose config is
// in the directory name (validation and previews of a directory use them).
func (a *App) paramsFor(name string) map[string]any {
	dir := filepath.Join(a.Settings.Path.GeneratorsDir, name)
	for _, info := range a.Manager.List() {
		if filepath.Dir(a.Manager.ConfigPath(info.Entry)) == dir {
			return info.Entry.Params
		}
	}
	return nil
}

// validateConfig builds the generator of directory {name} (config, every
// plugin, template and script), confined, without running it.
func (a *App) validateConfig(w http.ResponseWriter, r *http.Request) {
	root, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	root.Close()
	name := r.PathValue("name")
	writeJSON(w, http.StatusOK, a.validateDir(name))
}

func (a *App) validateDir(name string) validation {
	dir := filepath.Join(a.Settings.Path.GeneratorsDir, name)
	e := Entry{ID: "validate-" + name, Path: name, Params: a.paramsFor(name), Generation: a.Settings.Generation.clone()}
	gen, _, err := a.Manager.build(e, true)
	if err == nil {
		err = gen.Close()
	}
	if err != nil {
		return validation{Problems: problemsOf(err, dir)}
	}
	return validation{OK: true, Problems: []problem{}}
}

// Input timestamps for the Studio's chart: the inputs of a generator run
// in sample mode, counted per span.

const (
	defaultTimestampsSize = 1000
	maxTimestampsSize     = 1_000_000
	autoSpans             = 100
)

// aggregatedTimestamps follows the original's answer (span_edges,
// span_counts per input, total, first and last) without the raw list.
type aggregatedTimestamps struct {
	SpanEdges   []time.Time        `json:"span_edges"`
	SpanSeconds float64            `json:"span_seconds"`
	SpanCounts  map[string][]int64 `json:"span_counts"`
	Labels      []string           `json:"labels"`
	Total       int                `json:"total"`
	First       *time.Time         `json:"first_timestamps"`
	Last        *time.Time         `json:"last_timestamps"`
	Truncated   bool               `json:"truncated"`
}

// inputTimestamps answers POST /api/preview/{name}/input-plugins/generate:
// the body is the original's list of input plugin configs, or empty for
// the inputs of the directory's generator config. Query: size (most
// timestamps), span (a bucket: Go duration or seconds; default: about 100
// buckets), skip_past (drop timestamps before now), start and end (ISO
// 8601: count only [start, end)), timezone.
func (a *App) inputTimestamps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size := defaultTimestampsSize
	if s := q.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxTimestampsSize {
			writeError(w, http.StatusBadRequest, "invalid size", fmt.Sprintf("size must be 1..%d, got %q", maxTimestampsSize, s))
			return
		}
		size = n
	}
	var span time.Duration
	if s := q.Get("span"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil {
				writeError(w, http.StatusBadRequest, "invalid span", fmt.Sprintf("%q is neither a duration (1h, 15m) nor seconds", s))
				return
			}
			d = time.Duration(f * float64(time.Second))
		}
		if d <= 0 {
			writeError(w, http.StatusBadRequest, "invalid span", "span must be positive")
			return
		}
		span = d
	}
	skipPast := q.Get("skip_past") == "true"
	var rng timeRange
	for _, b := range []struct {
		key string
		dst *int64
	}{{"start", &rng.from}, {"end", &rng.to}} {
		if v := q.Get(b.key); v != "" {
			ts, err := parseTimestamp([]byte(strconv.Quote(v)), time.UTC)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid "+b.key, err.Error())
				return
			}
			*b.dst = ts
		}
	}
	loc := time.UTC
	if tz := q.Get("timezone"); tz != "" {
		var err error
		if loc, err = time.LoadLocation(tz); err != nil {
			writeError(w, http.StatusBadRequest, "unknown time zone", tz)
			return
		}
	}
	name := r.PathValue("name")
	root, ok := a.genDir(w, r, true)
	if !ok {
		return
	}
	root.Close()
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	dir := filepath.Join(a.Settings.Path.GeneratorsDir, name)
	conf := a.Manager.confinement()
	vars := config.Vars{Params: a.paramsFor(name), Secret: a.keyring.Lookup, Env: a.Settings.Generation.EnvPolicy()}
	plugins, code, err := a.inputPlugins(dir, data, vars, conf)
	if err != nil {
		if len(conf.Refused()) > 0 {
			code = http.StatusForbidden
		}
		writeError(w, code, "cannot build the input plugins", errorDetails(err))
		return
	}
	now := time.Now()
	env := &plugin.Env{
		ID: "preview", Dir: dir, Location: loc, Now: now, Live: false, SkipPast: skipPast,
		Rand:   rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		Params: vars.Params, Logger: slog.New(slog.DiscardHandler), Confine: conf,
	}
	res, err := collectTimestamps(r.Context(), plugins, env, size, span, skipPast, rng)
	if err != nil {
		code := http.StatusUnprocessableEntity
		if len(conf.Refused()) > 0 {
			code = http.StatusForbidden
		}
		writeError(w, code, "cannot generate timestamps", errorDetails(err))
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// inputPlugins reads the input plugin configs of the body (a JSON list),
// or of the directory's generator config.
func (a *App) inputPlugins(dir string, body []byte, vars config.Vars, conf *plugin.Confinement) ([]config.Plugin, int, error) {
	var doc *config.Document
	var err error
	if b := bytes.TrimSpace(body); len(b) > 0 && string(b) != "null" {
		var top yaml.Node
		if !json.Valid(b) || yaml.Unmarshal(b, &top) != nil || len(top.Content) == 0 || top.Content[0].Kind != yaml.SequenceNode {
			return nil, http.StatusBadRequest, errors.New("body: expected a JSON list of input plugin configs, or null")
		}
		node := top.Content[0]
		var buf bytes.Buffer
		if err := yaml.NewEncoder(&buf).Encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "input"}, node}}); err != nil {
			return nil, http.StatusBadRequest, err
		}
		doc, err = config.Parse(filepath.Join(dir, "request body"), buf.Bytes(), vars)
		if err != nil {
			return nil, http.StatusUnprocessableEntity, err
		}
	} else {
		file := filepath.Join(dir, a.Settings.Path.GeneratorConfigFilename)
		data, err := conf.ReadFile("path", file)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, http.StatusNotFound, fmt.Errorf("no generator config in %q", filepath.Base(dir))
		}
		if err != nil {
			return nil, http.StatusInternalServerError, err
		}
		if doc, err = config.Parse(file, data, vars); err != nil {
			return nil, http.StatusUnprocessableEntity, err
		}
	}
	var g struct {
		Input []config.Plugin `yaml:"input" required:"true"`
	}
	// A whole generator config has event and output too: only input matters.
	if err = config.Decode(doc.File, "", doc.Root, &g, "event", "output"); err != nil {
		return nil, http.StatusUnprocessableEntity, err
	}
	if len(g.Input) == 0 {
		return nil, http.StatusUnprocessableEntity, errors.New("input: at least one input plugin is required")
	}
	return g.Input, 0, nil
}

// collectTimestamps runs each non-interactive input until it has given
// size timestamps (or ends), merges them, keeps the first size and counts
// them per span and input.
// timeRange bounds the counted timestamps (0: unbounded).
type timeRange struct{ from, to int64 }

func collectTimestamps(ctx context.Context, plugins []config.Plugin, env *plugin.Env, size int, span time.Duration, skipPast bool, rng timeRange) (aggregatedTimestamps, error) {
	type stamp struct {
		t   int64
		src int
	}
	var all []stamp
	labels := make([]string, len(plugins))
	truncated := false
	nowNS := env.Now.UnixNano()
	errStop := errors.New("enough")
	for i, p := range plugins {
		labels[i] = fmt.Sprintf("%d: %s", i, p.Name)
		in, _, err := inputs.Registry.Build(p, env)
		if err != nil {
			return aggregatedTimestamps{}, err
		}
		if ia, ok := in.(inputs.Interactive); ok && ia.Interactive() {
			continue
		}
		n := 0
		cctx, cancel := context.WithCancel(ctx)
		err = in.Generate(cctx, func(ts []int64) error {
			for _, t := range ts {
				if skipPast && t < nowNS || rng.from != 0 && t < rng.from {
					continue
				}
				if rng.to != 0 && t >= rng.to {
					return errStop // inputs are sorted: nothing later counts
				}
				all = append(all, stamp{t, i})
				n++
				if n >= size {
					truncated = true
					return errStop
				}
			}
			return nil
		})
		cancel()
		if c, ok := in.(interface{ Close() error }); ok {
			_ = c.Close()
		}
		if err != nil && !errors.Is(err, errStop) {
			return aggregatedTimestamps{}, fmt.Errorf("input[%d] %s: %w", i, p.Name, err)
		}
	}
	slices.SortStableFunc(all, func(a, b stamp) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	if len(all) > size {
		all, truncated = all[:size], true
	}
	res := aggregatedTimestamps{SpanCounts: map[string][]int64{}, Labels: labels, Total: len(all), SpanEdges: []time.Time{}, Truncated: truncated}
	for i := range plugins {
		res.SpanCounts[strconv.Itoa(i)] = []int64{}
	}
	if len(all) == 0 {
		return res, nil
	}
	first, last := all[0].t, all[len(all)-1].t
	if span <= 0 {
		span = niceSpan(time.Duration(last-first) / autoSpans)
	}
	start := time.Unix(0, first).In(env.Location).Truncate(span) // aligned spans
	buckets := int((last-start.UnixNano())/int64(span)) + 1
	if buckets > 100_000 {
		return res, fmt.Errorf("span %s makes %d buckets: choose a longer span", span, buckets)
	}
	for i := range plugins {
		res.SpanCounts[strconv.Itoa(i)] = make([]int64, buckets)
	}
	for _, s := range all {
		res.SpanCounts[strconv.Itoa(s.src)][(s.t-start.UnixNano())/int64(span)]++
	}
	for b := 0; b <= buckets; b++ {
		res.SpanEdges = append(res.SpanEdges, start.Add(time.Duration(b)*span))
	}
	f, l := time.Unix(0, first).In(env.Location), time.Unix(0, last).In(env.Location)
	res.First, res.Last, res.SpanSeconds = &f, &l, span.Seconds()
	return res, nil
}

// niceSpan rounds d up to a readable bucket (1s, 5s, 1m, 15m, 1h, 1d…).
func niceSpan(d time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond, time.Second, 5 * time.Second,
		15 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour} {
		if d <= s {
			return s
		}
	}
	return (d/(24*time.Hour) + 1) * 24 * time.Hour
}
