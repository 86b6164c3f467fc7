package jinja

import (
	"strconv"
	"strings"

	"go.starlark.net/syntax"
)

// Hidden names: predeclared builtins and compiler-made variables. They
// contain "$" or ":" so templates cannot name them.
const (
	hEmit    = "$emit"
	hPush    = "$push"
	hPop     = "$pop"
	hConcat  = "$concat"
	hPow     = "$pow"
	hGetattr = "$getattr"
	hGetitem = "$getitem"
	hMkloop  = "$mkloop"
	hModule  = "$module"
	hMod     = "$mod"
	hFilter  = "$f:"
	hTest    = "$t:"
	hMethod  = "$m:"
	hUndef   = "$U:"
	hGlobal  = "$G:"
	hConst   = "$k:"
)

// scope is one Starlark function being generated: the render function, a
// macro, an included template or an imported template's body.
type scope struct {
	assigned map[string]bool
	order    []string // user names assigned, in order of first assignment
	refs     map[string]bool
	params   map[string]bool
	loops    []*loopCtx
	numeric  map[string]bool // names known to hold numbers (range loop variables) until reassigned
	discard  bool            // output is dropped: the top level of a template that extends another
}

func newScope() *scope {
	return &scope{assigned: map[string]bool{}, refs: map[string]bool{}, params: map[string]bool{}, numeric: map[string]bool{}}
}

func (s *scope) assign(name string) {
	delete(s.numeric, name)
	if !s.assigned[name] {
		s.assigned[name] = true
		if !s.params[name] {
			s.order = append(s.order, name)
		}
	}
}

type loopCtx struct {
	name string
	used bool
}

type parser struct {
	c     *compiler
	f     *srcFile
	toks  []token
	i     int
	scope *scope

	top     *scope    // the template's top-level scope
	nest    int       // depth of parseBody calls
	inh     *inherit  // the block table of the template's chain
	blk     *blockCtx // the block being parsed, if any
	level   int       // position in the extends chain (0: the rendered template)
	extName string    // the template this one extends, as written
	extTok  token
	keep    bool // print even where output is dropped
	autoesc bool // in an {% autoescape true %} region
}

// block accumulates the statements of one body; runs of text and printed
// values are collected and flushed as a single $emit call.
type block struct {
	stmts []syntax.Stmt
	lits  []string
	exprs []syntax.Expr
	off   int
	open  bool
}

func (b *block) text(s string, off int) {
	if !b.open {
		b.open, b.off, b.lits, b.exprs = true, off, []string{""}, nil
	}
	b.lits[len(b.lits)-1] += s
}

func (b *block) value(x syntax.Expr, off int) {
	switch e := x.(type) {
	case *syntax.Literal:
		switch v := e.Value.(type) {
		case string:
			if e.Token == syntax.STRING {
				b.text(v, off)
				return
			}
		case int64:
			b.text(strconv.FormatInt(v, 10), off)
			return
		}
	case *syntax.CallExpr:
		if isHidden(e.Fn, hConcat) {
			// {{ a ~ b }} prints its operands one after another.
			for _, a := range e.Args {
				b.value(a, off)
			}
			return
		}
	case *syntax.ParenExpr:
		b.value(e.X, off)
		return
	}
	if !b.open {
		b.open, b.off, b.lits, b.exprs = true, off, []string{""}, nil
	}
	b.exprs = append(b.exprs, x)
	b.lits = append(b.lits, "")
}

func (b *block) flush(p *parser) {
	if !b.open {
		return
	}
	b.open = false
	if p.discarding() {
		return
	}
	k := len(p.c.runs)
	p.c.runs = append(p.c.runs, b.lits)
	args := append([]syntax.Expr{p.intLit(int64(k), b.off)}, b.exprs...)
	b.stmts = append(b.stmts, &syntax.ExprStmt{X: p.callHidden(hEmit, b.off, args...)})
}

