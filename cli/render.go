package cli

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts"
)

// render: the template author's loop. It builds only the event plugin (no
// inputs, no outputs), calls it for one timestamp (or --count of them)
// and prints the events, one per line.
func renderCommand() *cli.Command {
	return &cli.Command{
		Name:  "render",
		Usage: "render a template (or a generator's event plugin) for a timestamp and print the events",
		Description: "With --template FILE the template is rendered alone (its params come from --param/--params);\n" +
			"include/import names resolve against the nearest folder above it holding a generator.yml, else its own.\n" +
			"With --path GENERATOR the generator's whole event plugin runs (modes, samples, fsm); --param/--params\n" +
			"then fill ${params.x} in the generator file as in `generate`. Outputs are not opened.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "template", Aliases: []string{"t"}, Usage: "template file (.jinja) to render alone", TakesFile: true},
			&cli.StringFlag{Name: "path", Usage: "generator config whose event plugin to render", TakesFile: true},
			&cli.StringFlag{Name: "timestamp", Usage: "the timestamp (RFC 3339, or YYYY-MM-DD[THH:MM:SS] in --timezone); default now"},
			&cli.StringFlag{Name: "tags", Usage: "comma-separated tags of the timestamp"},
			&cli.StringFlag{Name: "params", Usage: `parameters as a JSON object, e.g. '{"host": "db"}'`},
			&cli.StringSliceFlag{Name: "param", Usage: "one parameter NAME=VALUE (repeatable; VALUE is read as YAML)"},
			cryptfileFlag(),
			&cli.Uint64Flag{Name: "seed", Usage: "seed the random source (same seed, same events)"},
			&cli.IntFlag{Name: "count", Value: 1, Usage: "number of timestamps to render"},
			&cli.Float64Flag{Name: "step", Value: 0, Usage: "seconds between the timestamps of --count"},
			&cli.StringFlag{Name: "timezone", Value: "UTC", Usage: "time zone of the timestamp (IANA name)"},
			&cli.StringFlag{Name: "log-level", Value: "error", Usage: "debug, info, warn or error (template warnings are printed anyway)"},
		},
		Action: func(c *cli.Context) error {
			if err := runRender(c); err != nil {
				return cli.Exit(fmt.Sprintf("eventum render: %v", err), 1)
			}
			return nil
		},
	}
}

func runRender(c *cli.Context) error {
	tmpl, path := c.String("template"), c.String("path")
	if (tmpl == "") == (path == "") {
		return errors.New("give either --template FILE or --path GENERATOR")
	}
	loc, err := time.LoadLocation(c.String("timezone"))
	if err != nil {
		return fmt.Errorf("--timezone %q: %w", c.String("timezone"), err)
	}
	ts := time.Now().In(loc)
	if s := c.String("timestamp"); s != "" {
		if ts, err = parseRenderTime(s, loc); err != nil {
			return err
		}
	}
	vars, err := varsFromFlags(c)
	if err != nil {
		return err
	}
	params := vars.Params
	log, err := newLogger(c.App.ErrWriter, c.String("log-level"))
	if err != nil {
		return err
	}
	seed := rand.Uint64()
	if c.IsSet("seed") {
		seed = c.Uint64("seed")
	}
	// As in generate: the i-th timestamp draws from (seed, i).
	stream := pipeline.NewStream(seed)
	var tags []string
	for _, t := range strings.Split(c.String("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	env := &plugin.Env{
		ID: "render", Location: loc, Now: ts, Rand: stream.Rand,
		InputTags: [][]string{tags}, Logger: log, Stdout: c.App.Writer, Stderr: c.App.ErrWriter,
	}

	var prod scripts.Producer
	if tmpl != "" {
		var name string
		env.Dir, name = templateRoot(tmpl)
		prod, err = renderTemplateFile(name, params, env)
	} else {
		var gc *config.Generator
		if gc, err = config.LoadGenerator(path, vars); err != nil {
			return err
		}
		env.Dir, env.Params = gc.Dir, params
		prod, _, err = scripts.Registry.Build(gc.Event, env)
	}
	if err != nil {
		return err
	}
	if cl, ok := prod.(scripts.Closer); ok {
		defer cl.Close()
	}
	if w, ok := prod.(interface{ Warnings() []string }); ok {
		for _, msg := range w.Warnings() {
			fmt.Fprintln(c.App.ErrWriter, "warning:", config.Redact(msg))
		}
	}
	return renderEvents(c.App.Writer, prod, stream, ts, c.Int("count"), seconds(c.Float64("step")))
}

func renderEvents(w io.Writer, prod scripts.Producer, stream *pipeline.Stream, ts time.Time, count int, step time.Duration) error {
	var events []string
	indexed, _ := prod.(scripts.Indexed)
	for i := range count {
		stream.At(uint64(i))
		if indexed != nil {
			indexed.SetIndex(uint64(i))
		}
		var err error
		events, err = prod.Produce(ts.Add(time.Duration(i)*step).UnixNano(), 0, events[:0])
		for _, ev := range events {
			if _, werr := io.WriteString(w, ev+"\n"); werr != nil {
				return werr
			}
		}
		if errors.Is(err, scripts.ErrExhausted) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// generatorFiles are the names that mark a generator's folder.
var generatorFiles = []string{"generator.yml", "generator.yaml"}

// templateRoot returns the folder a template rendered alone resolves its
// include/import names against, and the template's name in it: the nearest
// folder above it holding a generator file (as when the generator runs),
// else the template's own folder.
func templateRoot(tmpl string) (dir, name string) {
	abs, err := filepath.Abs(tmpl)
	if err != nil {
		return filepath.Dir(tmpl), filepath.Base(tmpl)
	}
	for d := filepath.Dir(abs); ; {
		for _, g := range generatorFiles {
			if fi, err := os.Stat(filepath.Join(d, g)); err == nil && fi.Mode().IsRegular() {
				rel, err := filepath.Rel(d, abs)
				if err == nil {
					return d, filepath.ToSlash(rel)
				}
			}
		}
		up := filepath.Dir(d)
		if up == d {
			return filepath.Dir(tmpl), filepath.Base(tmpl)
		}
		d = up
	}
}

// renderTemplateFile builds the template plugin for the one file name
// (in env.Dir), with params as its `params`.
func renderTemplateFile(name string, params map[string]any, env *plugin.Env) (scripts.Producer, error) {
	alias := strings.TrimSuffix(name, filepath.Ext(name))
	cfg := &scripts.TemplateConfig{
		Mode:      "all",
		Templates: []map[string]*scripts.TemplateEntry{{alias: {Template: name}}},
		Params:    params,
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return scripts.NewTemplate(cfg, env)
}

func parseRenderTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--timestamp %q: use RFC 3339 (2026-01-02T15:04:05Z) or YYYY-MM-DD[THH:MM:SS]", s)
}
