package formatters

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"go.starlark.net/starlark"

	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts/jinja"
	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
)

// TemplateFormatConfig configures the template and template-batch
// formatters: a Jinja-syntax template (see docs/templates.md) given inline
// or as a file.
//
//	formatter: {format: template, template: '{"msg": {{ event | tojson }}}'}
//	formatter: {format: template-batch, path: templates/bulk.jinja}
type TemplateFormatConfig struct {
	Template     string `yaml:"template" doc:"the template source"`
	Path         string `yaml:"path" type:"path" doc:"a template file (relative to the generator file)"`
	TemplatePath string `yaml:"template_path" type:"path" doc:"the original's name for 'path'"`
}

// Validate checks that exactly one source is given.
func (c *TemplateFormatConfig) Validate() error {
	n := 0
	for _, s := range []string{c.Template, c.Path, c.TemplatePath} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("give the template inline (template:) or as a file (path:), exactly one of them")
	}
	return nil
}

// TemplateFormatter renders each event (template: the event is `event`)
// or each batch (template-batch: the list of events is `events`) through a
// template. Templates also see `module` (with its own random source,
// seeded from the generator's) and `params`. A failed render counts the
// event (or the whole batch) as format_failed.
type TemplateFormatter struct {
	inst   *jinja.Instance
	thread *starlark.Thread
	call   *guard.Call // the heap watchdog's handle
	batch  bool
	// maxSteps bounds one render (maxFormatSteps).
	maxSteps uint64
	buf      []byte
	vals     []starlark.Value
}

func init() {
	for _, name := range []string{"template", "template-batch"} {
		batch := name == "template-batch"
		plugin.Register(Registry, name,
			nil,
			func(c *TemplateFormatConfig, env *plugin.Env) (Formatter, error) {
				return NewTemplateFormatter(c, env, batch)
			})
	}
}

// NewTemplateFormatter compiles the configured template; env may be nil.
func NewTemplateFormatter(c *TemplateFormatConfig, env *plugin.Env, batch bool) (*TemplateFormatter, error) {
	if env == nil {
		env = &plugin.Env{}
	}
	name, src := "<template>", c.Template
	if p := c.Path + c.TemplatePath; p != "" {
		key := "path"
		if c.TemplatePath != "" {
			key = "template_path"
		}
		b, err := env.ReadFile(key, p)
		if err != nil {
			return nil, err
		}
		name, src = p, string(b)
	}
	arg := "event"
	if batch {
		arg = "events"
	}
	opts := jinja.Options{
		Loader: func(n string) (string, error) {
			b, err := env.ReadFile("include", filepath.FromSlash(n))
			return string(b), err
		},
		Outside:     func(n string) error { return env.RefuseOutside("include", n) },
		Globals:     []string{"module", "params"},
		AttrGlobals: []string{"module"},
		Args:        []string{arg},
	}
	t, err := jinja.Compile(name, src, opts)
	if err != nil {
		return nil, err
	}
	// The formatter runs on an output goroutine: it gets its own random
	// source, seeded (at build time, on the builder's goroutine) from the
	// generator's, so --seed runs stay reproducible.
	var r *rand.Rand
	if env.Rand != nil {
		r = rand.New(rand.NewPCG(env.Rand.Uint64(), env.Rand.Uint64()))
	} else {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	loc := env.Location
	if loc == nil {
		loc = time.UTC
	}
	params, err := starlib.ToStarlark(env.Params)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	if env.Params == nil {
		params = starlark.NewDict(0)
	}
	params.Freeze()
	maxHeap, err := guard.MaxHeap()
	if err != nil {
		return nil, err
	}
	f := &TemplateFormatter{thread: &starlark.Thread{Name: "formatter " + name}, batch: batch, maxSteps: maxFormatSteps}
	f.call = guard.Watch(f.thread, maxHeap)
	f.thread.SetLocal("rand", r)
	f.call.Enter()
	f.inst, err = t.NewInstance(f.thread, starlark.StringDict{"module": starlib.NewModule(r, loc), "params": params})
	f.call.Leave()
	if err != nil {
		return nil, err
	}
	return f, nil
}

// maxFormatSteps bounds one render, so a runaway loop fails the event.
const maxFormatSteps = 100_000_000

// Format implements Formatter.
func (f *TemplateFormatter) Format(events []string, out *Formatted) {
	out.Reset()
	if f.batch {
		if len(events) == 0 {
			return
		}
		f.vals = f.vals[:0]
		for _, ev := range events {
			f.vals = append(f.vals, starlark.String(ev))
		}
		list := starlark.NewList(f.vals)
		b, err := f.render(list)
		f.vals = f.vals[:0]
		if err != nil {
			out.Fail(fmt.Errorf("template-batch: %w", err))
			out.Failed += len(events) - 1
			return
		}
		out.Payloads = append(out.Payloads, string(b))
		out.Counts = []int{len(events)}
		return
	}
	for _, ev := range events {
		b, err := f.render(starlark.String(ev))
		if err != nil {
			out.Fail(fmt.Errorf("template: %w", err))
			continue
		}
		out.Payloads = append(out.Payloads, string(b))
	}
}

func (f *TemplateFormatter) render(v starlark.Value) ([]byte, error) {
	// A render that ran out of steps left the thread cancelled: clear it,
	// so only that event failed.
	f.thread.Uncancel()
	f.thread.SetMaxExecutionSteps(f.thread.ExecutionSteps() + f.maxSteps)
	var err error
	f.call.Enter()
	f.buf, err = f.inst.Render(f.thread, f.buf[:0], v)
	f.call.Leave()
	return f.buf, err
}
