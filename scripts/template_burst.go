package scripts

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.starlark.net/starlark"

	"github.com/eventum-go/eventum/starlib"
)

// Burst groups and sequences: one pick of a template entry that makes
// several events for one trigger timestamp, each with its own timestamp.
//
//	templates:
//	  - page_load:
//	      template: templates/request.jinja
//	      burst:
//	        count: [10, 30]          # members per burst, drawn per trigger
//	        spread: 2.5              # seconds after the trigger
//	        context: {client_ip: "{{ module.rand.network.ip_v4_public() }}"}
//	  - login:
//	      context: {user: "{{ module.rand.choice(['alice', 'bob']) }}"}
//	      sequence:
//	        - {template: templates/connect.jinja, delay: 0.3}
//	        - {template: templates/auth.jinja, delay: 0.05}
//	        - {template: templates/session.jinja}
//
// Every random draw comes from the timestamp's own stream (the count, the
// offsets, the context), so a seeded run gives the same bursts for any
// number of workers and across shards.

// BurstConfig makes a template entry emit a group of events per pick.
type BurstConfig struct {
	Count   []int             `yaml:"count" required:"true" min:"2" max:"2" type:"[min, max]" doc:"how many events one burst makes: a number drawn in [min, max] (1 ≤ min ≤ max ≤ 100000) for each trigger"`
	Context map[string]string `yaml:"context" type:"mapping 'name: \"{{ expr }}\"'" doc:"values rendered once per burst (with the trigger's timestamp) that every member sees as 'burst.<name>' (strings)"`
	Spread  float64           `yaml:"spread" min:"0" absent:"0: every member at the trigger" doc:"seconds after the trigger over which the members' timestamps are spread (uniformly at random, sorted)"`
}

// SequenceStep is one step of a sequence entry.
type SequenceStep struct {
	Template string         `yaml:"template" required:"true" type:"path" doc:"the step's '.jinja' file, relative to the generator file"`
	Vars     map[string]any `yaml:"vars" doc:"constants this step sees as 'vars' (merged over the entry's)"`
	Delay    float64        `yaml:"delay" min:"0" absent:"0" doc:"seconds from this step to the next one"`
}

// maxBurst bounds a burst's size (the events of one trigger are held in
// one batch).
const maxBurst = 100_000

// validateGroup checks an entry's burst, sequence and context keys.
func (e *TemplateEntry) validateGroup(key string) []error {
	var errs []error
	if e.Burst != nil {
		b := e.Burst
		switch {
		case e.Template == "":
			errs = append(errs, fmt.Errorf("%s.burst: a burst repeats the entry's template: give 'template' too", key))
		case len(b.Count) != 2:
			errs = append(errs, fmt.Errorf("%s.burst.count: expected [min, max], got %d numbers", key, len(b.Count)))
		case b.Count[0] < 1 || b.Count[0] > b.Count[1] || b.Count[1] > maxBurst:
			errs = append(errs, fmt.Errorf("%s.burst.count: [%d, %d]: need 1 ≤ min ≤ max ≤ %d", key, b.Count[0], b.Count[1], maxBurst))
		}
		if b.Spread < 0 {
			errs = append(errs, fmt.Errorf("%s.burst.spread: must not be negative, got %g", key, b.Spread))
		}
		if len(e.Sequence) > 0 {
			errs = append(errs, fmt.Errorf("%s: burst and sequence exclude each other", key))
		}
		if len(e.Context) > 0 {
			errs = append(errs, fmt.Errorf("%s.context: a burst's context goes under burst.context", key))
		}
	}
	if len(e.Sequence) > 0 {
		if e.Template != "" {
			errs = append(errs, fmt.Errorf("%s: template and sequence exclude each other (a sequence's steps name their templates)", key))
		}
		for i, s := range e.Sequence {
			if s.Template == "" {
				errs = append(errs, fmt.Errorf("%s.sequence[%d].template: give the path of the step's template file", key, i))
			}
			if s.Delay < 0 {
				errs = append(errs, fmt.Errorf("%s.sequence[%d].delay: must not be negative, got %g", key, i, s.Delay))
			}
		}
	} else if len(e.Context) > 0 && e.Burst == nil {
		errs = append(errs, fmt.Errorf("%s.context: only used with sequence (a burst's context goes under burst.context)", key))
	}
	return errs
}

// burstSpec is a compiled burst or sequence of one template entry.
type burstSpec struct {
	min, max int
	spread   float64       // seconds (burst)
	names    []string      // context names, sorted (the render order)
	ctx      []*contextTpl // context templates, by names
	steps    []*templateItem
	offsets  []int64 // sequence: step k's offset from the trigger (ns)
}

type contextTpl struct {
	item *templateItem
}

// compileGroup compiles an entry's burst or sequence onto it.
func (t *Template) compileGroup(key string, it *templateItem, e *TemplateEntry, shared starlark.StringDict, check *starlib.Module) error {
	context := e.Context
	g := &burstSpec{}
	if e.Burst != nil {
		g.min, g.max, g.spread = e.Burst.Count[0], e.Burst.Count[1], e.Burst.Spread
		context = e.Burst.Context
	}
	var errs []error
	var off int64
	for i, s := range e.Sequence {
		skey := fmt.Sprintf("%s.sequence[%d]", key, i)
		vars := e.Vars
		if len(s.Vars) > 0 {
			vars = make(map[string]any, len(e.Vars)+len(s.Vars))
			for k, v := range e.Vars {
				vars[k] = v
			}
			for k, v := range s.Vars {
				vars[k] = v
			}
		}
		src, err := t.env.ReadFile("template", s.Template)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.template: %w", skey, err))
			continue
		}
		step, err := t.compileSource(skey, it.alias, s.Template, string(src), vars, it.locals, shared, check)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		g.steps = append(g.steps, step)
		g.offsets = append(g.offsets, off)
		off += int64(s.Delay * float64(time.Second))
	}
	for name := range context {
		g.names = append(g.names, name)
	}
	sort.Strings(g.names)
	for _, name := range g.names {
		ckey := fmt.Sprintf("%s.context.%s", key, name)
		if e.Burst != nil {
			ckey = fmt.Sprintf("%s.burst.context.%s", key, name)
		}
		c, err := t.compileSource(ckey, it.alias, ckey, context[name], e.Vars, it.locals, shared, check)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		g.ctx = append(g.ctx, &contextTpl{item: c})
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	it.group = g
	return nil
}