func (b *block) add(p *parser, s ...syntax.Stmt) {
	b.flush(p)
	b.stmts = append(b.stmts, s...)
}

func (p *parser) exprStmt(name string, off int, args ...syntax.Expr) syntax.Stmt {
	return &syntax.ExprStmt{X: p.callHidden(name, off, args...)}
}

func (p *parser) assignStmt(lhs, rhs syntax.Expr, off int) syntax.Stmt {
	return &syntax.AssignStmt{OpPos: p.pos(off), Op: syntax.EQ, LHS: lhs, RHS: rhs}
}

func (p *parser) expectBlockEnd() error {
	t := p.peek()
	if t.kind != tBlockEnd {
		return p.fail(t, "expected end of statement block '%%}', got %s", describe(t))
	}
	p.next()
	return nil
}

// parseBody parses template content until one of the end tags; it returns
// the statements and the end tag's name token (positioned after the name).
func (p *parser) parseBody(open token, ends ...string) ([]syntax.Stmt, token, error) {
	var b block
	p.nest++
	defer func() { p.nest-- }()
	for {
		t := p.peek()
		switch t.kind {
		case tEOF:
			if len(ends) > 0 {
				return nil, t, p.fail(open, "unexpected end of template: '%s' tag is not closed (expected '%s')",
					open.text, strings.Join(ends, "' or '"))
			}
			b.flush(p)
			return b.stmts, t, nil
		case tData:
			p.next()
			b.text(t.text, t.off)
		case tVarBegin:
			p.next()
			x, err := p.parseTuple(true)
			if err != nil {
				return nil, t, err
			}
			if e := p.peek(); e.kind != tVarEnd {
				return nil, t, p.fail(e, "expected end of print statement '}}', got %s", describe(e))
			}
			p.next()
			if p.autoesc {
				x = p.escapeValue(x)
			}
			b.value(x, t.off)
		case tBlockBegin:
			p.next()
			nt, err := p.expectName()
			if err != nil {
				return nil, t, err
			}
			for _, e := range ends {
				if nt.text == e {
					b.flush(p)
					return b.stmts, nt, nil
				}
			}
			if err := p.parseTag(&b, nt); err != nil {
				return nil, t, err
			}
		default:
			return nil, t, p.fail(t, "unexpected %s", describe(t))
		}
	}
}

