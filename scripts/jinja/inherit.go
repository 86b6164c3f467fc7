package jinja

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Template inheritance ({% extends %}, {% block %}, super(), self).
//
// The rendered template and the templates it extends (its chain) compile
// into the one render function and share its names, as Jinja's context is
// shared: the child's top level runs first (its output after extends is
// dropped, its statements run), then its parent's, and so on; the last
// template, which extends nothing, prints. Every block definition becomes
// a function at the start of the render function that returns its output;
// a block's place prints the most derived definition; super() calls the
// next one up the chain; self.name() the most derived. Blocks see the
// template's top-level names, not the loops around them, unless scoped:
// a scoped block gets the loop names of its place as keyword arguments.
// Included and imported templates are chains of their own.

// inherit is the block table of one chain.
type inherit struct {
	root    bool                   // the rendered template's chain: extends allowed
	defs    map[string][]*blockDef // by name, most derived (lowest level) first
	hoisted []syntax.Stmt          // block functions, put at the start of the chain's function
	supers  []superRef
	self    bool // the chain uses self
	reads   []*syntax.Ident
}

type blockDef struct {
	fn       string
	level    int  // 0: the rendered template, 1: what it extends, ...
	required bool // a template extending this one must define it
}

type superRef struct {
	id    *syntax.Ident
	name  string
	level int
	at    token
	p     *parser
}

// blockCtx is the block whose body is being parsed.
type blockCtx struct {
	name  string
	level int
}

func newInherit(root bool) *inherit { return &inherit{root: root, defs: map[string][]*blockDef{}} }

const (
	hSelf   = "$self"
	hScoped = "$scoped"
	hLocals = "$sc"
)

