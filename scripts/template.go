package scripts

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/scripts/jinja"
	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
)

// TemplateConfig configures the template event plugin:
//
//	event:
//	  template:
//	    mode: all            # all | any | chance | spin | fsm | chain
//	    params: {env: prod}
//	    samples: {users: {type: csv, source: data/users.csv, header: true}}
//	    templates:
//	      - access_log: {template: templates/access_log.jinja, vars: {app: shop}}
type TemplateConfig struct {
	// Mode picks the templates rendered for each timestamp (default all).
	Mode string `yaml:"mode" default:"all" enum:"all,any,chance,spin,fsm,chain" doc:"how the templates are picked for each timestamp ([below](#picking-modes))"`
	// Templates lists `alias: {template: path, ...}` entries, in order.
	Templates []map[string]*TemplateEntry `yaml:"templates" required:"true" min:"1" type:"list of 'alias: {settings}' mappings, one key each" doc:"the templates, in order; aliases must be unique"`
	// Chain is the alias sequence of the chain mode.
	Chain []string `yaml:"chain" type:"list of aliases" doc:"'chain' mode only (required there): the order to cycle through; an alias may repeat"`
	// Params are constants every template sees as `params`.
	Params map[string]any `yaml:"params" doc:"constants every template sees as 'params'"`
	// Samples are data sets every template sees as `samples.<name>`.
	Samples map[string]SampleConfig `yaml:"samples" type:"mapping 'name: {settings}'" doc:"data sets every template sees as 'samples.<name>' ([below](#samples))"`
}

// TemplateEntry is one template of the plugin.
type TemplateEntry struct {
	// Template is the path of the .jinja file, relative to the generator file.
	Template string `yaml:"template" type:"path" absent:"required unless 'sequence' is given" doc:"the '.jinja' file, relative to the generator file"`
	// Vars are constants this template sees as `vars`.
	Vars map[string]any `yaml:"vars" doc:"constants this template alone sees as 'vars'"`
	// Chance is the relative weight of the template in chance mode (> 0).
	Chance *float64 `yaml:"chance" gt:"0" doc:"'chance' mode only (required there): relative weight of the template"`
	// Initial marks the fsm mode's initial state (exactly one).
	Initial bool `yaml:"initial" default:"false" doc:"'fsm' mode only: this template is the initial state (exactly one must be)"`
	// Transitions are the fsm mode's moves out of this state, checked in order.
	Transitions []TemplateTransition `yaml:"transitions" type:"list of '{to, when}'" doc:"'fsm' mode only: moves out of this state, checked in order ([fsm mode](#fsm-mode))"`
	// Burst makes one pick emit a group of events ([bursts](#bursts)).
	Burst *BurstConfig `yaml:"burst" type:"{count, context, spread}" doc:"one pick emits a burst of events sharing a context, spread after the trigger ([bursts](#bursts))"`
	// Sequence makes one pick emit its steps in order ([sequences](#sequences)).
	Sequence []SequenceStep `yaml:"sequence" type:"list of '{template, delay, vars}'" doc:"instead of 'template': steps emitted in order for one pick, each at the trigger plus the earlier steps' delays ([sequences](#sequences))"`
	// Context is a sequence's shared context, seen as burst.<name>.
	Context map[string]string `yaml:"context" type:"mapping 'name: \"{{ expr }}\"'" doc:"with 'sequence': values rendered once per sequence that every step sees as 'burst.<name>'"`
}

// TemplateTransition is one fsm transition: move to To when When holds.
type TemplateTransition struct {
	To   string     `yaml:"to" required:"true" doc:"alias of the next state"`
	When config.Raw `yaml:"when" required:"true" type:"condition" doc:"when the move is taken ([fsm mode](#fsm-mode))"`
}

// TemplateModes are the picking modes.
var TemplateModes = []string{"all", "any", "chance", "spin", "fsm", "chain"}

