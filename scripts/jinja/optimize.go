package jinja

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// The optimizer rewrites the generated Starlark file before it is
// compiled, for what costs most per render:
//
//   - Predeclared names (module, vars, the hidden builtins, hoisted
//     constants...) become module globals bound once at the top level: a
//     global is an array slot, a predeclared name a map lookup per access.
//   - Attribute chains rooted at an invariant global (Options.Invariant:
//     module.rand.choice, vars.users, samples.users.pick) are resolved once
//     per Instance into a global; a call of such a chain whose arguments
//     are all constants (module.rand.choice(['GET', 'POST'])) becomes a call
//     without arguments of a value that holds them, which spares the
//     interpreter's copy of the argument list.
//   - Each run of text and printed values becomes one item assignment per
//     value on the Instance's writer ($w[k] = value), which appends the text
//     before the value, the value and the text after it: no argument list to
//     copy, and errors name the line of the value. A printed method call with
//     constant arguments ({{ timestamp.strftime('%H:%M') }}) passes the
//     receiver, which formats itself into the output when it implements
//     MethodAppender.
//
// Names bound anywhere in the file (set, for, macro parameters, imports)
// are left alone: a chain is hoisted only when its root can only be the
// global. When a chain fails to resolve when the Instance is made, or
// leads through an attribute to a list, dict or set (which may be built
// afresh at every access), the Instance uses the template compiled without
// this pass, so behaviour never depends on it.

const (
	hWrite    = "$w"   // the Instance's writer
	hGlobalOf = "$g:"  // module global bound to the predeclared name that follows
	hHoisted  = "$h:"  // module global holding a hoisted value
	hHoistVal = "$hv:" // predeclared value of a hoisted global, bound by NewInstance
)

// MethodAppender is implemented by values that can append the string
// form of one of their method calls straight to the output, as
// {{ x.name(args) }} prints it; ok false means "not handled here" and the
// method is called normally.
type MethodAppender interface {
	AppendMethod(dst []byte, name string, args starlark.Tuple) (out []byte, ok bool)
}

// piece is one item assignment on the writer: lit, then the value (as
// printed, or the result of method(args) called on it), then tail.
type piece struct {
	lit, tail string
	value     bool // false: text only, the assigned value is ignored
	method    string
	args      starlark.Tuple
}

// hoist is a value resolved once per Instance: root.steps..., or a call of
// another hoist with constant arguments.
type hoist struct {
	root   string
	steps  []chainStep
	callee int // for a call: index of the hoisted callee, else -1
	args   starlark.Tuple
	kwargs []starlark.Tuple
}

type chainStep struct {
	name    string
	lenient bool // Jinja's lookup ($getattr): attribute, else item, else Undefined
}

type optimizer struct {
	c       *compiler
	bound   map[string]bool
	globals map[string]bool // predeclared names turned into globals
	hoists  []hoist
	byKey   map[string]int
	pieces  []piece
}