func (p *parser) parseExtends(b *block, et token) error {
	switch {
	case !p.inh.root:
		return p.fail(et, "'extends' is supported in the template a generator renders, not in included or imported ones")
	case p.blk != nil || p.nest != 1 || p.scope != p.top:
		return p.fail(et, "'extends' must be at the top level of the template (not inside another tag)")
	case p.extName != "":
		return p.fail(et, "the template extends twice")
	}
	name, nameTok, err := p.templateName()
	if err != nil {
		return err
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	b.flush(p) // what comes before extends prints
	p.top.discard = true
	p.extName, p.extTok = name, nameTok
	return nil
}

// discarding reports whether output is dropped here: at the top level of a
// template that extends another (Jinja prints only the parent's output).
func (p *parser) discarding() bool { return p.scope.discard && p.blk == nil && !p.keep }

func (p *parser) parseBlock(b *block, bt token) error {
	nt, err := p.expectName()
	if err != nil {
		return err
	}
	scoped, required := false, false
	for p.isName("scoped") || p.isName("required") {
		switch p.next().text {
		case "scoped":
			scoped = true
		default:
			required = true
		}
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	name := nt.text
	for _, d := range p.inh.defs[name] {
		if d.level == p.level {
			return p.fail(nt, "block '%s' defined twice", name)
		}
	}
	def := &blockDef{fn: "$blk:" + name + ":" + strconv.Itoa(p.level), level: p.level, required: required}
	defs := append(p.inh.defs[name], def)
	sort.SliceStable(defs, func(i, j int) bool { return defs[i].level < defs[j].level })
	p.inh.defs[name] = defs

	loops, outer := p.scope.loops, p.blk
	p.scope.loops, p.blk = nil, &blockCtx{name: name, level: p.level}
	body, _, err := p.parseBody(bt, "endblock")
	p.scope.loops, p.blk = loops, outer
	if err != nil {
		return err
	}
	if t := p.peek(); t.kind == tName {
		p.next()
		if t.text != name {
			return p.fail(t, "'endblock %s' closes block '%s'", t.text, name)
		}
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	if required && !p.onlyBlank(body) {
		return p.fail(nt, "required blocks can only contain comments or whitespace")
	}
	if defs[0].required && !p.discarding() {
		return p.fail(nt, "required block '%s' not found (no template extending this one defines it)", name)
	}
	// Whether a block is scoped is up to its place (in the template
	// extended last), so every definition reads its names the scoped way;
	// a place that is not scoped passes none.
	body = p.scopeLocals(body, bt.off)
	stmts := []syntax.Stmt{p.exprStmt(hPush, bt.off)}
	stmts = append(stmts, body...)
	stmts = append(stmts, &syntax.ReturnStmt{Return: p.pos(bt.off), Result: p.callHidden(hPop, bt.off)})
	p.inh.hoisted = append(p.inh.hoisted, &syntax.DefStmt{Def: p.pos(bt.off), Name: p.ident(def.fn, nt.off),
		Lparen: p.pos(bt.off), Rparen: p.pos(bt.off), Body: stmts,
		Params: []syntax.Expr{&syntax.UnaryExpr{OpPos: p.pos(bt.off), Op: syntax.STARSTAR, X: p.ident(hLocals, bt.off)}}})

	// Its place prints the most derived definition (those of the
	// templates extending this one are known: they were parsed first).
	call := &syntax.CallExpr{Fn: p.ident(defs[0].fn, bt.off), Lparen: p.pos(bt.off), Rparen: p.pos(bt.off)}
	if scoped {
		locals := &syntax.DictExpr{Lbrace: p.pos(bt.off), Rbrace: p.pos(bt.off)}
		p.c.scopedLocals[locals] = true
		if len(loops) > 0 {
			lc := loops[len(loops)-1]
			lc.used = true
			locals.List = append(locals.List, &syntax.DictEntry{Key: p.strLit("loop", bt.off), Colon: p.pos(bt.off), Value: p.ident(lc.name, bt.off)})
		}
		call.Args = []syntax.Expr{&syntax.UnaryExpr{OpPos: p.pos(bt.off), Op: syntax.STARSTAR, X: locals}}
	}
	b.value(call, bt.off)
	return nil
}

// scopeLocals compiles the body of a scoped block: every user name it uses
// starts as the keyword argument of that name (the loop names of the
// block's place) or else as the template's value.
func (p *parser) scopeLocals(body []syntax.Stmt, off int) []syntax.Stmt {
	names := regionNames(body)
	assigned := len(names)
	for _, s := range body {
		usedNames(s, func(n string) {
			if isUserName(n) && !p.c.globals[n] && !starlark.Universe.Has(n) && !slices.Contains(names, n) {
				names = append(names, n)
			}
		})
	}
	if len(names) == 0 {
		return body
	}
	p.c.hidden++
	suffix := "$" + strconv.Itoa(p.c.hidden)
	m := make(map[string]string, len(names))
	var init []syntax.Stmt
	for i, n := range names {
		m[n] = n + suffix
		outer := p.ident(n, off)
		// The outer value of a name the block assigns, of loop, or of a
		// name the chain assigns somewhere (a loop variable a scoped
		// block's place passes) is no undefined-name warning.
		p.c.initRefs[outer] = i < assigned || n == "loop"
		p.inh.reads = append(p.inh.reads, outer) // see finishBlocks
		init = append(init, p.assignStmt(p.ident(m[n], off),
			p.callHidden(hScoped, off, p.ident(hLocals, off), p.strLit(n, off), outer), off))
	}
	for _, s := range body {
		p.c.rename(s, m)
	}
	return append(init, body...)
}

// superCall is the function super() calls in the block being parsed; the
// name is set by finishBlocks, when the whole chain is known.
func (p *parser) superCall(t token) *syntax.Ident {
	id := p.ident("$super", t.off)
	p.inh.supers = append(p.inh.supers, superRef{id: id, name: p.blk.name, level: p.blk.level, at: t, p: p})
	return id
}

// finishBlocks puts the chain's block functions (and self) at the start of
// its function's body.
func (p *parser) finishBlocks(body []syntax.Stmt) ([]syntax.Stmt, error) {
	inh := p.inh
	for _, id := range inh.reads {
		if p.scope.assigned[id.Name] {
			p.c.initRefs[id] = true
		}
	}
	for _, s := range inh.supers {
		var next *blockDef
		for _, d := range inh.defs[s.name] {
			if d.level > s.level {
				next = d
				break
			}
		}
		if next == nil {
			return nil, s.p.fail(s.at, "super(): there is no parent block called '%s'", s.name)
		}
		s.id.Name = next.fn
	}
	if len(inh.hoisted) == 0 && !inh.self {
		return body, nil
	}
	out := slices.Clone(inh.hoisted)
	if inh.self {
		names := make([]string, 0, len(inh.defs))
		for n := range inh.defs {
			names = append(names, n)
		}
		sort.Strings(names)
		dict := &syntax.DictExpr{Lbrace: p.pos(0), Rbrace: p.pos(0)}
		for _, n := range names {
			dict.List = append(dict.List, &syntax.DictEntry{Key: p.strLit(n, 0), Colon: p.pos(0), Value: p.ident(inh.defs[n][0].fn, 0)})
		}
		out = append(out, p.assignStmt(p.ident(hSelf, 0), p.callHidden(hModule, 0, p.strLit("self", 0), dict), 0))
	}
	return append(out, body...), nil
}

// extendChain parses the templates the rendered one extends, in order,
// appending their top levels to body.
func (p *parser) extendChain(body []syntax.Stmt) ([]syntax.Stmt, error) {
	depth := len(p.c.stack)
	for cur := p; cur.extName != ""; {
		resolved, src, _, err := p.c.load(cur, cur.extTok, cur.extName, false)
		if err != nil {
			return nil, err
		}
		sub, err := p.c.open(cur, cur.extTok, resolved, src)
		if err != nil {
			return nil, err
		}
		sub.scope, sub.top, sub.inh, sub.level = p.scope, p.scope, p.inh, cur.level+1
		p.scope.discard = false
		more, _, err := sub.parseBody(token{})
		if err != nil {
			return nil, err
		}
		body = append(body, more...)
		cur = sub
	}
	p.c.stack = p.c.stack[:depth]
	p.scope.discard = false
	return body, nil
}

// builtinScoped is $scoped(locals, name, value): the block argument of
// that name, else value.
func builtinScoped(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if v, ok, _ := args[0].(*starlark.Dict).Get(args[1]); ok {
		return v, nil
	}
	return args[2], nil
}

// usedNames calls add with the name of every variable n reads or assigns
// (not attribute or keyword names, nor names bound inside n by a nested
// function's parameters or a comprehension).
func usedNames(n syntax.Node, add func(string)) {
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Ident:
			add(n.Name)
		case *syntax.DotExpr:
			usedNames(n.X, add)
			return false
		case *syntax.CallExpr:
			usedNames(n.Fn, add)
			for _, a := range n.Args {
				if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
					usedNames(b.Y, add)
					continue
				}
				usedNames(a, add)
			}
			return false
		case *syntax.DefStmt:
			add(n.Name.Name)
			usedInScope(n.Params, add, func(add func(string)) {
				for _, s := range n.Body {
					usedNames(s, add)
				}
			})
			return false
		case *syntax.LambdaExpr:
			usedInScope(n.Params, add, func(add func(string)) { usedNames(n.Body, add) })
			return false
		case *syntax.Comprehension:
			var bound []syntax.Expr
			for _, cl := range n.Clauses {
				if f, ok := cl.(*syntax.ForClause); ok {
					usedNames(f.X, add)
					bound = append(bound, f.Vars)
				}
			}
			usedInScope(bound, add, func(add func(string)) {
				usedNames(n.Body, add)
				for _, cl := range n.Clauses {
					if f, ok := cl.(*syntax.IfClause); ok {
						usedNames(f.Cond, add)
					}
				}
			})
			return false
		}
		return true
	})
}

