package scripts

import (
	"errors"
	"fmt"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
)

// ScriptConfig configures the script event plugin:
//
//	event:
//	  script:
//	    path: scripts/produce.star
type ScriptConfig struct {
	// Path of the Starlark file, relative to the generator file's directory.
	Path string `yaml:"path" required:"true" type:"path" doc:"the Starlark file, relative to the generator file's directory"`
}

// Validate checks the config after decoding.
func (c *ScriptConfig) Validate() error {
	if c.Path == "" {
		return errors.New("path: must not be empty")
	}
	return nil
}

func init() {
	plugin.Register(Registry, "script", nil, newScript)
}

// scriptFileOptions are the Starlark dialect of scripts: while loops,
// top-level if/for, reassignable globals and recursion are allowed.
var scriptFileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
	Recursion:       true,
}

var (
	keyTimestamp = starlark.String("timestamp")
	keyTags      = starlark.String("tags")
)

// Script is the producer of the script plugin: it calls the file's
// produce(params) for every timestamp. It belongs to one goroutine.
type Script struct {
	path    string
	fn      starlark.Callable
	thread  *starlark.Thread
	loc     *time.Location
	tags    []starlark.Tuple // per input, built once
	globals *starlib.GlobalsView
	env     *plugin.Env
	args    starlark.Tuple // reused one-element argument tuple
	steps   uint64         // step budget of one call
	limits  Limits
	call    *guard.Call // the heap watchdog's handle
	stop    stopReason
	// stateReason is StateReason's answer, found when compiled.
	stateReason string
}

func newScript(cfg *ScriptConfig, env *plugin.Env) (Producer, error) {
	src, err := env.ReadFile("path", cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	return compileScript(env.Path(cfg.Path), src, env)
}

// NewScript compiles and initialises the Starlark file at path (already
// resolved) for env. Syntax errors, top-level runtime errors and a missing
// produce function are reported with the file name and line.
func NewScript(path string, env *plugin.Env) (*Script, error) {
	src, err := config.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	return compileScript(path, src, env)
}

func compileScript(path string, src []byte, env *plugin.Env) (*Script, error) {
	limits, err := DefaultLimits()
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	r, loc, g := envDefaults(env)
	s := &Script{path: path, loc: loc, globals: g.View(), env: env, args: make(starlark.Tuple, 1), steps: limits.MaxSteps, limits: limits}

	mod := starlib.NewModule(r, loc)
	predeclared := starlark.StringDict{
		"module":  mod,
		"locals":  starlib.NewNamedStore("locals"),
		"shared":  starlib.NewNamedStore("shared"),
		"globals": s.globals,
		"shard":   shardValue(env),
	}
	for _, name := range starlib.StdlibNames {
		predeclared[name] = mod.Namespace(name)
	}
	for name, v := range starlib.Builtins {
		predeclared[name] = v
	}

	f, err := scriptFileOptions.Parse(path, src, 0)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	guard.File(f) // `*` checks the size of what it repeats
	used := map[string]bool{}
	prog, err := starlark.FileProgram(f, func(name string) bool {
		used[name] = true
		return predeclared.Has(name)
	})
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}

	s.thread = newThread("script", path, env, &s.steps)
	s.call = guard.Watch(s.thread, limits.MaxHeap)
	// Globals are deliberately not frozen: module-level dicts and lists are
	// the script's own state across produce() calls.
	s.call.Enter()
	globals, err := prog.Init(s.thread, predeclared)
	s.call.Leave()
	s.releaseGlobals()
	if err != nil {
		return nil, s.wrap(err)
	}
	fn, ok := globals["produce"]
	if !ok {
		return nil, fmt.Errorf("script %s: no function produce(params) defined", path)
	}
	s.fn, ok = fn.(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("script %s: produce is a %s, not a function", path, fn.Type())
	}

	s.tags = inputTags(env)
	s.stateReason = scriptStateReason(path, f, used, globals)
	return s, nil
}

// StateReason implements Stateful.
func (s *Script) StateReason() string { return s.stateReason }

// Cancel stops the running or next produce() call with an error; it is
// safe to call from any goroutine.
func (s *Script) Cancel(reason string) { s.stop.cancel(s.thread, reason) }

// SetLimits implements Limiter.
func (s *Script) SetLimits(l Limits) {
	l = l.withDefaults()
	s.limits, s.steps = l, l.MaxSteps
	s.call.SetMaxHeap(l.MaxHeap)
}

func (s *Script) wrap(err error) error {
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		return fmt.Errorf("script %s: %s", s.path, ee.Backtrace())
	}
	return fmt.Errorf("script %s: %w", s.path, err)
}

func (s *Script) releaseGlobals() {
	if n := s.globals.ReleaseAll(); n > 0 {
		s.env.Log().Warn("script left globals acquired; released", "script", s.path, "holds", n)
	}
}

// Produce calls produce({"timestamp": datetime, "tags": tuple}) and appends
// the returned string or strings to out.
func (s *Script) Produce(ts int64, src int, out []string) ([]string, error) {
	tags := tagsOf(s.tags, src)
	params := starlark.NewDict(2)
	_ = params.SetKey(keyTimestamp, starlib.NewTimestamp(time.Unix(0, ts).In(s.loc)))
	_ = params.SetKey(keyTags, tags)
	s.args[0] = params

	s.call.Enter()
	startCall(s.thread, s.steps, &s.stop)
	res, err := starlark.Call(s.thread, s.fn, s.args, nil)
	s.call.Leave()
	s.args[0] = nil
	s.releaseGlobals()
	if err != nil {
		return out, s.wrap(err)
	}
	switch res := res.(type) {
	case starlark.String:
		if len(res) > s.limits.MaxBytes {
			return out, tooManyBytes("script", s.path, s.limits.MaxBytes)
		}
		return append(out, string(res)), nil
	case *starlark.List:
		return s.appendAll(out, res, res.Len())
	case starlark.Tuple:
		return s.appendAll(out, res, len(res))
	}
	return out, fmt.Errorf("script %s: produce must return a string or a list of strings, got %s", s.path, res.Type())
}

func (s *Script) appendAll(out []string, seq starlark.Indexable, n int) ([]string, error) {
	if n > s.limits.MaxEvents {
		return out, tooManyEvents("script", s.path, n, s.limits.MaxEvents)
	}
	start, size := len(out), 0
	for i := 0; i < n; i++ {
		str, ok := seq.Index(i).(starlark.String)
		if !ok {
			return out[:start], fmt.Errorf("script %s: produce returned a list whose element %d is a %s, not a string",
				s.path, i, seq.Index(i).Type())
		}
		if size += len(str); size > s.limits.MaxBytes {
			return out[:start], tooManyBytes("script", s.path, s.limits.MaxBytes)
		}
		out = append(out, string(str))
	}
	return out, nil
}