func (p *parser) parseTag(b *block, nt token) error {
	switch nt.text {
	case "if":
		return p.parseIf(b, nt)
	case "for":
		return p.parseFor(b, nt)
	case "set":
		return p.parseSet(b, nt)
	case "do":
		x, err := p.parseTuple(true)
		if err != nil {
			return err
		}
		b.add(p, &syntax.ExprStmt{X: x})
		return p.expectBlockEnd()
	case "macro":
		return p.parseMacro(b, nt)
	case "include":
		return p.parseInclude(b, nt)
	case "import", "from":
		return p.parseImport(b, nt)
	case "break", "continue":
		if len(p.scope.loops) == 0 {
			return p.fail(nt, "'%s' outside of a loop", nt.text)
		}
		tok := syntax.BREAK
		if nt.text == "continue" {
			tok = syntax.CONTINUE
		}
		b.add(p, &syntax.BranchStmt{Token: tok, TokenPos: p.pos(nt.off)})
		return p.expectBlockEnd()
	case "filter":
		p.c.hidden++
		tmp := "$fb" + strconv.Itoa(p.c.hidden)
		var x syntax.Expr = p.ident(tmp, nt.off)
		first := true
		for first || p.isOp("|") {
			if !first {
				p.next()
			}
			first = false
			ft, err := p.expectName()
			if err != nil {
				return err
			}
			if x, err = p.applyFilter(x, ft, ft); err != nil {
				return err
			}
		}
		if err := p.expectBlockEnd(); err != nil {
			return err
		}
		body, _, err := p.parseBody(nt, "endfilter")
		if err != nil {
			return err
		}
		_, body = p.localize(body, nt.off, nil)
		b.add(p, p.exprStmt(hPush, nt.off))
		b.add(p, body...)
		var out syntax.Expr = p.callHidden(hPop, nt.off)
		if p.autoesc { // the filtered block is markup in an autoescape region
			out = p.callHidden(hMarkup, nt.off, out)
			x = p.callHidden(hAutoesc, nt.off, x)
		}
		b.add(p, p.assignStmt(p.ident(tmp, nt.off), out, nt.off))
		b.value(x, nt.off)
		return p.expectBlockEnd()
	case "with":
		var binds []syntax.Stmt
		for !p.isOp("%}") && p.peek().kind == tName {
			tg, err := p.parseTargets(false)
			if err != nil {
				return err
			}
			eq, err := p.expectOp("=")
			if err != nil {
				return err
			}
			v, err := p.parseExpr()
			if err != nil {
				return err
			}
			p.assignTargets(tg)
			binds = append(binds, p.assignStmt(tg, v, eq.off))
			if !p.acceptOp(",") {
				break
			}
		}
		if err := p.expectBlockEnd(); err != nil {
			return err
		}
		body, _, err := p.parseBody(nt, "endwith")
		if err != nil {
			return err
		}
		_, body = p.localize(append(binds, body...), nt.off, nil)
		b.add(p, body...)
		return p.expectBlockEnd()
	case "autoescape":
		x, err := p.parseExpr()
		if err != nil {
			return err
		}
		if err := p.expectBlockEnd(); err != nil {
			return err
		}
		outer := p.autoesc
		if id, ok := x.(*syntax.Ident); ok && (id.Name == "True" || id.Name == "False") {
			p.autoesc = id.Name == "True"
		}
		body, _, err := p.parseBody(nt, "endautoescape")
		on := p.autoesc
		p.autoesc = outer
		if err != nil {
			return err
		}
		if on {
			p.markRegion(body)
			p.c.autoescape = true
		}
		_, body = p.localize(body, nt.off, nil) // a scope, as in Jinja
		b.add(p, body...)
		return p.expectBlockEnd()
	case "elif", "else", "endif", "endfor", "endset", "endmacro", "endfilter", "endwith", "endautoescape", "endraw", "endcall", "endblock":
		return p.fail(nt, "unexpected '%s' tag", nt.text)
	case "call":
		return p.parseCallBlock(b, nt)
	case "extends":
		return p.parseExtends(b, nt)
	case "block":
		return p.parseBlock(b, nt)
	}
	return p.fail(nt, "unknown tag '%s'", nt.text)
}

