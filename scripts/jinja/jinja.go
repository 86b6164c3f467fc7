// Package jinja compiles templates written in Jinja's syntax, whose
// expressions are Starlark, into one Starlark program per template.
//
// A template is parsed once (Compile) into a go.starlark.net syntax tree:
// each straight run of literal text and {{ }} values becomes one call of a
// Go builtin that appends to a reused buffer, control tags become Starlark
// statements, filters and tests become calls of Go builtins. Positions in
// the tree are template positions, so compile and runtime errors name the
// template file and line. An Instance binds the per-template constants once
// and renders many times from one goroutine.
package jinja

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/eventum-go/eventum/starlib/guard"
)

// Options configure Compile.
type Options struct {
	// Loader returns the source of a template named by include, import,
	// from or extends. It gets the names ResolveName makes of the written name, in
	// order ("/"-separated, relative to the generator's folder, never
	// leaving it), until one loads; an error wrapping fs.ErrNotExist moves
	// on to the next name (and lets "ignore missing" skip the tag), any
	// other error fails the compilation. Nil means those tags fail to
	// compile.
	Loader func(name string) (string, error)

	// Outside, when set, is told of a written name that leads outside the
	// generator's folder (which is never loaded); a non-nil error it
	// returns is reported instead of the default message (a confined
	// generator records the refusal there).
	Outside func(name string) error

	// Globals are the names bound once per Instance (module, params, vars,
	// samples, locals, shared, globals, subprocess, dispatch, ...). Other
	// free names a template references are Jinja-undefined.
	Globals []string

	// AttrGlobals is the subset of Globals whose values have real
	// attributes (module, timestamp-like values, state stores): attribute
	// chains rooted at them compile to plain Starlark dot expressions. Other
	// attribute accesses go through a helper that falls back to item access
	// on mappings and yields Undefined for missing names, as Jinja does.
	AttrGlobals []string

	// Args are the names passed to every Render call, in order. Default:
	// "timestamp", "tags".
	Args []string

	// Filters and Tests add or override filters ("x | name(args)", called
	// as name(x, args...)) and tests ("x is name(args)", whose result is
	// converted to a bool with Truth).
	Filters map[string]starlark.Callable
	Tests   map[string]starlark.Callable

	// Invariant is the subset of Globals whose attribute and item chains
	// (module.rand.choice, vars.users) give the same value at every access
	// for the life of an Instance, and whose data is frozen; such chains
	// are resolved once per Instance (see optimize.go). A list, dict or set
	// reached through an attribute is taken as built afresh per access.
	Invariant []string

	// StableAttrs is the subset of Globals whose attributes (methods) are
	// the same at every access though their items change (state stores:
	// locals.get, shared.set): attribute chains rooted there are resolved
	// once per Instance, Jinja lookups that may reach items are not.
	StableAttrs []string

	plain bool // compile without optimize (the fallback of NewInstance)
}

// DefaultArgs are the per-render names used when Options.Args is empty.
var DefaultArgs = []string{"timestamp", "tags"}

// Error is a compile or render error located in a template. Col is zero
// for runtime errors.
type Error struct {
	File      string
	Line, Col int
	Msg       string
	Err       error // underlying error, if any (e.g. *starlark.EvalError)
}