// optimize rewrites file in place and returns the pieces and hoists the
// Instance binds.
func (c *compiler) optimize(file *syntax.File) ([]piece, []hoist) {
	o := &optimizer{c: c, bound: boundNames(file), globals: map[string]bool{}, byKey: map[string]int{}}
	file.Stmts = o.stmts(file.Stmts[:len(file.Stmts):len(file.Stmts)])
	var pre []syntax.Stmt
	pos := syntax.MakePosition(&file.Path, 1, 1)
	assign := func(lhs, rhs string) {
		pre = append(pre, &syntax.AssignStmt{OpPos: pos, Op: syntax.EQ,
			LHS: &syntax.Ident{NamePos: pos, Name: lhs}, RHS: &syntax.Ident{NamePos: pos, Name: rhs}})
	}
	for _, n := range sortedSet(o.globals) {
		assign(hGlobalOf+n, n)
	}
	for i := range o.hoists {
		assign(hHoisted+strconv.Itoa(i), hHoistVal+strconv.Itoa(i))
	}
	file.Stmts = append(pre, file.Stmts...)
	return o.pieces, o.hoists
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// predeclared reports whether name, as referenced, can only be a
// predeclared hidden name or one of Options.Globals. Names the template
// leaves undefined, and Jinja's own globals, keep their predeclared
// lookup: the static checks run after this pass read their identifiers.
func (o *optimizer) predeclared(name string) bool {
	return !o.bound[name] && (strings.HasPrefix(name, "$") || o.c.globals[name])
}

func (o *optimizer) global(id *syntax.Ident) *syntax.Ident {
	if !o.predeclared(id.Name) {
		return id
	}
	o.globals[id.Name] = true
	return &syntax.Ident{NamePos: id.NamePos, Name: hGlobalOf + id.Name}
}

func (o *optimizer) stmts(list []syntax.Stmt) []syntax.Stmt {
	out := list[:0:0]
	for _, s := range list {
		out = append(out, o.stmt(s)...)
	}
	return out
}

func (o *optimizer) stmt(s syntax.Stmt) []syntax.Stmt {
	switch s := s.(type) {
	case *syntax.ExprStmt:
		if c, ok := s.X.(*syntax.CallExpr); ok && isHidden(c.Fn, hEmit) && len(c.Args) > 0 {
			if stmts, ok := o.emit(c); ok {
				return stmts
			}
		}
		s.X = o.expr(s.X)
	case *syntax.AssignStmt:
		s.RHS = o.expr(s.RHS)
		s.LHS = o.target(s.LHS)
	case *syntax.IfStmt:
		s.Cond = o.expr(s.Cond)
		s.True = o.stmts(s.True)
		s.False = o.stmts(s.False)
	case *syntax.ForStmt:
		s.X = o.expr(s.X)
		s.Vars = o.target(s.Vars)
		s.Body = o.stmts(s.Body)
	case *syntax.WhileStmt:
		s.Cond = o.expr(s.Cond)
		s.Body = o.stmts(s.Body)
	case *syntax.DefStmt:
		o.params(s.Params)
		s.Body = o.stmts(s.Body)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = o.expr(s.Result)
		}
	}
	return []syntax.Stmt{s}
}

// target rewrites the expressions inside an assignment target (x in x.f =,
// x and i in x[i] =); the names it binds stay.
func (o *optimizer) target(x syntax.Expr) syntax.Expr {
	switch e := x.(type) {
	case *syntax.DotExpr:
		e.X = o.expr(e.X)
	case *syntax.IndexExpr:
		e.X = o.expr(e.X)
		e.Y = o.expr(e.Y)
	case *syntax.TupleExpr:
		for i, y := range e.List {
			e.List[i] = o.target(y)
		}
	case *syntax.ListExpr:
		for i, y := range e.List {
			e.List[i] = o.target(y)
		}
	case *syntax.ParenExpr:
		e.X = o.target(e.X)
	}
	return x
}

func (o *optimizer) params(params []syntax.Expr) {
	for _, p := range params {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = o.expr(b.Y)
		}
	}
}

func (o *optimizer) exprs(list []syntax.Expr) {
	for i, x := range list {
		list[i] = o.expr(x)
	}
}

func (o *optimizer) expr(x syntax.Expr) syntax.Expr {
	if x == nil {
		return nil
	}
	if id, ok := o.hoistChain(x); ok {
		return id
	}
	switch e := x.(type) {
	case *syntax.Ident:
		return o.global(e)
	case *syntax.DotExpr:
		e.X = o.expr(e.X)
	case *syntax.CallExpr:
		if g, ok := o.getter(e); ok {
			return g
		}
		e.Fn = o.expr(e.Fn)
		for i, a := range e.Args {
			switch a := a.(type) {
			case *syntax.BinaryExpr:
				if a.Op == syntax.EQ { // keyword argument
					a.Y = o.expr(a.Y)
					continue
				}
			case *syntax.UnaryExpr:
				if a.Op == syntax.STAR || a.Op == syntax.STARSTAR {
					a.X = o.expr(a.X)
					continue
				}
			}
			e.Args[i] = o.expr(a)
		}
		o.bindCall(e)
	case *syntax.IndexExpr:
		e.X = o.expr(e.X)
		e.Y = o.expr(e.Y)
	case *syntax.SliceExpr:
		e.X = o.expr(e.X)
		e.Lo = o.expr(e.Lo)
		e.Hi = o.expr(e.Hi)
		e.Step = o.expr(e.Step)
	case *syntax.BinaryExpr:
		e.X = o.expr(e.X)
		e.Y = o.expr(e.Y)
	case *syntax.UnaryExpr:
		e.X = o.expr(e.X)
	case *syntax.ParenExpr:
		e.X = o.expr(e.X)
	case *syntax.CondExpr:
		e.Cond = o.expr(e.Cond)
		e.True = o.expr(e.True)
		e.False = o.expr(e.False)
	case *syntax.ListExpr:
		o.exprs(e.List)
	case *syntax.TupleExpr:
		o.exprs(e.List)
	case *syntax.DictExpr:
		for _, entry := range e.List {
			d := entry.(*syntax.DictEntry)
			d.Key = o.expr(d.Key)
			d.Value = o.expr(d.Value)
		}
	case *syntax.DictEntry:
		e.Key = o.expr(e.Key)
		e.Value = o.expr(e.Value)
	case *syntax.Comprehension:
		for _, cl := range e.Clauses {
			switch cl := cl.(type) {
			case *syntax.ForClause:
				cl.X = o.expr(cl.X)
				cl.Vars = o.target(cl.Vars)
			case *syntax.IfClause:
				cl.Cond = o.expr(cl.Cond)
			}
		}
		e.Body = o.expr(e.Body)
	case *syntax.LambdaExpr:
		o.params(e.Params)
		e.Body = o.expr(e.Body)
	}
	return x
}

