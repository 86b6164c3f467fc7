package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/pipeline"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/server"
)

// generatorFileNames are the files `validate --path DIR` checks under DIR.
var generatorFileNames = map[string]bool{"generator.yml": true, "generator.yaml": true, "generator.toml": true}

func validateCommand() *cli.Command {
	var flags []cli.Flag
	for _, f := range generatorFlags() {
		switch f.Names()[0] {
		case "path":
			f = &cli.StringSliceFlag{Name: "path", TakesFile: true,
				Usage: "generator config file, or a directory: every generator.yml (.yaml, .toml) under it (repeatable)"}
		case "log-level":
			f = &cli.StringFlag{Name: "log-level", Value: "error", Usage: "debug, info, warn or error (problems and warnings are reported anyway)"}
		}
		flags = append(flags, f)
	}
	flags = append(flags,
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, TakesFile: true,
			Usage: "an application config (eventum.yml): check it, its startup file and every generator the startup file lists"},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "text, or json (one document on stdout, for CI)"},
		&cli.BoolFlag{Name: "strict", Usage: "treat warnings (template names never defined) as problems"},
	)
	return &cli.Command{
		Name:  "validate",
		Usage: "check generators (and an application config) without producing events",
		Description: "Loads each generator as `generate` would — plugins, scripts, templates, samples — and closes it\n" +
			"without producing or writing anything. Exit code: 0 when everything is fine, 1 when a problem\n" +
			"was found (or a warning, with --strict), 2 for bad flags.",
		Flags:  flags,
		Action: runValidate,
	}
}

// validation is the outcome for one checked file.
type validation struct {
	File      string       `json:"file"`
	Generator string       `json:"generator,omitempty"` // the startup entry's id (--config)
	OK        bool         `json:"ok"`
	Problems  []lintRecord `json:"problems"`
	Warnings  []string     `json:"warnings"`
}

// lintRecord is one problem, positioned when the config layer knows where.
type lintRecord struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
	Text    string `json:"text"` // the whole message as the text format prints it
}

func record(err error) lintRecord {
	r := lintRecord{Text: config.Redact(err.Error()), Message: config.Redact(err.Error())}
	var ce *config.Error
	if errors.As(err, &ce) {
		r.File, r.Line, r.Column, r.Key, r.Message = ce.File, ce.Line, ce.Col, ce.Path, config.Redact(ce.Msg)
	}
	return r
}

func (v *validation) fail(err error) {
	for _, p := range config.Flatten(err) {
		v.Problems = append(v.Problems, record(p))
	}
}

func runValidate(c *cli.Context) error {
	paths, cfg := c.StringSlice("path"), c.String("config")
	if len(paths) == 0 && cfg == "" {
		return usageError(c, errors.New("give --path (a generator file or directory, repeatable) or --config (eventum.yml)"))
	}
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageError(c, fmt.Errorf("--format %q: use text or json", format))
	}
	vars, err := varsFromFlags(c)
	if err != nil {
		return usageError(c, err)
	}
	base := pipeline.DefaultSettings()
	base.Live = false
	if base, err = withTimezone(c, base); err != nil {
		return err
	}
	if _, err := newLogger(c.App.ErrWriter, c.String("log-level")); err != nil {
		return usageError(c, err)
	}
	var results []*validation
	for _, p := range paths {
		files, err := generatorFilesUnder(p)
		if err != nil {
			v := &validation{File: p}
			v.fail(err)
			results = append(results, v)
			continue
		}
		for _, f := range files {
			v, err := validateGenerator(c, f, c.String("id"), vars, base, false)
			if err != nil {
				return err
			}
			results = append(results, v)
		}
	}
	if cfg != "" {
		rs, err := validateApp(c, cfg, base)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	strict := c.Bool("strict")
	failed := 0
	for _, v := range results {
		v.OK = len(v.Problems) == 0 && (!strict || len(v.Warnings) == 0)
		if v.Problems == nil {
			v.Problems = []lintRecord{}
		}
		if v.Warnings == nil {
			v.Warnings = []string{}
		}
		if !v.OK {
			failed++
		}
	}
	if format == "json" {
		out := struct {
			OK    bool          `json:"ok"`
			Files []*validation `json:"files"`
		}{failed == 0, results}
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for _, v := range results {
			name := v.File
			if v.Generator != "" {
				name = fmt.Sprintf("%s (generator %s)", v.File, v.Generator)
			}
			for _, p := range v.Problems {
				fmt.Fprintln(c.App.ErrWriter, p.Text)
			}
			for _, w := range v.Warnings {
				fmt.Fprintf(c.App.ErrWriter, "%s: warning: %s\n", name, config.Redact(w))
			}
			switch {
			case len(v.Problems) > 0:
				fmt.Fprintf(c.App.ErrWriter, "%s: %d problem(s)\n", name, len(v.Problems))
			case !v.OK:
				fmt.Fprintf(c.App.ErrWriter, "%s: %d warning(s) (--strict)\n", name, len(v.Warnings))
			default:
				fmt.Fprintf(c.App.Writer, "%s: OK\n", name)
			}
		}
	}
	if failed > 0 {
		return cli.Exit("", 1)
	}
	return nil
}

