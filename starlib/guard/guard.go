// Package guard bounds the memory user Starlark code (scripts, templates,
// formatter templates, ${...} in configs) may take, in two ways.
//
// The heap watchdog (watchdog.go) cancels a call whose memory grows step by
// step past a limit. It can only act between steps, and a single operation
// such as ["e"] * 50000000 or list(range(1 << 30)) allocates gigabytes
// inside one step, so the package also refuses those:
//
//   - File and Expr rewrite the `*` operator (and `x *= y`) of parsed code
//     into a call of the $repeat builtin, which refuses a string, bytes,
//     list or tuple repetition whose result would exceed MaxBytes;
//   - its init replaces the universal builtins that build a collection from
//     an argument of known length (list, tuple, dict, set, sorted,
//     reversed, enumerate, zip) by versions refusing more than MaxElems
//     elements.
//
// Every compiler of user code (scripts, templates, ${...} in configs)
// imports it. Some operations over values already in memory can still
// allocate more than MaxBytes in one step (str.join and str.replace of big
// inputs, % formatting); bounding them needs allocation accounting inside
// the interpreter.
package guard

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// MaxBytes is the most memory one guarded operation may allocate.
const MaxBytes = 64 << 20

// MaxElems is the most elements a list, tuple, dict or set built by one
// guarded operation may hold (16 bytes each).
const MaxElems = MaxBytes / 16

// RepeatName is the universal builtin that `x * y` is rewritten to call.
const RepeatName = "$repeat"

// Repeat is `x * y` with the size of a sequence repetition checked first.
var Repeat = starlark.NewBuiltin("*", repeat)

func init() {
	starlark.Universe[RepeatName] = Repeat
	for _, name := range []string{"list", "tuple", "dict", "set", "sorted", "reversed", "enumerate", "zip"} {
		if b, ok := starlark.Universe[name].(*starlark.Builtin); ok {
			starlark.Universe[name] = bounded(b)
		}
	}
}

func repeat(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 || len(kwargs) != 0 {
		return nil, fmt.Errorf("internal error: %s takes two operands", RepeatName)
	}
	x, y := args[0], args[1]
	if err := checkRepeat(x, y); err != nil {
		return nil, err
	}
	if err := checkRepeat(y, x); err != nil {
		return nil, err
	}
	return starlark.Binary(syntax.STAR, x, y)
}

// checkRepeat fails when seq * n would allocate more than MaxBytes.
func checkRepeat(seq, n starlark.Value) error {
	count, ok := n.(starlark.Int)
	if !ok {
		return nil
	}
	var length, unit int
	switch s := seq.(type) {
	case starlark.String:
		length, unit = len(s), 1
	case starlark.Bytes:
		length, unit = len(s), 1
	case *starlark.List:
		length, unit = s.Len(), 16
	case starlark.Tuple:
		length, unit = len(s), 16
	default:
		return nil
	}
	k, ok := count.Int64()
	if length == 0 || ok && k <= 0 {
		return nil
	}
	if !ok || k > int64(MaxBytes/(length*unit)) {
		return fmt.Errorf("%s * %s: the result would be larger than %d MiB, the most one operation may allocate",
			seq.Type(), count, MaxBytes>>20)
	}
	return nil
}

// bounded wraps a builtin building a collection from its arguments: an
// argument of known length above MaxElems is refused before any work.
func bounded(b *starlark.Builtin) *starlark.Builtin {
	return starlark.NewBuiltin(b.Name(), func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		for _, a := range args {
			if n := starlark.Len(a); n > MaxElems {
				return nil, fmt.Errorf("the argument has %d elements, more than the %d one operation may build", n, MaxElems)
			}
		}
		for _, kv := range kwargs {
			if n := starlark.Len(kv[1]); n > MaxElems {
				return nil, fmt.Errorf("argument %s has %d elements, more than the %d one operation may build", kv[0], n, MaxElems)
			}
		}
		return starlark.Call(th, b, args, kwargs)
	})
}

// File rewrites the `*` operators of f (see the package comment). Call it
// between parsing and compiling (starlark.FileProgram).
func File(f *syntax.File) {
	f.Stmts = stmts(f.Stmts)
}

// Expr rewrites the `*` operators of e and returns the result.
func Expr(e syntax.Expr) syntax.Expr { return expr(e) }

func stmts(list []syntax.Stmt) []syntax.Stmt {
	for i, s := range list {
		list[i] = stmt(s)
	}
	return list
}

func stmt(s syntax.Stmt) syntax.Stmt {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		s.RHS = expr(s.RHS)
		if s.Op == syntax.STAR_EQ && pure(s.LHS) {
			// x *= y is x = x * y for every type (only += is in place),
			// and a pure target can be evaluated twice.
			s.Op = syntax.EQ
			s.RHS = call(s.OpPos, copyExpr(s.LHS), s.RHS)
		}
		s.LHS = expr(s.LHS)
	case *syntax.DefStmt:
		params(s.Params)
		s.Body = stmts(s.Body)
	case *syntax.ExprStmt:
		s.X = expr(s.X)
	case *syntax.IfStmt:
		s.Cond = expr(s.Cond)
		s.True = stmts(s.True)
		s.False = stmts(s.False)
	case *syntax.ForStmt:
		s.X = expr(s.X)
		s.Body = stmts(s.Body)
	case *syntax.WhileStmt:
		s.Cond = expr(s.Cond)
		s.Body = stmts(s.Body)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = expr(s.Result)
		}
	}
	return s
}