// Delays reports whether some events carry timestamps after their
// trigger (a burst with a spread, a sequence with delays): in live mode
// the pipeline then holds them until their moments.
func (t *Template) Delays() bool {
	for _, it := range t.items {
		if g := it.group; g != nil && (g.spread > 0 || slices.ContainsFunc(g.offsets, func(o int64) bool { return o > 0 })) {
			return true
		}
	}
	return false
}

// groupItems returns the compiled templates of an entry: itself (when it
// renders its own template), its sequence's steps and its context.
func (it *templateItem) groupItems() []*templateItem {
	out := make([]*templateItem, 0, 1)
	if it.inst != nil {
		out = append(out, it)
	}
	if it.group != nil {
		out = append(out, it.group.steps...)
		for _, c := range it.group.ctx {
			out = append(out, c.item)
		}
	}
	return out
}

// tsValue returns the timestamp value for ns: the reused one when no
// template keeps its timestamp, a fresh one otherwise.
func (t *Template) tsValue(ns int64) *starlib.Timestamp {
	if t.reusedTS != nil {
		t.reusedTS.Reset(time.Unix(0, ns).In(t.loc))
		return t.reusedTS
	}
	return starlib.NewTimestamp(time.Unix(0, ns).In(t.loc))
}

// emitGroup renders one burst or sequence of it for the trigger ts,
// appending its events and their timestamps. size counts the bytes of
// this Produce call so far.
func (t *Template) emitGroup(it *templateItem, ts int64, tags starlark.Value, out []string, stamps []int64, size *int) ([]string, []int64, *templateItem, error) {
	g := it.group
	n := len(g.steps)
	offs := t.offs[:0]
	if g.steps != nil {
		offs = append(offs, g.offsets...)
	} else {
		n = g.min
		if g.max > g.min {
			n += t.r.IntN(g.max - g.min + 1)
		}
		for range n {
			var o int64
			if g.spread > 0 {
				o = int64(t.r.Float64() * g.spread * float64(time.Second))
			}
			offs = append(offs, o)
		}
		slices.Sort(offs)
	}
	t.offs = offs
	bv := t.burst
	bv.reset(n)
	for k, c := range g.ctx {
		b, err := t.render(c.item, t.tsValue(ts), tags, size)
		if err != nil || t.sig != sigNone {
			bv.reset(0)
			return out, stamps, c.item, err
		}
		bv.vals[g.names[k]] = starlark.String(string(b))
		*size -= len(b) // context text is not an event
	}
	defer bv.reset(0)
	for k := range n {
		bv.index = k
		member := it
		if g.steps != nil {
			member = g.steps[k]
		}
		b, err := t.render(member, t.tsValue(ts+offs[k]), tags, size)
		if err != nil || t.sig != sigNone {
			return out, stamps, member, err
		}
		out = append(out, t.arena.keep(b))
		stamps = append(stamps, ts+offs[k])
	}
	return out, stamps, it, nil
}

// burstValue is the `burst` global: the running burst's (or sequence's)
// index, size and context; outside a group index 0, size 1, no context.
type burstValue struct {
	index, size int
	vals        map[string]starlark.Value
	active      bool
}

func newBurstValue() *burstValue {
	b := &burstValue{vals: map[string]starlark.Value{}}
	b.reset(0)
	return b
}

func (b *burstValue) reset(n int) {
	clear(b.vals)
	b.index, b.size, b.active = 0, max(n, 1), n > 0
}

var (
	_ starlark.HasAttrs = (*burstValue)(nil)
	_ starlark.Mapping  = (*burstValue)(nil)
)

func (b *burstValue) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "burst(index=%d, size=%d", b.index, b.size)
	for _, k := range b.AttrNames() {
		if v, ok := b.vals[k]; ok {
			fmt.Fprintf(&sb, ", %s=%s", k, v)
		}
	}
	sb.WriteByte(')')
	return sb.String()
}
func (b *burstValue) Type() string          { return "burst" }
func (b *burstValue) Freeze()               {}
func (b *burstValue) Truth() starlark.Bool  { return starlark.Bool(b.active) }
func (b *burstValue) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: burst") }

func (b *burstValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "index":
		return starlark.MakeInt(b.index), nil
	case "size":
		return starlark.MakeInt(b.size), nil
	}
	if v, ok := b.vals[name]; ok {
		return v, nil
	}
	return nil, nil
}

func (b *burstValue) AttrNames() []string {
	names := []string{"index", "size"}
	for k := range b.vals {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (b *burstValue) Get(k starlark.Value) (starlark.Value, bool, error) {
	s, ok := k.(starlark.String)
	if !ok {
		return nil, false, nil
	}
	v, err := b.Attr(string(s))
	return v, v != nil, err
}