// generatorFilesUnder is path itself, or every generator file under the directory path.
func generatorFilesUnder(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && generatorFileNames[d.Name()] {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no generator.yml (.yaml, .toml) under this directory", path)
	}
	sort.Strings(files)
	return files, nil
}

// validateGenerator builds one generator as sample mode would and closes it.
// The error is for the command itself (bad flags), not the file's problems.
func validateGenerator(c *cli.Context, file, id string, vars config.Vars, s pipeline.Settings, noSubprocess bool) (*validation, error) {
	v := &validation{File: displayPath(file)}
	log, err := newLogger(c.App.ErrWriter, c.String("log-level"))
	if err != nil {
		return nil, usageError(c, err)
	}
	gc, err := config.LoadGenerator(file, vars)
	if err != nil {
		v.fail(err)
		return v, nil
	}
	if id == "" {
		id = filepath.Base(gc.Dir)
	}
	gen, err := pipeline.Build(gc, pipeline.Options{ID: id, Settings: s, Params: vars.Params, Logger: log,
		Stdout: c.App.Writer, Stderr: c.App.ErrWriter, Configure: func(env *plugin.Env) { env.NoSubprocess = noSubprocess }})
	if err != nil {
		v.fail(err)
		return v, nil
	}
	v.Warnings = gen.Warnings()
	if err := gen.Close(); err != nil {
		v.fail(err)
	}
	return v, nil
}

func withTimezone(c *cli.Context, s pipeline.Settings) (pipeline.Settings, error) {
	loc, err := time.LoadLocation(c.String("timezone"))
	if err != nil {
		return s, usageError(c, fmt.Errorf("--timezone %q: %w", c.String("timezone"), err))
	}
	s.Location = loc
	return s, nil
}

// displayPath is path relative to the working directory when it is below it.
func displayPath(path string) string {
	wd, err := os.Getwd()
	if err != nil || !filepath.IsAbs(path) {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}

// validateApp checks an application config, its startup file and every
// generator the startup file lists (with the entry's params).
func validateApp(c *cli.Context, file string, base pipeline.Settings) ([]*validation, error) {
	app := &validation{File: file}
	s, err := server.LoadSettings(file)
	if err != nil {
		app.fail(err)
		return []*validation{app}, nil
	}
	results := []*validation{app}
	kr := server.NewKeyring(s.Path.KeyringCryptfile)
	entries, problems, err := server.LoadStartup(s.Path.Startup, s.Generation, config.Vars{Secret: kr.Lookup})
	startup := &validation{File: displayPath(s.Path.Startup)}
	results = append(results, startup)
	if err != nil {
		startup.fail(err)
		return results, nil
	}
	for _, p := range problems {
		startup.fail(p)
	}
	if _, statErr := os.Stat(s.Path.Startup); statErr != nil {
		startup.fail(fmt.Errorf("startup file: %w", statErr))
	}
	for _, e := range entries {
		path := e.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.Path.GeneratorsDir, path)
		}
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			path = filepath.Join(path, s.Path.GeneratorConfigFilename)
		}
		v, err := validateGenerator(c, path, e.ID, config.Vars{Params: e.Params, Secret: kr.Lookup}, base, !e.AllowSubprocess)
		if err != nil {
			return nil, err
		}
		v.Generator = e.ID
		results = append(results, v)
	}
	return results, nil
}