// getter turns Jinja's lookup $getattr(x, "a", "b") into $k:gaN[x], an
// index on a constant whose Get does the lookup: an index expression has
// no argument list for the interpreter to copy.
func (o *optimizer) getter(c *syntax.CallExpr) (syntax.Expr, bool) {
	if !isHidden(c.Fn, hGetattr) || o.bound[hGetattr] || len(c.Args) < 2 {
		return nil, false
	}
	names := make([]string, 0, len(c.Args)-1)
	for _, a := range c.Args[1:] {
		lit, ok := a.(*syntax.Literal)
		if !ok || lit.Token != syntax.STRING {
			return nil, false
		}
		names = append(names, lit.Value.(string))
	}
	key := hConst + "ga:" + strings.Join(names, ".")
	if _, ok := o.c.consts[key]; !ok {
		o.c.consts[key] = attrGetter(names)
	}
	g := o.global(&syntax.Ident{NamePos: c.Lparen, Name: key})
	return &syntax.IndexExpr{X: g, Lbrack: c.Lparen, Y: o.expr(c.Args[0]), Rbrack: c.Rparen}, true
}

// attrGetter is the constant of getter: g[x] is x.a.b with Jinja's lookup.
type attrGetter []string

var _ starlark.Mapping = attrGetter(nil)

func (g attrGetter) String() string        { return "<getattr " + strings.Join(g, ".") + ">" }
func (g attrGetter) Type() string          { return "getattr" }
func (g attrGetter) Freeze()               {}
func (g attrGetter) Truth() starlark.Bool  { return true }
func (g attrGetter) Hash() (uint32, error) { return 0, errors.New("unhashable type: getattr") }

func (g attrGetter) Get(x starlark.Value) (starlark.Value, bool, error) {
	for _, name := range g {
		v, err := getAttr(x, name)
		if err != nil {
			return nil, false, err
		}
		x = v
	}
	return x, true, nil
}

// chain recognises root.a.b (plain attributes) and $getattr(root, "a", ...)
// (Jinja's lookup) over an invariant global root.
func (o *optimizer) chain(x syntax.Expr) (string, []chainStep, bool) {
	switch e := x.(type) {
	case *syntax.Ident:
		if (o.c.invariant[e.Name] || o.c.stableAttrs[e.Name]) && o.predeclared(e.Name) {
			return e.Name, nil, true
		}
	case *syntax.DotExpr:
		if root, steps, ok := o.chain(e.X); ok {
			return root, append(steps, chainStep{name: e.Name.Name}), true
		}
	case *syntax.CallExpr:
		if !isHidden(e.Fn, hGetattr) || o.bound[hGetattr] || len(e.Args) < 2 {
			return "", nil, false
		}
		root, steps, ok := o.chain(e.Args[0])
		if !ok || !o.c.invariant[root] {
			return "", nil, false // a lookup may reach a StableAttrs value's items
		}
		for _, a := range e.Args[1:] {
			lit, ok := a.(*syntax.Literal)
			if !ok || lit.Token != syntax.STRING {
				return "", nil, false
			}
			steps = append(steps, chainStep{name: lit.Value.(string), lenient: true})
		}
		return root, steps, true
	}
	return "", nil, false
}