// usedInScope runs walk with add ignoring the names params bind (their
// default values are read outside).
func usedInScope(params []syntax.Expr, add func(string), walk func(add func(string))) {
	bound := map[string]bool{}
	for _, prm := range params {
		name, def := paramOf(prm)
		if def != nil {
			usedNames(def, add)
		}
		bound[name] = true
		for _, n := range targetNames(prm) {
			bound[n] = true
		}
	}
	walk(func(n string) {
		if !bound[n] {
			add(n)
		}
	})
}

// inheritRef resolves super (in a block) and self, unless the template
// assigns those names.
func (p *parser) inheritRef(t token) syntax.Expr {
	switch {
	case p.scope.assigned[t.text]:
	case t.text == "super" && p.blk != nil && p.isOp("("):
		return p.superCall(t)
	case t.text == "self":
		p.inh.self = true
		return p.ident(hSelf, t.off)
	}
	return nil
}

// onlyBlank reports whether a block body prints nothing but whitespace.
func (p *parser) onlyBlank(body []syntax.Stmt) bool {
	for _, s := range body {
		call, ok := s.(*syntax.ExprStmt)
		if !ok {
			return false
		}
		c, ok := call.X.(*syntax.CallExpr)
		if !ok || !isHidden(c.Fn, hEmit) || len(c.Args) != 1 {
			return false
		}
		k, ok := c.Args[0].(*syntax.Literal).Value.(int64)
		if !ok || strings.TrimSpace(strings.Join(p.c.runs[k], "")) != "" {
			return false
		}
	}
	return true
}