func (p *parser) parseIf(b *block, it token) error {
	cond, err := p.parseTuple(true)
	if err != nil {
		return err
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	body, end, err := p.parseBody(it, "elif", "else", "endif")
	if err != nil {
		return err
	}
	root := &syntax.IfStmt{If: p.pos(it.off), Cond: cond, True: orPass(p, body, it)}
	cur := root
	for {
		switch end.text {
		case "elif":
			c, err := p.parseTuple(true)
			if err != nil {
				return err
			}
			if err := p.expectBlockEnd(); err != nil {
				return err
			}
			body, next, err := p.parseBody(it, "elif", "else", "endif")
			if err != nil {
				return err
			}
			n := &syntax.IfStmt{If: p.pos(end.off), Cond: c, True: orPass(p, body, end)}
			cur.ElsePos = p.pos(end.off)
			cur.False = []syntax.Stmt{n}
			cur, end = n, next
		case "else":
			if err := p.expectBlockEnd(); err != nil {
				return err
			}
			body, next, err := p.parseBody(it, "endif")
			if err != nil {
				return err
			}
			cur.ElsePos = p.pos(end.off)
			cur.False = body
			end = next
		default: // endif
			b.add(p, root)
			return p.expectBlockEnd()
		}
	}
}

func orPass(p *parser, body []syntax.Stmt, t token) []syntax.Stmt {
	if len(body) == 0 {
		return []syntax.Stmt{&syntax.BranchStmt{Token: syntax.PASS, TokenPos: p.pos(t.off)}}
	}
	return body
}

func (p *parser) assignTargets(x syntax.Expr) {
	switch e := x.(type) {
	case *syntax.Ident:
		p.scope.assign(e.Name)
	case *syntax.TupleExpr:
		for _, y := range e.List {
			p.assignTargets(y)
		}
	}
}

func cloneTarget(x syntax.Expr) syntax.Expr {
	switch e := x.(type) {
	case *syntax.Ident:
		return &syntax.Ident{NamePos: e.NamePos, Name: e.Name}
	case *syntax.TupleExpr:
		t := &syntax.TupleExpr{Lparen: e.Lparen, Rparen: e.Rparen}
		for _, y := range e.List {
			t.List = append(t.List, cloneTarget(y))
		}
		return t
	}
	return x
}

func (p *parser) parseFor(b *block, ft token) error {
	target, err := p.parseTargets(false)
	if err != nil {
		return err
	}
	in := p.peek()
	if !p.acceptName("in") {
		return p.fail(in, "expected 'in', got %s", describe(in))
	}
	iter, err := p.parseTuple(false)
	if err != nil {
		return err
	}
	var filter syntax.Expr
	if p.acceptName("if") {
		if filter, err = p.parseExpr(); err != nil {
			return err
		}
	}
	recursive := p.acceptName("recursive")
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	numeric := maps(p.scope.numeric) // after the loop its names are the outer ones again
	p.assignTargets(target)
	if id, ok := target.(*syntax.Ident); ok && p.isRangeCall(iter) {
		p.scope.numeric[id.Name] = true
	}
	p.c.hidden++
	n := strconv.Itoa(p.c.hidden)
	lc := &loopCtx{name: "$loop" + n}
	p.scope.loops = append(p.scope.loops, lc)
	body, end, err := p.parseBody(ft, "else", "endfor")
	p.scope.loops = p.scope.loops[:len(p.scope.loops)-1]
	p.scope.numeric = numeric
	if err != nil {
		return err
	}
	var els []syntax.Stmt
	if end.text == "else" {
		if err := p.expectBlockEnd(); err != nil {
			return err
		}
		if els, _, err = p.parseBody(ft, "endfor"); err != nil {
			return err
		}
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	if recursive {
		p.c.hidden++
		rit := p.ident("$rit"+strconv.Itoa(p.c.hidden), ft.off)
		var x syntax.Expr = rit
		if filter != nil {
			x = p.loopFilter(ft, in, target, rit, filter)
		}
		_, body = p.localize(body, ft.off, target)
		p.recursiveLoop(b, ft, end, in, n, target, iter, rit, x, lc, body, els)
		return nil
	}
	x := p.hoist(iter)
	// Jinja tests the filter of an item when the loop reaches it, so it sees
	// what earlier iterations changed ("for _ in range(400) if not ns.done").
	// A loop reading loop.* needs its items up front (loop.length,
	// loop.last), so there the filtered items are listed first.
	lazy := filter != nil && !lc.used
	if filter != nil && !lazy {
		x = p.loopFilter(ft, in, target, iter, filter)
	}
	bound := targetNames(target) // before localize renames them
	// The loop's target and what its body assigns are local to the loop.
	m, body := p.localize(body, ft.off, target)
	var guard syntax.Stmt
	if lazy {
		// The filter reads the loop's target and, for every other name, the
		// value outside the loop (not what the body assigns).
		own := map[string]string{}
		for _, name := range bound {
			if r, ok := m[name]; ok {
				own[name] = r
			}
		}
		p.c.rename(filter, own)
		guard = &syntax.IfStmt{If: p.pos(ft.off),
			Cond: &syntax.UnaryExpr{OpPos: p.pos(ft.off), Op: syntax.NOT, X: &syntax.ParenExpr{Lparen: p.pos(ft.off), X: filter, Rparen: p.pos(ft.off)}},
			True: []syntax.Stmt{&syntax.BranchStmt{Token: syntax.CONTINUE, TokenPos: p.pos(ft.off)}}}
	}
	if lc.used {
		b.add(p, p.assignStmt(p.ident(lc.name, ft.off), p.callHidden(hMkloop, in.off, x), ft.off))
		x = p.ident(lc.name, ft.off)
	}
	for _, s := range p.forStmtsGuarded(ft, end, n, target, x, guard, body, els) {
		b.add(p, s)
	}
	return nil
}

// loopFilter is the items of "for target in iter if filter".
func (p *parser) loopFilter(ft, in token, target, iter, filter syntax.Expr) syntax.Expr {
	return &syntax.Comprehension{Lbrack: p.pos(ft.off), Body: cloneTarget(target), Rbrack: p.pos(ft.off),
		Clauses: []syntax.Node{
			&syntax.ForClause{For: p.pos(ft.off), Vars: cloneTarget(target), In: p.pos(in.off), X: iter},
			&syntax.IfClause{If: p.pos(ft.off), Cond: filter},
		}}
}

// forStmts is the for statement over x, with the else body run when it
// made no iteration.
func (p *parser) forStmts(ft, end token, n string, target, x syntax.Expr, body, els []syntax.Stmt) []syntax.Stmt {
	return p.forStmtsGuarded(ft, end, n, target, x, nil, body, els)
}

// forStmtsGuarded is forStmts with guard (if not nil) first in the body:
// an item it skips is no iteration for the else body.
func (p *parser) forStmtsGuarded(ft, end token, n string, target, x syntax.Expr, guard syntax.Stmt, body, els []syntax.Stmt) []syntax.Stmt {
	var out []syntax.Stmt
	flag := "$it" + n
	if els != nil {
		out = append(out, p.assignStmt(p.ident(flag, ft.off), p.ident("False", ft.off), ft.off))
		body = append([]syntax.Stmt{p.assignStmt(p.ident(flag, ft.off), p.ident("True", ft.off), ft.off)}, body...)
	}
	if guard != nil {
		body = append([]syntax.Stmt{guard}, body...)
	}
	out = append(out, &syntax.ForStmt{For: p.pos(ft.off), Vars: target, X: x, Body: orPass(p, body, ft)})
	if els != nil {
		out = append(out, &syntax.IfStmt{If: p.pos(end.off),
			Cond: &syntax.UnaryExpr{OpPos: p.pos(end.off), Op: syntax.NOT, X: p.ident(flag, end.off)},
			True: orPass(p, els, end)})
	}
	return out
}

// isRangeCall reports whether x is a call of the builtin range.
func (p *parser) isRangeCall(x syntax.Expr) bool {
	c, ok := x.(*syntax.CallExpr)
	if !ok {
		return false
	}
	id, ok := c.Fn.(*syntax.Ident)
	return ok && id.Name == "range" && !p.scope.assigned["range"] && !p.c.globals["range"]
}

func (p *parser) parseSet(b *block, st token) error {
	target, err := p.parseTargets(true)
	if err != nil {
		return err
	}
	if p.isOp("=") {
		eq := p.next()
		rhs, err := p.parseTuple(true)
		if err != nil {
			return err
		}
		p.assignTargets(target)
		b.add(p, p.assignStmt(target, rhs, eq.off))
		return p.expectBlockEnd()
	}
	// Block set: {% set x %}...{% endset %}, optionally with filters.
	p.c.hidden++
	tmp := "$fb" + strconv.Itoa(p.c.hidden)
	var val syntax.Expr = p.ident(tmp, st.off)
	for p.isOp("|") {
		bar := p.next()
		ft, err := p.expectName()
		if err != nil {
			return err
		}
		if val, err = p.applyFilter(val, bar, ft); err != nil {
			return err
		}
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	body, _, err := p.parseBody(st, "endset")
	if err != nil {
		return err
	}
	_, body = p.localize(body, st.off, nil)
	p.assignTargets(target)
	b.add(p, p.exprStmt(hPush, st.off))
	b.add(p, body...)
	var out syntax.Expr = p.callHidden(hPop, st.off)
	if p.autoesc { // a block set in an autoescape region is markup
		out = p.callHidden(hMarkup, st.off, out)
	}
	b.add(p, p.assignStmt(p.ident(tmp, st.off), out, st.off))
	b.add(p, p.assignStmt(target, val, st.off))
	return p.expectBlockEnd()
}

// funcBody wraps the statements of a generated function: every user name
// assigned in it starts out undefined (or as the global of the same name),
// as in Jinja, instead of Starlark's "referenced before assignment".
func (p *parser) funcBody(sc *scope, body []syntax.Stmt, off int) []syntax.Stmt {
	var init []syntax.Stmt
	for _, name := range funcNames(sc, body) {
		var v string
		if p.c.globals[name] {
			v = hGlobal + name
		} else {
			v = p.c.undefinedName(name)
		}
		init = append(init, p.assignStmt(p.ident(name, off), p.ident(v, off), off))
	}
	return append(init, body...)
}

func (p *parser) parseMacro(b *block, mt token) error {
	nt, err := p.expectName()
	if err != nil {
		return err
	}
	if _, err := p.expectOp("("); err != nil {
		return err
	}
	outer := p.scope
	sc := newScope()
	params, err := p.parseParams(sc)
	if err != nil {
		return err
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	outer.assign(nt.text)
	p.c.macroNames[nt.text] = true
	p.scope = sc
	body, _, err := p.parseBody(mt, "endmacro")
	p.scope = outer
	if err != nil {
		return err
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	b.add(p, p.defFunc(nt.text, nt, mt, sc, params, body))
	return nil
}

// parseParams parses macro or caller parameters "a, b=1)" (after the
// opening parenthesis, up to and including the closing one) for a function
// of scope sc; defaults are evaluated in the current scope. Missing
// arguments are undefined, as in Jinja.
func (p *parser) parseParams(sc *scope) ([]syntax.Expr, error) {
	outer := p.scope
	defer func() { p.scope = outer }()
	var params []syntax.Expr
	for !p.isOp(")") {
		pt, err := p.expectName()
		if err != nil {
			return nil, err
		}
		var def syntax.Expr
		if p.isOp("=") {
			p.next()
			p.scope = outer
			def, err = p.parseExpr()
			if err != nil {
				return nil, err
			}
		} else {
			def = p.ident(p.c.undefinedName(pt.text), pt.off)
		}
		sc.params[pt.text] = true
		sc.assigned[pt.text] = true
		params = append(params, &syntax.BinaryExpr{X: p.ident(pt.text, pt.off), OpPos: p.pos(pt.off), Op: syntax.EQ, Y: def})
		if !p.acceptOp(",") {
			break
		}
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return params, nil
}

// defFunc builds the function of a macro or a call block's caller: its
// output is returned as a string. Jinja's special names become
// parameters when the body uses them: varargs and kwargs collect extra
// arguments, caller (keyword only) is the body of a {% call %} block.
func (p *parser) defFunc(name string, nt, mt token, sc *scope, params []syntax.Expr, body []syntax.Stmt) *syntax.DefStmt {
	special := func(n string) bool { return sc.refs[n] && !sc.assigned[n] }
	star := false
	if special("varargs") {
		params = append(params, &syntax.UnaryExpr{OpPos: p.pos(nt.off), Op: syntax.STAR, X: p.ident("varargs", nt.off)})
		star = true
	}
	if special("caller") {
		if !star {
			params = append(params, &syntax.UnaryExpr{OpPos: p.pos(nt.off), Op: syntax.STAR})
		}
		params = append(params, &syntax.BinaryExpr{X: p.ident("caller", nt.off), OpPos: p.pos(nt.off), Op: syntax.EQ,
			Y: p.ident(p.c.undefinedName("caller"), nt.off)})
	}
	if special("kwargs") {
		params = append(params, &syntax.UnaryExpr{OpPos: p.pos(nt.off), Op: syntax.STARSTAR, X: p.ident("kwargs", nt.off)})
	}
	stmts := []syntax.Stmt{p.exprStmt(hPush, mt.off)}
	stmts = append(stmts, p.funcBody(sc, body, nt.off)...)
	stmts = append(stmts, &syntax.ReturnStmt{Return: p.pos(mt.off), Result: p.callHidden(hPop, mt.off)})
	return &syntax.DefStmt{Def: p.pos(mt.off), Name: p.ident(name, nt.off), Lparen: p.pos(nt.off),
		Params: params, Rparen: p.pos(nt.off), Body: stmts}
}

// parseCallBlock compiles {% call [(params)] macro(args) %}body{% endcall %}:
// the body becomes a function passed to the macro as caller=, which the
// macro calls as caller(...) to insert it; the macro's output is printed.
func (p *parser) parseCallBlock(b *block, ct token) error {
	outer := p.scope
	sc := newScope()
	var params []syntax.Expr
	if p.acceptOp("(") {
		var err error
		if params, err = p.parseParams(sc); err != nil {
			return err
		}
	}
	at := p.peek()
	x, err := p.parseExpr()
	if err != nil {
		return err
	}
	call, ok := x.(*syntax.CallExpr)
	if !ok {
		return p.fail(at, "expected a call expression after 'call'")
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	p.scope = sc
	body, _, err := p.parseBody(ct, "endcall")
	p.scope = outer
	if err != nil {
		return err
	}
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	p.c.hidden++
	fn := "$caller" + strconv.Itoa(p.c.hidden)
	outer.assigned[fn] = true
	b.add(p, p.defFunc(fn, ct, ct, sc, params, body))
	call.Args = append(call.Args, &syntax.BinaryExpr{X: p.ident("caller", ct.off), OpPos: p.pos(ct.off), Op: syntax.EQ, Y: p.ident(fn, ct.off)})
	if p.discarding() {
		// Jinja prints a call block even where a template that extends
		// another prints nothing else.
		b.flush(p)
		p.keep = true
		b.value(call, ct.off)
		b.flush(p)
		p.keep = false
		return nil
	}
	b.value(call, ct.off)
	return nil
}

// templateName parses the template name of include/import/from: a string
// literal, as written (c.load resolves it).
func (p *parser) templateName() (string, token, error) {
	t := p.peek()
	if t.kind != tString {
		return "", t, p.fail(t, "expected a template name (string literal), got %s", describe(t))
	}
	p.next()
	s, _, err := unquotePython(t.text)
	if err != nil {
		return "", t, p.fail(t, "%v", err)
	}
	return s, t, nil
}

func (p *parser) skipContext() {
	if (p.isName("with") || p.isName("without")) && p.peekAt(1).kind == tName && p.peekAt(1).text == "context" {
		p.next()
		p.next()
	}
}

func (p *parser) parseInclude(b *block, it token) error {
	names, nameTok, err := p.templateNames()
	if err != nil {
		return err
	}
	ignoreMissing := false
	if p.isName("ignore") && p.peekAt(1).kind == tName && p.peekAt(1).text == "missing" {
		p.next()
		p.next()
		ignoreMissing = true
	}
	// "without context": the included template sees only the globals (not
	// timestamp, tags, locals, vars or the includer's variables), as Jinja.
	withoutContext := p.isName("without") && p.peekAt(1).kind == tName && p.peekAt(1).text == "context"
	p.skipContext()
	if err := p.expectBlockEnd(); err != nil {
		return err
	}
	resolved, src, ok, err := p.loadFirst(nameTok, names, ignoreMissing)
	if err != nil || !ok {
		return err
	}
	sub, err := p.c.open(p, nameTok, resolved, src)
	if err != nil {
		return err
	}
	body, _, err := sub.parseBody(token{})
	if err != nil {
		return err
	}
	if body, err = sub.finishBlocks(body); err != nil {
		return err
	}
	p.c.stack = p.c.stack[:len(p.c.stack)-1]
	p.c.hidden++
	fn := "$inc" + strconv.Itoa(p.c.hidden)
	def := &syntax.DefStmt{Def: sub.pos(0), Name: p.ident(fn, it.off), Lparen: sub.pos(0), Rparen: sub.pos(0),
		Body: orPass(sub, sub.funcBody(sub.scope, body, 0), token{})}
	if withoutContext {
		p.c.toplevel = append(p.c.toplevel, def) // outside the render: globals only
	} else {
		p.scope.assigned[fn] = true
		b.add(p, def)
	}
	b.add(p, &syntax.ExprStmt{X: &syntax.CallExpr{Fn: p.ident(fn, it.off), Lparen: p.pos(it.off), Rparen: p.pos(it.off)}})
	return nil
}

func (p *parser) parseImport(b *block, it token) error {
	name, nameTok, err := p.templateName()
	if err != nil {
		return err
	}
	type imported struct{ name, local token }
	var alias token
	var names []imported
	if it.text == "import" {
		if !p.acceptName("as") {
			return p.fail(p.peek(), "expected 'as', got %s", describe(p.peek()))
		}
		if alias, err = p.expectName(); err != nil {
			return err
		}
	} else {
		if !p.acceptName("import") {
			return p.fail(p.peek(), "expected 'import', got %s", describe(p.peek()))
		}
		for {
			if p.isName("with") || p.isName("without") {
				break
			}
			nt, err := p.expectName()
			if err != nil {
				return err
			}
			local := nt
			if p.acceptName("as") {
				if local, err = p.expectName(); err != nil {
					return err
				}
			}
			names = append(names, imported{nt, local})
			if !p.acceptOp(",") {
				break
			}
		}
	}
	// "with context": the imported template runs where the import is, so
	// its macros see the render's variables (timestamp, tags, locals, vars);
	// otherwise it runs once, apart, and sees only the globals, as in Jinja.
	withContext := p.isName("with") && p.peekAt(1).kind == tName && p.peekAt(1).text == "context"
	p.skipContext()
	var imp *importInfo
	if withContext {
		var stmts []syntax.Stmt
		if imp, stmts, err = p.c.importWithContext(p, nameTok, name); err != nil {
			return err
		}
		for _, s := range stmts {
			b.add(p, s)
		}
	} else if imp, err = p.c.importTemplate(p, nameTok, name); err != nil {
		return err
	}
	if it.text == "import" {
		p.c.importAliases[aliasKey{p.top, alias.text}] = importAlias{name, imp}
		p.scope.assign(alias.text)
		b.add(p, p.assignStmt(p.ident(alias.text, alias.off), p.ident(imp.global, alias.off), it.off))
		return p.expectBlockEnd()
	}
	for _, n := range names {
		if !imp.exports[n.name.text] {
			return p.fail(n.name, "the template %q does not export '%s'", name, n.name.text)
		}
		p.scope.assign(n.local.text)
		p.c.macroNames[n.local.text] = true
		dot := &syntax.DotExpr{X: p.ident(imp.global, n.name.off), Dot: p.pos(n.name.off), NamePos: p.pos(n.name.off), Name: p.ident(n.name.text, n.name.off)}
		b.add(p, p.assignStmt(p.ident(n.local.text, n.local.off), dot, n.name.off))
	}
	return p.expectBlockEnd()
}