func (o *optimizer) isChain(x syntax.Expr) bool {
	_, _, ok := o.chain(x)
	return ok
}

func (o *optimizer) hoistChain(x syntax.Expr) (*syntax.Ident, bool) {
	if _, ok := x.(*syntax.Ident); ok {
		return nil, false // a bare root: a global is as cheap
	}
	root, steps, ok := o.chain(x)
	if !ok {
		return nil, false
	}
	o.globals[root] = true // the root's value must be bound (NewInstance reads it)
	var key strings.Builder
	key.WriteString(root)
	for _, s := range steps {
		if s.lenient {
			key.WriteString("?")
		} else {
			key.WriteString(".")
		}
		key.WriteString(s.name)
	}
	return o.slot(key.String(), hoist{root: root, steps: steps, callee: -1}, syntax.Start(x)), true
}

func (o *optimizer) slot(key string, h hoist, pos syntax.Position) *syntax.Ident {
	i, ok := o.byKey[key]
	if !ok {
		i = len(o.hoists)
		o.hoists = append(o.hoists, h)
		o.byKey[key] = i
	}
	return &syntax.Ident{NamePos: pos, Name: hHoisted + strconv.Itoa(i)}
}

// bindCall turns a call of a hoisted value with constant arguments into a
// call without arguments of a hoisted value holding them.
func (o *optimizer) bindCall(c *syntax.CallExpr) {
	fn, ok := c.Fn.(*syntax.Ident)
	if !ok || !strings.HasPrefix(fn.Name, hHoisted) || len(c.Args) == 0 {
		return
	}
	callee, _ := strconv.Atoi(fn.Name[len(hHoisted):])
	if o.hoists[callee].callee >= 0 {
		return
	}
	args, kwargs, ok := o.constArgs(c.Args)
	if !ok {
		return
	}
	key := fn.Name + "(" + args.String() + ";" + starlark.Tuple(kwargsFlat(kwargs)).String() + ")"
	c.Fn = o.slot(key, hoist{callee: callee, args: args, kwargs: kwargs}, fn.NamePos)
	c.Args = nil
}

func kwargsFlat(kw []starlark.Tuple) []starlark.Value {
	var out []starlark.Value
	for _, p := range kw {
		out = append(out, p...)
	}
	return out
}

func (o *optimizer) constArgs(list []syntax.Expr) (starlark.Tuple, []starlark.Tuple, bool) {
	var args starlark.Tuple
	var kwargs []starlark.Tuple
	for _, a := range list {
		if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			v, ok := o.constant(b.Y)
			if !ok {
				return nil, nil, false
			}
			kwargs = append(kwargs, starlark.Tuple{starlark.String(b.X.(*syntax.Ident).Name), v})
			continue
		}
		if len(kwargs) > 0 {
			return nil, nil, false
		}
		v, ok := o.constant(a)
		if !ok {
			return nil, nil, false
		}
		args = append(args, v)
	}
	return args, kwargs, true
}

// constant returns the frozen value of a constant expression: a literal,
// None/True/False, or a hoisted list/dict/tuple literal ($k:N).
func (o *optimizer) constant(x syntax.Expr) (starlark.Value, bool) {
	switch e := x.(type) {
	case *syntax.Ident:
		name := strings.TrimPrefix(e.Name, hGlobalOf)
		if strings.HasPrefix(name, hConst) && !o.bound[name] {
			v, ok := o.c.consts[name]
			return v, ok
		}
		if o.bound[e.Name] {
			return nil, false
		}
	case *syntax.UnaryExpr:
		if e.Op != syntax.MINUS {
			return nil, false
		}
	case *syntax.Literal, *syntax.ParenExpr:
	default:
		return nil, false
	}
	v, ok := constValue(x, 0)
	if ok {
		v.Freeze()
	}
	return v, ok
}