// Validate checks what can be checked without reading files.
func (c *TemplateConfig) Validate() error {
	var errs []error
	aliases := map[string]bool{}
	initial := 0
	for i, m := range c.Templates {
		if len(m) != 1 {
			errs = append(errs, fmt.Errorf("templates[%d]: expected one `alias: {template: path}` entry, got %d keys", i, len(m)))
			continue
		}
		for alias, e := range m {
			key := fmt.Sprintf("templates[%d].%s", i, alias)
			if aliases[alias] {
				errs = append(errs, fmt.Errorf("%s: alias %q is used twice", key, alias))
			}
			aliases[alias] = true
			if e == nil || (e.Template == "" && len(e.Sequence) == 0) {
				errs = append(errs, fmt.Errorf("%s.template: give the path of the template file (or a sequence of steps)", key))
				continue
			}
			errs = append(errs, e.validateGroup(key)...)
			if e.Initial {
				initial++
			}
			switch {
			case c.Mode == "chance" && (e.Chance == nil || *e.Chance <= 0):
				errs = append(errs, fmt.Errorf("%s.chance: chance mode needs a chance > 0 for every template", key))
			case c.Mode != "chance" && e.Chance != nil:
				errs = append(errs, fmt.Errorf("%s.chance: only used in chance mode (mode is %s)", key, c.Mode))
			}
			if c.Mode != "fsm" && (e.Initial || len(e.Transitions) > 0) {
				errs = append(errs, fmt.Errorf("%s: initial and transitions are only used in fsm mode (mode is %s)", key, c.Mode))
			}
		}
	}
	if c.Mode == "fsm" && initial != 1 {
		errs = append(errs, fmt.Errorf("templates: fsm mode needs exactly one template with initial: true, found %d", initial))
	}
	if c.Mode == "fsm" {
		for i, m := range c.Templates {
			for alias, e := range m {
				if e == nil {
					continue
				}
				for j, tr := range e.Transitions {
					if !aliases[tr.To] {
						errs = append(errs, fmt.Errorf("templates[%d].%s.transitions[%d].to: unknown state %q (states: %s)",
							i, alias, j, tr.To, strings.Join(sortedKeys(aliases), ", ")))
					}
				}
			}
		}
	}
	switch {
	case c.Mode == "chain" && len(c.Chain) == 0:
		errs = append(errs, errors.New("chain: chain mode needs a non-empty chain of aliases"))
	case c.Mode != "chain" && len(c.Chain) > 0:
		errs = append(errs, fmt.Errorf("chain: only used in chain mode (mode is %s)", c.Mode))
	}
	for i, a := range c.Chain {
		if !aliases[a] {
			errs = append(errs, fmt.Errorf("chain[%d]: unknown template alias %q (aliases: %s)", i, a, strings.Join(sortedKeys(aliases), ", ")))
		}
	}
	return errors.Join(errs...)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func init() {
	plugin.Register(Registry, "template", nil,
		func(c *TemplateConfig, env *plugin.Env) (Producer, error) { return NewTemplate(c, env) })
}

// Stores returns the template's state: `locals` of each template by its
// alias, and `shared` (the preview API shows and clears them). Use them
// only between calls of Produce.
func (t *Template) Stores() (locals map[string]*starlib.Store, shared *starlib.Store) {
	locals = make(map[string]*starlib.Store, len(t.items))
	for _, it := range t.items {
		locals[it.alias] = it.locals
	}
	return locals, t.shared
}

type pickMode int

const (
	modeAll pickMode = iota
	modeAny
	modeChance
	modeSpin
	modeFSM
	modeChain
)

type dispatchSignal int

const (
	sigNone dispatchSignal = iota
	sigDrop
	sigNext
	sigExhaust
)

// errDispatch aborts a render after dispatch.drop/next/exhaust; Produce
// looks at the recorded signal instead of the error.
var errDispatch = errors.New("dispatch")

// Template is the producer of the template plugin. It belongs to one goroutine.
type Template struct {
	mode    pickMode
	items   []*templateItem
	all     []int
	one     []int
	chain   []int
	idx     uint64    // global index of the timestamp being produced (spin/chain)
	nextIdx uint64    // the index of the next Produce when SetIndex is not called
	cum     []float64 // chance mode: cumulative weights
	state   int       // fsm: current state
	started bool      // fsm: first pick done

	thread    *starlark.Thread
	r         *rand.Rand
	loc       *time.Location
	tags      []starlark.Tuple
	tagValues []starlark.Value
	shared    *starlib.Store
	globals   *starlib.GlobalsView
	env       *plugin.Env
	arena     eventArena
	steps     uint64
	limits    Limits
	call      *guard.Call // the heap watchdog's handle
	stop      stopReason
	cs        condState

	// reusedTS, when no template lets its timestamp outlive a render, is
	// the one timestamp value every Produce updates in place.
	reusedTS *starlib.Timestamp

	sig        dispatchSignal
	maxRepicks int
	dropped    atomic.Int64
	warnings   []string

	burst   *burstValue // the `burst` global
	offs    []int64     // a group's member offsets (reused)
	scratch []int64     // Produce's timestamps (reused, discarded)
}

type templateItem struct {
	alias, path string
	inst        *jinja.Instance
	uses        []string // the template globals it references
	locals      *starlib.Store
	transitions []fsmTransition

	tsEscapes bool       // the template may keep its timestamp beyond a render
	group     *burstSpec // a burst or sequence entry
}

type fsmTransition struct {
	to   int
	when condition
}

// templateGlobals are the names bound once per template; the first
// attrGlobals have real attributes (compiled as plain Starlark attribute access).
var templateGlobals = []string{"module", "samples", "subprocess", "dispatch", "shard", "params", "vars", "locals", "shared", "globals", "burst"}

// attrGlobals is how many templateGlobals have real attributes.
const attrGlobals = 5

// invariantGlobals are the template globals whose attribute chains give
// the same, frozen or stateless, value at every access (module namespaces
// and functions, samples, the frozen params and vars): jinja resolves
// module.rand.choice or vars.users once per template instead of per event.
var invariantGlobals = []string{"module", "samples", "subprocess", "dispatch", "shard", "params", "vars"}

// NewTemplate builds the template producer from a validated config:
// samples are loaded, every template compiled (errors name the template
// file, line and column), its module references checked, and the states
// of the fsm mode parsed.
func NewTemplate(cfg *TemplateConfig, env *plugin.Env) (*Template, error) {
	if cfg.Mode == "" {
		cfg.Mode = "all"
	}
	limits, err := DefaultLimits()
	if err != nil {
		return nil, err
	}
	r, loc, g := envDefaults(env)
	t := &Template{
		r: r, loc: loc, env: env, steps: limits.MaxSteps, limits: limits, maxRepicks: 64,
		tags: inputTags(env), shared: starlib.NewNamedStore("shared"), globals: g.View(),
		one: make([]int, 1), burst: newBurstValue(),
	}
	t.mode = pickMode(slices.Index(TemplateModes, cfg.Mode))
	if t.mode < 0 {
		return nil, fmt.Errorf("mode: unknown mode %q", cfg.Mode)
	}

	// Samples are immutable once loaded: the workers' instances share them.
	sv, err := env.Memo.Get("template.samples", func() (any, error) { return LoadSamples(cfg.Samples, env) })
	if err != nil {
		return nil, err
	}
	samples := sv.(*Samples)
	params, err := frozenDict(cfg.Params)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}

	for _, tt := range t.tags {
		t.tagValues = append(t.tagValues, tt)
	}
	t.thread = newThread("template", "templates", env, &t.steps)
	t.call = guard.Watch(t.thread, limits.MaxHeap)
	t.thread.SetLocal("rand", r)
	mod := starlib.NewModule(r, loc)
	shared := starlark.StringDict{
		"module":     mod,
		"samples":    samples,
		"subprocess": newSubprocess(env),
		"dispatch":   t.dispatchValue(),
		"shard":      shardValue(env),
		"params":     params,
		"shared":     t.shared,
		"globals":    t.globals,
		"burst":      t.burst,
	}
	check := starlib.NewModule(rand.New(rand.NewPCG(0, 0)), loc) // resolves module.* chains without drawing from r

	byAlias := map[string]int{}
	var errs []error
	var entries []*TemplateEntry
	for i, m := range cfg.Templates {
		for alias, e := range m {
			key := fmt.Sprintf("templates[%d].%s", i, alias)
			it, err := t.compile(key, alias, e, shared, check)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			byAlias[alias] = len(t.items)
			t.items = append(t.items, it)
			entries = append(entries, e)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	for i := range t.items {
		t.all = append(t.all, i)
	}
	switch t.mode {
	case modeChance:
		total := 0.0
		for _, e := range entries {
			total += *e.Chance
			t.cum = append(t.cum, total)
		}
	case modeChain:
		for _, a := range cfg.Chain {
			t.chain = append(t.chain, byAlias[a])
		}
	case modeFSM:
		for i, e := range entries {
			if e.Initial {
				t.state = i
			}
			for j, tr := range e.Transitions {
				path := fmt.Sprintf("templates[%d].%s.transitions[%d].when", i, t.items[i].alias, j)
				c, err := parseCondition(path, tr.When.Node)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				t.items[i].transitions = append(t.items[i].transitions, fsmTransition{to: byAlias[tr.To], when: c})
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(t.items, func(it *templateItem) bool {
		return slices.ContainsFunc(it.groupItems(), func(x *templateItem) bool { return x.tsEscapes })
	}) {
		t.reusedTS = starlib.NewReusedTimestamp()
	}
	t.releaseGlobals()
	return t, nil
}

func frozenDict(m map[string]any) (*starlark.Dict, error) {
	if m == nil {
		m = map[string]any{}
	}
	v, err := starlib.ToStarlark(m)
	if err != nil {
		return nil, err
	}
	v.Freeze()
	return v.(*starlark.Dict), nil
}

// compile reads, compiles and instantiates the template of one entry,
// with its burst or sequence.
func (t *Template) compile(key, alias string, e *TemplateEntry, shared starlark.StringDict, check *starlib.Module) (*templateItem, error) {
	var it *templateItem
	if e.Template != "" {
		src, err := t.env.ReadFile("template", e.Template)
		if err != nil {
			return nil, fmt.Errorf("%s.template: %w", key, err)
		}
		if it, err = t.compileSource(key, alias, e.Template, string(src), e.Vars, nil, shared, check); err != nil {
			return nil, err
		}
	} else {
		it = &templateItem{alias: alias, path: key + ".sequence", locals: starlib.NewNamedStore("locals")}
	}
	if e.Burst != nil || len(e.Sequence) > 0 {
		if err := t.compileGroup(key, it, e, shared, check); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// compileSource compiles and instantiates one template from its source;
// name is its file (or, for a context value, its key). locals, when not
// nil, is the store it shares with the other templates of its entry.
func (t *Template) compileSource(key, alias, name, src string, varsMap map[string]any, locals *starlib.Store, shared starlark.StringDict, check *starlib.Module) (*templateItem, error) {
	sources := map[string]string{name: src}
	prefix := key + ": " // a context value's name is its key already
	if key == name {
		prefix = ""
	}
	opts := jinja.Options{
		Loader: func(name string) (string, error) {
			b, err := t.env.ReadFile("include", name)
			if err == nil {
				sources[name] = string(b)
			}
			return string(b), err
		},
		Outside:     func(name string) error { return t.env.RefuseOutside("include", name) },
		Globals:     templateGlobals,
		AttrGlobals: templateGlobals[:attrGlobals],
	}
	opts.Invariant = invariantGlobals
	opts.StableAttrs = []string{"locals", "shared", "globals"}
	tm, err := jinja.Compile(name, src, opts)
	if err != nil {
		return nil, fmt.Errorf("%s%w", prefix, err)
	}
	var errs []error
	for _, name := range sortedKeys(keysOf(sources)) {
		errs = append(errs, checkModuleRefs(name, sources[name], check)...)
	}
	if t.env.NoSubprocess && slices.Contains(tm.Globals(), "subprocess") {
		errs = append(errs, fmt.Errorf("%s uses subprocess, which is disabled here (%s)", name, subprocessDisabledHow))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s%w", prefix, errors.Join(errs...))
	}
	if u := tm.Undefined(); len(u) > 0 {
		w := fmt.Sprintf("%s: undefined names (they render empty): %s", name, strings.Join(u, ", "))
		t.warnings = append(t.warnings, w)
		// Once per generator, not once per worker instance.
		_, _ = t.env.Memo.Get("template.warned."+name, func() (any, error) {
			t.env.Log().Warn("template uses undefined names; they render empty", "template", name, "names", strings.Join(u, ", "))
			return true, nil
		})
	}
	vars, err := frozenDict(varsMap)
	if err != nil {
		return nil, fmt.Errorf("%s.vars: %w", key, err)
	}
	if locals == nil {
		locals = starlib.NewNamedStore("locals")
	}
	it := &templateItem{alias: alias, path: name, locals: locals, uses: tm.Globals()}
	globals := make(starlark.StringDict, len(shared)+2)
	for k, v := range shared {
		globals[k] = v
	}
	globals["vars"] = vars
	globals["locals"] = it.locals
	t.call.Enter()
	startCall(t.thread, t.steps, &t.stop)
	it.inst, err = tm.NewInstance(t.thread, globals)
	t.call.Leave()
	if err != nil {
		return nil, fmt.Errorf("%s%w", prefix, err)
	}
	it.inst.Stopped = t.stop.reason
	it.tsEscapes = tm.ArgEscapes("timestamp")
	return it, nil
}

func keysOf(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// SetIndex implements Indexed: the next Produce is for the timestamp of
// global index idx (spin and chain pick by it).
func (t *Template) SetIndex(idx uint64) { t.nextIdx = idx }

// StateReason implements Stateful: what makes one timestamp's events
// depend on the timestamps before it, or "" when nothing does.
func (t *Template) StateReason() string {
	if t.mode == modeFSM {
		return "fsm mode moves between states from one timestamp to the next"
	}
	for _, it := range t.items {
		for _, it := range it.groupItems() {
			for _, name := range it.uses {
				switch name {
				case "locals", "shared", "globals":
					return fmt.Sprintf("template %s uses %s, which carries state across timestamps", it.path, name)
				case "subprocess":
					return fmt.Sprintf("template %s runs subprocess commands, whose side effects keep their order", it.path)
				}
			}
		}
	}
	return ""
}

// Warnings returns the non-fatal problems found while building (templates
// referencing undefined names); `eventum validate` and `render` print them.
func (t *Template) Warnings() []string { return slices.Clone(t.warnings) }

// Dropped returns how many timestamps dispatch.drop() discarded.
func (t *Template) Dropped() int64 { return t.dropped.Load() }

// Cancel stops the running or next render with an error; it is safe to
// call from any goroutine.
func (t *Template) Cancel(reason string) { t.stop.cancel(t.thread, reason) }

// SetLimits implements Limiter.
func (t *Template) SetLimits(l Limits) {
	l = l.withDefaults()
	t.limits, t.steps = l, l.MaxSteps
	t.call.SetMaxHeap(l.MaxHeap)
}

// Aliases returns the template aliases in config order.
func (t *Template) Aliases() []string {
	out := make([]string, len(t.items))
	for i, it := range t.items {
		out[i] = it.alias
	}
	return out
}

func (t *Template) releaseGlobals() {
	if n := t.globals.ReleaseAll(); n > 0 {
		t.env.Log().Warn("template left globals acquired; released", "holds", n)
	}
}

// pick returns the indexes of the templates to render.
func (t *Template) pick(ts *starlib.Timestamp, tags starlark.Value) []int {
	switch t.mode {
	case modeAll:
		return t.all
	case modeAny:
		t.one[0] = t.r.IntN(len(t.items))
	case modeChance:
		t.one[0] = pickCum(t.r, t.cum)
	case modeSpin:
		t.one[0] = int(t.idx % uint64(len(t.items)))
		t.idx++ // a dispatch.next() re-pick takes the following one
	case modeChain:
		t.one[0] = t.chain[t.idx%uint64(len(t.chain))]
		t.idx++
	case modeFSM:
		if t.started {
			t.cs = condState{ts: ts.Time(), tags: tags.(starlark.Tuple), locals: t.items[t.state].locals, shared: t.shared, globals: t.globals}
			for _, tr := range t.items[t.state].transitions {
				if tr.when.check(&t.cs) {
					t.state = tr.to
					break
				}
			}
			t.cs = condState{}
		}
		t.started = true
		t.one[0] = t.state
	}
	return t.one
}

// Produce renders the picked templates for the timestamp ts and appends
// one event per rendered template (several for a burst or a sequence) to
// out.
func (t *Template) Produce(ts int64, src int, out []string) ([]string, error) {
	var err error
	out, t.scratch, err = t.ProduceTimed(ts, src, out, t.scratch[:0])
	return out, err
}

// ProduceTimed implements TimedProducer: Produce, with each event's own
// timestamp appended to stamps (a burst's or sequence's members are after
// the trigger ts; other events are at ts).
func (t *Template) ProduceTimed(ts int64, src int, out []string, stamps []int64) ([]string, []int64, error) {
	t.call.Enter()
	defer t.call.Leave()
	t.idx = t.nextIdx
	t.nextIdx++
	tags := t.tagValue(src)
	start, sstart := len(out), len(stamps)
	repicks := 0
	for {
		tsv := t.tsValue(ts)
		picked := t.pick(tsv, tags)
		var err error
		var it *templateItem
		t.sig = sigNone
		size := 0 // bytes of this call's events so far
		for _, i := range picked {
			it = t.items[i]
			if it.group != nil {
				out, stamps, it, err = t.emitGroup(it, ts, tags, out, stamps, &size)
				if err != nil || t.sig != sigNone {
					break
				}
				tsv = t.tsValue(ts) // the members moved the reused timestamp
				continue
			}
			var b []byte
			b, err = t.render(it, tsv, tags, &size)
			if err != nil || t.sig != sigNone {
				break
			}
			out = append(out, t.arena.keep(b))
			stamps = append(stamps, ts)
		}
		t.releaseGlobals()
		switch t.sig {
		case sigDrop:
			t.dropped.Add(1)
			return out[:start], stamps[:sstart], nil
		case sigExhaust:
			return out[:start], stamps[:sstart], ErrExhausted
		case sigNext:
			out, stamps = out[:start], stamps[:sstart]
			if repicks++; repicks > t.maxRepicks {
				return out, stamps, fmt.Errorf("template %s: dispatch.next(): more than %d re-picks for one timestamp", it.alias, t.maxRepicks)
			}
			continue
		}
		if err != nil {
			if errors.Is(err, jinja.ErrOutputLimit) {
				return out[:start], stamps[:sstart], tooManyBytes("template", it.alias, t.limits.MaxBytes)
			}
			return out[:start], stamps[:sstart], fmt.Errorf("template %s: %w", it.alias, err)
		}
		return out, stamps, nil
	}
}

// render renders one template into the arena's free tail; size counts
// the bytes of the Produce call so far (jinja.ErrOutputLimit past the
// limit).
func (t *Template) render(it *templateItem, tsv *starlib.Timestamp, tags starlark.Value, size *int) ([]byte, error) {
	startCall(t.thread, t.steps, &t.stop)
	it.inst.MaxOutput = max(t.limits.MaxBytes-*size, 1)
	b, err := it.inst.Render(t.thread, t.arena.next(), tsv, tags)
	if err != nil {
		return nil, err
	}
	if *size += len(b); *size > t.limits.MaxBytes {
		return nil, jinja.ErrOutputLimit
	}
	return b, nil
}

// tagValue returns the tags tuple of input src, boxed once per input so
// passing it to Render does not allocate.
func (t *Template) tagValue(src int) starlark.Value {
	if src >= 0 && src < len(t.tagValues) {
		return t.tagValues[src]
	}
	return emptyTags
}

var emptyTags starlark.Value = starlark.Tuple{}

// eventArena hands out render buffers carved from 64 KiB chunks and turns
// the rendered bytes into the event string without copying: the bytes of
// a kept event are never written again (later renders append after them,
// and a render that outgrows the chunk moves to a new array of its own),
// so one allocation serves hundreds of events.
type eventArena struct{ chunk []byte }

const (
	arenaChunk   = 64 << 10
	arenaMinRoom = 1 << 10
)

// next returns an empty buffer whose capacity is the chunk's free tail.
func (a *eventArena) next() []byte {
	if cap(a.chunk)-len(a.chunk) < arenaMinRoom {
		a.chunk = make([]byte, 0, arenaChunk)
	}
	return a.chunk[len(a.chunk):len(a.chunk)]
}

// keep returns b, the result of rendering into next(), as a string that
// owns its bytes.
func (a *eventArena) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	tail := a.chunk[len(a.chunk):cap(a.chunk)]
	if len(tail) >= len(b) && &tail[0] == &b[0] {
		a.chunk = a.chunk[:len(a.chunk)+len(b)]
	}
	// Otherwise the render outgrew the chunk: b is a fresh array that
	// nothing else references.
	return unsafe.String(&b[0], len(b))
}

// dispatchValue is the `dispatch` object: drop(), next(max_repicks=64), exhaust().
func (t *Template) dispatchValue() starlark.Value {
	signal := func(s dispatchSignal) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if s == sigNext {
				maxRepicks := 64
				if err := starlark.UnpackArgs(b.Name(), args, kwargs, "max_repicks?", &maxRepicks); err != nil {
					return nil, err
				}
				if maxRepicks < 1 {
					return nil, fmt.Errorf("%s: max_repicks must be >= 1, got %d", b.Name(), maxRepicks)
				}
				t.maxRepicks = maxRepicks
			} else if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
				return nil, err
			}
			t.sig = s
			return nil, errDispatch
		}
	}
	return &starlarkstruct.Module{Name: "dispatch", Members: starlark.StringDict{
		"drop":    starlark.NewBuiltin("dispatch.drop", signal(sigDrop)),
		"next":    starlark.NewBuiltin("dispatch.next", signal(sigNext)),
		"exhaust": starlark.NewBuiltin("dispatch.exhaust", signal(sigExhaust)),
	}}
}

// moduleRef finds `module.a.b.c` chains inside {{ }} and {% %} tags.
var (
	tagRegion = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}`)
	moduleRef = regexp.MustCompile(`(?:^|[^\w.])module((?:\s*\.\s*[A-Za-z_]\w*)+)`)
)

// checkModuleRefs resolves every module.* attribute chain of a template
// against a real module (faker methods, rand functions, namespaces), so a
// misspelt name fails when the generator is built, not mid-run. Chains
// stop at the first value without attributes (a function).
func checkModuleRefs(name, src string, mod *starlib.Module) []error {
	var errs []error
	for _, region := range tagRegion.FindAllStringIndex(src, -1) {
		text := src[region[0]:region[1]]
		for _, m := range moduleRef.FindAllStringSubmatchIndex(text, -1) {
			chain := strings.Split(strings.Join(strings.Fields(text[m[2]:m[3]]), ""), ".")[1:]
			var v starlark.Value = mod
			path := "module"
			for _, attr := range chain {
				h, ok := v.(starlark.HasAttrs)
				if !ok {
					break
				}
				x, err := h.Attr(attr)
				if err == nil && x == nil {
					err = fmt.Errorf("%s has no attribute %q", path, attr)
				}
				if err != nil {
					line := 1 + strings.Count(src[:region[0]+m[2]], "\n")
					errs = append(errs, fmt.Errorf("%s:%d: %v", name, line, err))
					break
				}
				v, path = x, path+"."+attr
			}
		}
	}
	return errs
}