// params rewrites the default values of a def's or lambda's parameters.
func params(ps []syntax.Expr) {
	for _, p := range ps {
		if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			b.Y = expr(b.Y)
		}
	}
}

func exprs(list []syntax.Expr) {
	for i, e := range list {
		list[i] = expr(e)
	}
}

func expr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *syntax.BinaryExpr:
		e.X, e.Y = expr(e.X), expr(e.Y)
		if e.Op == syntax.STAR && !(number(e.X) && number(e.Y)) {
			return call(e.OpPos, e.X, e.Y)
		}
	case *syntax.UnaryExpr:
		e.X = expr(e.X)
	case *syntax.CallExpr:
		e.Fn = expr(e.Fn)
		for i, a := range e.Args {
			if kw, ok := a.(*syntax.BinaryExpr); ok && kw.Op == syntax.EQ { // name=value
				kw.Y = expr(kw.Y)
				continue
			}
			e.Args[i] = expr(a)
		}
	case *syntax.Comprehension:
		e.Body = expr(e.Body)
		for _, c := range e.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.X = expr(c.X)
			case *syntax.IfClause:
				c.Cond = expr(c.Cond)
			}
		}
	case *syntax.CondExpr:
		e.Cond, e.True, e.False = expr(e.Cond), expr(e.True), expr(e.False)
	case *syntax.DictExpr:
		exprs(e.List)
	case *syntax.DictEntry:
		e.Key, e.Value = expr(e.Key), expr(e.Value)
	case *syntax.DotExpr:
		e.X = expr(e.X)
	case *syntax.IndexExpr:
		e.X, e.Y = expr(e.X), expr(e.Y)
	case *syntax.LambdaExpr:
		params(e.Params)
		e.Body = expr(e.Body)
	case *syntax.ListExpr:
		exprs(e.List)
	case *syntax.TupleExpr:
		exprs(e.List)
	case *syntax.ParenExpr:
		e.X = expr(e.X)
	case *syntax.SliceExpr:
		e.X, e.Lo, e.Hi, e.Step = expr(e.X), expr(e.Lo), expr(e.Hi), expr(e.Step)
	}
	return e
}

// call is $repeat(x, y) at the operator's position (errors point there).
func call(pos syntax.Position, x, y syntax.Expr) *syntax.CallExpr {
	return &syntax.CallExpr{
		Fn:     &syntax.Ident{NamePos: pos, Name: RepeatName},
		Lparen: pos,
		Args:   []syntax.Expr{x, y},
		Rparen: pos,
	}
}

func number(e syntax.Expr) bool {
	l, ok := e.(*syntax.Literal)
	return ok && (l.Token == syntax.INT || l.Token == syntax.FLOAT)
}

// pure reports whether evaluating e twice has no effect: names, literals,
// and attributes, items and slices of those.
func pure(e syntax.Expr) bool {
	switch e := e.(type) {
	case *syntax.Ident, *syntax.Literal:
		return true
	case *syntax.DotExpr:
		return pure(e.X)
	case *syntax.IndexExpr:
		return pure(e.X) && pure(e.Y)
	case *syntax.ParenExpr:
		return pure(e.X)
	}
	return false
}

// copyExpr copies a pure expression, so that the resolver binds each
// occurrence of a name on its own node.
func copyExpr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case *syntax.Ident:
		return &syntax.Ident{NamePos: e.NamePos, Name: e.Name}
	case *syntax.Literal:
		c := *e
		return &c
	case *syntax.DotExpr:
		return &syntax.DotExpr{X: copyExpr(e.X), Dot: e.Dot, NamePos: e.NamePos, Name: &syntax.Ident{NamePos: e.Name.NamePos, Name: e.Name.Name}}
	case *syntax.IndexExpr:
		return &syntax.IndexExpr{X: copyExpr(e.X), Lbrack: e.Lbrack, Y: copyExpr(e.Y), Rbrack: e.Rbrack}
	case *syntax.ParenExpr:
		return &syntax.ParenExpr{Lparen: e.Lparen, X: copyExpr(e.X), Rparen: e.Rparen}
	}
	return e
}

// CheckCount is for builtins that allocate in proportion to an argument:
// it fails when n items of about unit bytes each would exceed MaxBytes.
// fn names the builtin and what, the argument, in the error.
func CheckCount(fn, what string, n int64, unit int) error {
	if n > int64(MaxBytes/max(unit, 1)) {
		return fmt.Errorf("%s: %s %d is too large: the result would be larger than %d MiB, the most one operation may allocate",
			fn, what, n, MaxBytes>>20)
	}
	return nil
}