// emit turns $emit(k, values...) into one writer assignment per value.
func (o *optimizer) emit(c *syntax.CallExpr) ([]syntax.Stmt, bool) {
	lit, ok := c.Args[0].(*syntax.Literal)
	if !ok || lit.Token != syntax.INT || o.bound[hEmit] || o.bound[hWrite] {
		return nil, false
	}
	lits := o.c.runs[lit.Value.(int64)]
	vals := c.Args[1:]
	w := &syntax.Ident{NamePos: c.Lparen, Name: hWrite}
	assign := func(pos syntax.Position, p piece, v syntax.Expr) syntax.Stmt {
		k := len(o.pieces)
		o.pieces = append(o.pieces, p)
		lhs := &syntax.IndexExpr{X: o.global(w), Lbrack: pos, Rbrack: pos,
			Y: &syntax.Literal{Token: syntax.INT, TokenPos: pos, Raw: strconv.Itoa(k), Value: int64(k)}}
		return &syntax.AssignStmt{OpPos: pos, Op: syntax.EQ, LHS: lhs, RHS: v}
	}
	if len(vals) == 0 {
		none := &syntax.Ident{NamePos: c.Lparen, Name: "None"}
		return []syntax.Stmt{assign(c.Lparen, piece{lit: lits[0]}, none)}, true
	}
	var out []syntax.Stmt
	for i, v := range vals {
		p := piece{lit: lits[i], value: true}
		if i == len(vals)-1 {
			p.tail = lits[i+1]
		}
		pos := syntax.Start(v)
		if call, ok := v.(*syntax.CallExpr); ok {
			if dot, ok := call.Fn.(*syntax.DotExpr); ok && !o.isChain(dot) {
				if args, kw, ok := o.constArgs(call.Args); ok && len(kw) == 0 {
					// {{ x.method(constants) }}: the receiver formats the call.
					p.method, p.args = dot.Name.Name, args
					pos = call.Lparen
					v = dot.X
				}
			}
		}
		out = append(out, assign(pos, p, o.expr(v)))
	}
	return out, true
}

// boundNames returns every name the file binds anywhere (assignments, loop
// variables, functions and their parameters).
func boundNames(file *syntax.File) map[string]bool { return bindings(file, false) }

// bindings is boundNames, without the render function's parameters when
// skipRender.
func bindings(file *syntax.File, skipRender bool) map[string]bool {
	bound := map[string]bool{}
	var bind func(x syntax.Expr)
	bind = func(x syntax.Expr) {
		switch e := x.(type) {
		case *syntax.Ident:
			bound[e.Name] = true
		case *syntax.TupleExpr:
			for _, y := range e.List {
				bind(y)
			}
		case *syntax.ListExpr:
			for _, y := range e.List {
				bind(y)
			}
		case *syntax.ParenExpr:
			bind(e.X)
		}
	}
	params := func(list []syntax.Expr) {
		for _, p := range list {
			switch p := p.(type) {
			case *syntax.Ident:
				bound[p.Name] = true
			case *syntax.BinaryExpr:
				bind(p.X)
			case *syntax.UnaryExpr:
				if p.X != nil {
					bind(p.X)
				}
			}
		}
	}
	syntax.Walk(file, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.AssignStmt:
			bind(n.LHS)
		case *syntax.ForStmt:
			bind(n.Vars)
		case *syntax.ForClause:
			bind(n.Vars)
		case *syntax.DefStmt:
			bound[n.Name.Name] = true
			if !skipRender || n.Name.Name != "$render" {
				params(n.Params)
			}
		case *syntax.LambdaExpr:
			params(n.Params)
		case *syntax.LoadStmt:
			for _, id := range n.To {
				bound[id.Name] = true
			}
		}
		return true
	})
	return bound
}