func (e *Error) Error() string {
	if e.Col > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Template is a compiled template. It is immutable and may be shared by
// goroutines; rendering goes through an Instance.
type Template struct {
	name      string
	prog      *starlark.Program
	args      []string
	runs      [][]string
	builtins  starlark.StringDict // hidden builtins and undefined names
	globals   []string            // referenced globals
	aliases   []string            // globals also assigned by the template
	undefined []string
	env       *env

	src     string
	opts    Options
	pieces  []piece
	hoists  []hoist
	direct  []directOp      // the render function as direct ops, or nil
	escapes map[string]bool // render arguments that may outlive a render
	plainMu sync.Mutex
	plainT  *Template // compiled without optimize, made when first needed
}

// Name returns the template's name as given to Compile.
func (t *Template) Name() string { return t.name }

// Undefined returns the free names the template references that are
// neither globals, render arguments nor builtins: they render as Jinja's
// Undefined (validate warns about them). Sorted.
func (t *Template) Undefined() []string { return slices.Clone(t.undefined) }

// Globals returns the names of Options.Globals the template (with what it
// includes and imports) references. Sorted.
func (t *Template) Globals() []string { return slices.Clone(t.globals) }

type importInfo struct {
	global  string
	exports map[string]bool
}

type compiler struct {
	opts                      Options
	env                       *env
	globals, attrGlobals, arg map[string]bool
	invariant, stableAttrs    map[string]bool
	runs                      [][]string
	hidden                    int
	stack                     []string
	imports                   map[string]*importInfo
	sources                   map[string]loaded // Loader results by name
	toplevel                  []syntax.Stmt
	used                      map[string]bool // hidden names and globals referenced
	consts                    starlark.StringDict
	free                      map[string]bool
	scopedLocals              map[*syntax.DictExpr]bool // locals passed to scoped blocks, filled by rename
	initRefs                  map[*syntax.Ident]bool    // outer values read when a scoped region starts
	importAliases             map[aliasKey]importAlias  // names bound by {% import ... as name %}
	checkErr                  error                     // the first static check failure found while parsing
	macroNames                map[string]bool           // names defined by macro or imported by from (autoescape marks their calls)
	autoescape                bool                      // some {% autoescape true %} region
}

func (c *compiler) undefinedName(name string) string { return hUndef + name }

func (c *compiler) hasFilter(name string) bool { _, ok := c.env.filters[name]; return ok }

func (c *compiler) hasTest(name string) bool {
	_, ok := c.env.tests[canonicalTest(name)]
	return ok
}

// open returns a parser for the loaded template name (resolved) with a
// fresh function scope, pushing it on the cycle-detection stack.
func (c *compiler) open(p *parser, at token, name, src string) (*parser, error) {
	if slices.Contains(c.stack, name) {
		return nil, p.fail(at, "template %q includes or imports itself (%s)", name, strings.Join(append(c.stack, name), " -> "))
	}
	if len(c.stack) > 32 {
		return nil, p.fail(at, "templates nested too deeply")
	}
	f := newSrcFile(name, src)
	toks, err := lex(f)
	if err != nil {
		return nil, err
	}
	c.stack = append(c.stack, name)
	sc := newScope()
	return &parser{c: c, f: f, toks: toks, scope: sc, top: sc, inh: newInherit(false)}, nil
}

func lineOf(f *srcFile, off int) int { l, _ := f.lineCol(off); return l }
func colOf(f *srcFile, off int) int  { _, c := f.lineCol(off); return c }

// importTemplate compiles an imported template once into a top-level
// function run when an Instance is created; its macros and top-level
// variables are exported as attributes of a module value.
func (c *compiler) importTemplate(p *parser, at token, written string) (*importInfo, error) {
	name, src, _, err := c.load(p, at, written, false)
	if err != nil {
		return nil, err
	}
	if imp := c.imports[name]; imp != nil {
		return imp, nil
	}
	imp, def, err := c.importFunc(p, at, name, src)
	if err != nil {
		return nil, err
	}
	main := &parser{c: c, f: p.f} // positions of the top-level call: the importer
	c.toplevel = append(c.toplevel, def,
		main.assignStmt(main.ident(imp.global, at.off), main.callHidden(def.Name.Name, at.off), at.off))
	c.imports[name] = imp
	return imp, nil
}

// importWithContext is an import "with context": the module function is
// defined and called where the import statement is (not cached), so the
// imported macros close over the render's variables. It returns the
// statements to add there; imp.global then names a local.
func (c *compiler) importWithContext(p *parser, at token, written string) (*importInfo, []syntax.Stmt, error) {
	name, src, _, err := c.load(p, at, written, false)
	if err != nil {
		return nil, nil, err
	}
	imp, def, err := c.importFunc(p, at, name, src)
	if err != nil {
		return nil, nil, err
	}
	p.scope.assigned[def.Name.Name] = true
	p.scope.assigned[imp.global] = true
	return imp, []syntax.Stmt{def, p.assignStmt(p.ident(imp.global, at.off), p.callHidden(def.Name.Name, at.off), at.off)}, nil
}

// importFunc compiles the template name (source src) as a function that
// runs its body and returns its module (its macros and top-level names).
func (c *compiler) importFunc(p *parser, at token, name, src string) (*importInfo, *syntax.DefStmt, error) {
	sub, err := c.open(p, at, name, src)
	if err != nil {
		return nil, nil, err
	}
	body, _, err := sub.parseBody(token{})
	if err != nil {
		return nil, nil, err
	}
	if body, err = sub.finishBlocks(body); err != nil {
		return nil, nil, err
	}
	c.stack = c.stack[:len(c.stack)-1]
	c.hidden++
	n := fmt.Sprint(c.hidden)
	imp := &importInfo{global: "$imp" + n, exports: map[string]bool{}}
	dict := &syntax.DictExpr{Lbrace: sub.pos(0), Rbrace: sub.pos(0)}
	for _, name := range funcNames(sub.scope, body) {
		if strings.HasPrefix(name, "_") {
			continue
		}
		imp.exports[name] = true
		dict.List = append(dict.List, &syntax.DictEntry{Key: sub.strLit(name, 0), Colon: sub.pos(0), Value: sub.ident(name, 0)})
	}
	stmts := []syntax.Stmt{sub.exprStmt(hPush, 0)}
	stmts = append(stmts, sub.funcBody(sub.scope, body, 0)...)
	stmts = append(stmts, sub.exprStmt(hPop, 0))
	stmts = append(stmts, &syntax.ReturnStmt{Return: sub.pos(0), Result: sub.callHidden(hModule, 0, sub.strLit(name, 0), dict)})
	def := &syntax.DefStmt{Def: sub.pos(0), Name: sub.ident("$import"+n, 0), Lparen: sub.pos(0), Rparen: sub.pos(0), Body: stmts}
	return imp, def, nil
}

func (c *compiler) isPredeclared(name string) bool {
	if strings.HasPrefix(name, "$") || jinjaGlobals[name] != nil && !c.globals[name] {
		c.used[name] = true
		return true
	}
	if c.globals[name] {
		c.used[name] = true
		return true
	}
	if starlark.Universe.Has(name) {
		return false
	}
	c.free[name] = true
	return true
}

// Compile parses and compiles a template.
func Compile(name, src string, opts Options) (*Template, error) {
	args := opts.Args
	if len(args) == 0 {
		args = DefaultArgs
	}
	c := &compiler{
		opts: opts, env: newEnv(opts),
		globals: set(opts.Globals), attrGlobals: set(opts.AttrGlobals), arg: set(args), invariant: set(opts.Invariant), stableAttrs: set(opts.StableAttrs),
		imports: map[string]*importInfo{}, sources: map[string]loaded{}, consts: starlark.StringDict{}, used: map[string]bool{}, free: map[string]bool{},
		stack: []string{name},
	}
	for n := range c.attrGlobals {
		c.globals[n] = true
	}
	c.scopedLocals, c.initRefs = map[*syntax.DictExpr]bool{}, map[*syntax.Ident]bool{}
	c.importAliases, c.macroNames = map[aliasKey]importAlias{}, map[string]bool{}
	f := newSrcFile(name, src)
	toks, err := lex(f)
	if err != nil {
		return nil, err
	}
	p := &parser{c: c, f: f, toks: toks, scope: newScope(), inh: newInherit(true)}
	p.top = p.scope
	for _, a := range args {
		p.scope.params[a] = true
		p.scope.assigned[a] = true
	}
	body, _, err := p.parseBody(token{})
	if err != nil {
		return nil, err
	}
	if body, err = p.extendChain(body); err != nil {
		return nil, err
	}
	if body, err = p.finishBlocks(body); err != nil {
		return nil, err
	}
	if c.checkErr != nil {
		return nil, c.checkErr
	}
	var params []syntax.Expr
	for _, a := range args {
		params = append(params, p.ident(a, 0))
	}
	render := &syntax.DefStmt{Def: p.pos(0), Name: p.ident("$render", 0), Lparen: p.pos(0), Rparen: p.pos(0),
		Params: params, Body: orPass(p, p.funcBody(p.scope, body, 0), token{})}
	stmts := []syntax.Stmt{p.assignStmt(p.ident("$init", 0), p.ident("None", 0), 0)}
	stmts = append(stmts, c.toplevel...)
	stmts = append(stmts, render)
	if c.autoescape {
		markFilters(stmts)
	}
	file := &syntax.File{Path: name, Stmts: stmts, Options: &syntax.FileOptions{Set: true, Recursion: true}}
	guard.File(file) // `*` checks the size of what it repeats
	escapes := map[string]bool{}
	for _, a := range args {
		escapes[a] = argEscapes(file, a)
	}
	var pieces []piece
	var hoists []hoist
	var direct []directOp
	if !opts.plain {
		pieces, hoists = c.optimize(file)
		direct = directPlan(file, args)
	}
	prog, err := starlark.FileProgram(file, c.isPredeclared)
	if err != nil {
		return nil, convertCompileError(name, err)
	}
	t := &Template{name: name, prog: prog, args: slices.Clone(args), runs: c.runs, builtins: starlark.StringDict{}, env: c.env,
		src: src, opts: opts, pieces: pieces, hoists: hoists, direct: direct, escapes: escapes}
	for n := range c.used {
		switch {
		case strings.HasPrefix(n, hFilter):
			t.builtins[n] = c.env.filters[n[len(hFilter):]]
		case strings.HasPrefix(n, hTest):
			t.builtins[n] = c.env.tests[n[len(hTest):]]
		case strings.HasPrefix(n, hMethod):
			m, ok := strMethods[n[len(hMethod):]]
			if !ok {
				return nil, fmt.Errorf("jinja: internal error: no method %s", n)
			}
			t.builtins[n] = m
		case strings.HasPrefix(n, hUndef):
			t.builtins[n] = &Undefined{name: n[len(hUndef):]}
		case strings.HasPrefix(n, hConst):
			t.builtins[n] = c.consts[n]
		case strings.HasPrefix(n, hGlobal):
			t.aliases = append(t.aliases, n[len(hGlobal):])
		case n == hEmit || n == hPush || n == hPop || n == hWrite || strings.HasPrefix(n, hHoistVal):
		case strings.HasPrefix(n, "$"):
			b, ok := runtimeBuiltins[n]
			if !ok {
				return nil, fmt.Errorf("jinja: internal error: unknown builtin %s", n)
			}
			t.builtins[n] = b
		case jinjaGlobals[n] != nil && !c.globals[n]:
			t.builtins[n] = jinjaGlobals[n]
		default:
			t.globals = append(t.globals, n)
		}
	}
	if err := c.checkCalls(file); err != nil {
		return nil, err
	}
	var written map[string]bool
	for n := range c.free {
		t.builtins[n] = &Undefined{name: n}
		if written == nil {
			written = c.writtenNames(file)
		}
		if written[n] { // not only the start value of a loop-local name
			t.undefined = append(t.undefined, n)
		}
	}
	sort.Strings(t.undefined)
	sort.Strings(t.globals)
	return t, nil
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func convertCompileError(name string, err error) error {
	var list resolve.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		return &Error{File: e.Pos.Filename(), Line: int(e.Pos.Line), Col: max(int(e.Pos.Col), 1), Msg: e.Msg, Err: err}
	}
	var se syntax.Error
	if errors.As(err, &se) {
		return &Error{File: se.Pos.Filename(), Line: int(se.Pos.Line), Col: max(int(se.Pos.Col), 1), Msg: se.Msg, Err: err}
	}
	return &Error{File: name, Line: 1, Col: 1, Msg: err.Error(), Err: err}
}

// Instance is a Template bound to its per-template constants. It renders
// from one goroutine at a time.
type Instance struct {
	// MaxOutput, when positive, is the most bytes one Render may write:
	// a render writing more fails with ErrOutputLimit as soon as it does.
	MaxOutput int

	// Stopped, when set, reports whether the thread's calls are cancelled
	// and why; with it, Render may run a straight template from Go (see
	// direct.go), where no Starlark step would notice a cancellation.
	Stopped func() (reason string, stopped bool)

	t      *Template
	direct []directStep // the render function bound to this Instance, or nil
	render *starlark.Function
	args   starlark.Tuple
	buf    []byte
	start  int // len(dst) of the running Render
	marks  []int
	thread *starlark.Thread // of the running Render (or init)
}

// ErrOutputLimit is the cause of a Render that outgrew Instance.MaxOutput.
var ErrOutputLimit = errors.New("the output is larger than the limit")

// NewInstance binds the template's globals (values for Options.Globals;
// missing ones are Undefined) and runs the top level of the program
// (imported templates' bodies) on thread.
func (t *Template) NewInstance(thread *starlark.Thread, globals starlark.StringDict) (*Instance, error) {
	in := &Instance{t: t, args: make(starlark.Tuple, len(t.args)), thread: thread}
	pre := make(starlark.StringDict, len(t.builtins)+len(t.globals)+len(t.aliases)+3)
	for k, v := range t.builtins {
		pre[k] = v
	}
	lookup := func(n string) starlark.Value {
		if v, ok := globals[n]; ok && v != nil {
			return v
		}
		return &Undefined{name: n}
	}
	for _, n := range t.globals {
		pre[n] = lookup(n)
	}
	for _, n := range t.aliases {
		pre[hGlobal+n] = lookup(n)
	}
	pre[hEmit] = starlark.NewBuiltin("emit", in.emit)
	pre[hPush] = starlark.NewBuiltin("push", in.push)
	pre[hPop] = starlark.NewBuiltin("pop", in.pop)
	if len(t.pieces) > 0 {
		pre[hWrite] = (*writer)(in)
	}
	var hoisted []starlark.Value
	if len(t.hoists) > 0 {
		vals, ok := t.resolveHoists(pre)
		if !ok {
			plain, err := t.plain()
			if err != nil {
				return nil, err
			}
			return plain.NewInstance(thread, globals)
		}
		for i, v := range vals {
			pre[hHoistVal+strconv.Itoa(i)] = v
		}
		hoisted = vals
	}
	g, err := t.prog.Init(thread, pre)
	in.buf, in.marks, in.thread = nil, in.marks[:0], nil
	if err != nil {
		return nil, t.runtimeError(err)
	}
	fn, ok := g["$render"].(*starlark.Function)
	if !ok {
		return nil, fmt.Errorf("jinja: %s: internal error: no render function", t.name)
	}
	in.render = fn
	in.bindDirect(hoisted, pre)
	return in, nil
}

// Render renders the template with the per-call values (in Options.Args
// order) and appends the output to dst. On error dst is returned with its
// original length and the error names the template file and line.
func (in *Instance) Render(thread *starlark.Thread, dst []byte, args ...starlark.Value) ([]byte, error) {
	if len(args) != len(in.args) {
		return dst, fmt.Errorf("jinja: %s: render takes %d arguments (%s), got %d",
			in.t.name, len(in.args), strings.Join(in.t.args, ", "), len(args))
	}
	copy(in.args, args)
	n := len(dst)
	if in.direct != nil && in.Stopped != nil {
		in.thread, in.start, in.marks = thread, n, in.marks[:0]
		out, err := in.renderDirect(thread, dst)
		in.thread = nil
		clear(in.args)
		return out, err
	}
	in.buf, in.start, in.marks, in.thread = dst, n, in.marks[:0], thread
	_, err := starlark.Call(thread, in.render, in.args, nil)
	out := in.buf
	in.buf, in.thread = nil, nil
	clear(in.args)
	if err != nil {
		return out[:n], in.t.runtimeError(err)
	}
	return out, nil
}

// runtimeError locates a Starlark evaluation error at the innermost
// template frame.
func (t *Template) runtimeError(err error) error {
	var ee *starlark.EvalError
	if !errors.As(err, &ee) {
		return &Error{File: t.name, Line: 1, Msg: err.Error(), Err: err}
	}
	msg := ee.Msg
	for i := len(ee.CallStack) - 1; i >= 0; i-- {
		fr := ee.CallStack[i]
		if fn := fr.Pos.Filename(); fn != "<builtin>" && fr.Pos.Line > 0 {
			return &Error{File: fn, Line: int(fr.Pos.Line), Msg: msg, Err: err}
		}
	}
	return &Error{File: t.name, Line: 1, Msg: msg, Err: err}
}

func (in *Instance) emit(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	k, _ := args[0].(starlark.Int).Int64()
	lits := in.t.runs[k]
	b := append(in.buf, lits[0]...)
	for i, v := range args[1:] {
		b = appendStr(b, v)
		b = append(b, lits[i+1]...)
	}
	in.buf = b
	if in.MaxOutput > 0 && len(b)-in.start > in.MaxOutput {
		return nil, ErrOutputLimit
	}
	return starlark.None, nil
}

func (in *Instance) push(_ *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	in.marks = append(in.marks, len(in.buf))
	return starlark.None, nil
}

func (in *Instance) pop(_ *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(in.marks) == 0 {
		return nil, errors.New("internal error: output stack underflow")
	}
	m := in.marks[len(in.marks)-1]
	in.marks = in.marks[:len(in.marks)-1]
	s := string(in.buf[m:])
	in.buf = in.buf[:m]
	return starlark.String(s), nil
}