// argEscapes reports whether the render argument name may outlive a
// render: it does unless every use in the render function (not in nested
// functions) reads an attribute of it, calls a method on it, prints it, or
// is an operand of arithmetic or a comparison.
func argEscapes(file *syntax.File, name string) bool {
	if bindings(file, true)[name] {
		// assigned somewhere (or a parameter of another function): whatever
		// it holds there is not known here
		return true
	}
	escapes := false
	var walk func(n syntax.Node, inRender, nested bool)
	visit := func(x syntax.Expr, inRender, nested bool) {
		if x != nil {
			walk(x, inRender, nested)
		}
	}
	safeOperand := func(x syntax.Expr) bool {
		id, ok := x.(*syntax.Ident)
		return ok && id.Name == name
	}
	walk = func(n syntax.Node, inRender, nested bool) {
		if escapes {
			return
		}
		switch e := n.(type) {
		case *syntax.Ident:
			if e.Name == name && (inRender || nested) {
				escapes = true
			}
			return
		case *syntax.DefStmt:
			inner := nested || inRender
			if e.Name.Name == "$render" && !nested {
				for _, s := range e.Body {
					walk(s, true, false)
				}
				return
			}
			for _, p := range e.Params {
				visit(p, inRender, nested)
			}
			for _, s := range e.Body {
				walk(s, false, inner)
			}
			return
		case *syntax.LambdaExpr:
			for _, p := range e.Params {
				visit(p, inRender, nested)
			}
			visit(e.Body, false, nested || inRender)
			return
		case *syntax.DotExpr:
			if safeOperand(e.X) {
				if nested {
					escapes = true
				}
				return
			}
			visit(e.X, inRender, nested)
			return
		case *syntax.CallExpr:
			if isHidden(e.Fn, hEmit) {
				// printed
				for _, a := range e.Args {
					if safeOperand(a) {
						if nested {
							escapes = true
						}
						continue
					}
					visit(a, inRender, nested)
				}
				return
			}
			if isHidden(e.Fn, hGetattr) && len(e.Args) > 0 && safeOperand(e.Args[0]) {
				if nested {
					escapes = true
					return
				}
				for _, a := range e.Args[1:] {
					visit(a, inRender, nested)
				}
				return
			}
		case *syntax.BinaryExpr:
			switch e.Op {
			case syntax.PLUS, syntax.MINUS, syntax.EQL, syntax.NEQ, syntax.LT, syntax.GT, syntax.LE, syntax.GE:
				for _, y := range []syntax.Expr{e.X, e.Y} {
					if safeOperand(y) {
						if nested {
							escapes = true
						}
						continue
					}
					visit(y, inRender, nested)
				}
				return
			}
		case *syntax.AssignStmt:
			if ix, ok := e.LHS.(*syntax.IndexExpr); ok && isHidden(ix.X, hWrite) || ok && isHidden(ix.X, hGlobalOf+hWrite) {
				// printed (or a printed method call's receiver)
				if !safeOperand(e.RHS) {
					visit(e.RHS, inRender, nested)
				} else if nested {
					escapes = true
				}
				return
			}
		}
		syntax.Walk(n, func(m syntax.Node) bool {
			if m == nil {
				return false
			}
			if m == n {
				return true
			}
			walk(m, inRender, nested)
			return false
		})
	}
	for _, s := range file.Stmts {
		walk(s, false, false)
	}
	return escapes
}

// ArgEscapes reports whether the value passed for the render argument
// name may be referenced after Render returns (stored, captured by a
// macro, returned from a method bound to it...). When it may not, the
// caller can pass the same value, updated in place, to every Render.
func (t *Template) ArgEscapes(name string) bool {
	e, ok := t.escapes[name]
	return e || !ok
}

// plain returns the template compiled without optimize.
func (t *Template) plain() (*Template, error) {
	t.plainMu.Lock()
	defer t.plainMu.Unlock()
	if t.plainT != nil {
		return t.plainT, nil
	}
	opts := t.opts
	opts.plain = true
	p, err := Compile(t.name, t.src, opts)
	if err != nil {
		return nil, err
	}
	t.plainT = p
	return p, nil
}

// resolveHoists resolves the hoisted chains and bound calls against the
// predeclared values; ok is false when one fails to resolve or may not be
// invariant.
func (t *Template) resolveHoists(pre starlark.StringDict) ([]starlark.Value, bool) {
	vals := make([]starlark.Value, len(t.hoists))
	for i, h := range t.hoists {
		if h.callee >= 0 {
			fn, ok := vals[h.callee].(starlark.Callable)
			if !ok {
				return nil, false
			}
			if b, ok := fn.(ArgBinder); ok {
				if bound, ok := b.BindArgs(h.args, h.kwargs); ok {
					vals[i] = &boundCall{fn: bound}
					continue
				}
			}
			vals[i] = &boundCall{fn: fn, args: h.args, kwargs: h.kwargs}
			continue
		}
		v := pre[h.root]
		if v == nil {
			return nil, false
		}
		for _, s := range h.steps {
			var viaAttr bool
			var err error
			if s.lenient {
				v, viaAttr, err = lookupAttr(v, s.name)
			} else {
				v, err = plainAttr(v, s.name)
				viaAttr = true
			}
			if err != nil || v == nil {
				return nil, false
			}
			if viaAttr {
				switch v.(type) {
				case *starlark.List, *starlark.Dict, *starlark.Set:
					return nil, false
				}
			}
		}
		vals[i] = v
	}
	return vals, true
}

// plainAttr is Starlark's x.name.
func plainAttr(x starlark.Value, name string) (starlark.Value, error) {
	h, ok := x.(starlark.HasAttrs)
	if !ok {
		return nil, fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	v, err := h.Attr(name)
	if err == nil && v == nil {
		err = fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	return v, err
}

// lookupAttr is getAttr (Jinja's x.name), also telling whether the value
// came from an attribute.
func lookupAttr(x starlark.Value, name string) (starlark.Value, bool, error) {
	if h, ok := x.(starlark.HasAttrs); ok {
		if v, err := h.Attr(name); err == nil && v != nil {
			return v, true, nil
		}
	}
	v, err := getAttr(x, name)
	return v, false, err
}

// boundCall is a hoisted call with constant arguments: the compiled code
// calls it without arguments, so the interpreter has no argument list to
// copy. The arguments are frozen.
type boundCall struct {
	fn     starlark.Callable
	args   starlark.Tuple
	kwargs []starlark.Tuple
}

var _ starlark.Callable = (*boundCall)(nil)

func (b *boundCall) Name() string          { return b.fn.Name() }
func (b *boundCall) String() string        { return b.fn.String() }
func (b *boundCall) Type() string          { return b.fn.Type() }
func (b *boundCall) Freeze()               {}
func (b *boundCall) Truth() starlark.Bool  { return true }
func (b *boundCall) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: %s", b.fn.Type()) }

func (b *boundCall) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args)+len(kwargs) > 0 {
		return nil, fmt.Errorf("jinja: internal error: bound call of %s given arguments", b.fn.Name())
	}
	switch fn := b.fn.(type) {
	case *starlark.Builtin:
		// Starlark's Call has pushed this call's frame: a builtin needs no other.
		return fn.CallInternal(thread, b.args, b.kwargs)
	case goCallable:
		return fn.CallInternal(thread, b.args, b.kwargs)
	}
	return starlark.Call(thread, b.fn, b.args, b.kwargs)
}

// goCallable is implemented by callables written in Go other than
// *starlark.Builtin (ours: CallAppender, ArgBinder results), which need no
// frame of their own either.
type goCallable interface {
	starlark.Callable
	GoCallable()
}

// writer is the Instance seen from the compiled code: $w[k] = v appends
// piece k with the value v.
type writer Instance

var _ starlark.HasSetIndex = (*writer)(nil)

func (w *writer) String() string        { return "<output>" }
func (w *writer) Type() string          { return "output" }
func (w *writer) Freeze()               {}
func (w *writer) Truth() starlark.Bool  { return true }
func (w *writer) Hash() (uint32, error) { return 0, errors.New("unhashable type: output") }
func (w *writer) Len() int              { return len(w.t.pieces) }
func (w *writer) Index(int) starlark.Value {
	return starlark.None
}

func (w *writer) SetIndex(k int, v starlark.Value) error {
	p := &w.t.pieces[k]
	w.buf = append(w.buf, p.lit...)
	switch {
	case p.method != "":
		if err := w.appendMethod(v, p); err != nil {
			return err
		}
	case p.value:
		w.buf = appendStr(w.buf, v)
	}
	w.buf = append(w.buf, p.tail...)
	if w.MaxOutput > 0 && len(w.buf)-w.start > w.MaxOutput {
		return ErrOutputLimit
	}
	return nil
}

// appendMethod appends recv.method(args...) as printed. The call may
// write output of its own (a macro), so w.buf is current around it.
func (w *writer) appendMethod(recv starlark.Value, p *piece) error {
	if m, ok := recv.(MethodAppender); ok {
		if out, ok := m.AppendMethod(w.buf, p.method, p.args); ok {
			w.buf = out
			return nil
		}
	}
	fn, err := plainAttr(recv, p.method)
	if err != nil {
		return err
	}
	v, err := starlark.Call(w.thread, fn, p.args, nil)
	if err != nil {
		return err
	}
	w.buf = appendStr(w.buf, v)
	return nil
}
