package jinja

import (
	"errors"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// recursiveLoop compiles {% for target in iter recursive %}: the loop is a
// function of its items and depth that returns its output, so that
// loop(children) inside the body renders the body again one level deeper.
// rit is the items parameter (x reads it, through the loop's filter).
func (p *parser) recursiveLoop(b *block, ft, end, in token, n string, target, iter syntax.Expr, rit *syntax.Ident, x syntax.Expr,
	lc *loopCtx, body, els []syntax.Stmt) {
	fn := "$rloop" + n
	depth := "$depth" + n
	stmts := []syntax.Stmt{
		p.exprStmt(hPush, ft.off),
		p.assignStmt(p.ident(lc.name, ft.off), p.callHidden(hMkloop, in.off, x, p.ident(depth, ft.off), p.ident(fn, ft.off)), ft.off),
	}
	stmts = append(stmts, p.forStmts(ft, end, n, target, p.ident(lc.name, ft.off), body, els)...)
	stmts = append(stmts, &syntax.ReturnStmt{Return: p.pos(ft.off), Result: p.callHidden(hPop, ft.off)})
	p.scope.assigned[fn] = true
	b.add(p, &syntax.DefStmt{Def: p.pos(ft.off), Name: p.ident(fn, ft.off), Lparen: p.pos(ft.off), Rparen: p.pos(ft.off),
		Params: []syntax.Expr{p.ident(rit.Name, ft.off), p.ident(depth, ft.off)}, Body: stmts})
	b.value(&syntax.CallExpr{Fn: p.ident(fn, ft.off), Lparen: p.pos(ft.off), Rparen: p.pos(ft.off),
		Args: []syntax.Expr{p.hoist(iter), p.intLit(1, ft.off)}}, ft.off)
}

// A loop value is callable in a recursive loop: loop(items) renders the
// loop's body for items one level deeper and returns the output.

func (l *loop) Name() string { return "loop" }

func (l *loop) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if l.rec == nil {
		return nil, errors.New("the loop must have the 'recursive' marker to be called recursively")
	}
	if len(args) != 1 || len(kwargs) != 0 {
		return nil, errors.New("loop() takes exactly one argument (the items of the next level)")
	}
	return starlark.Call(thread, l.rec.fn, starlark.Tuple{args[0], starlark.MakeInt(l.rec.depth + 1)}, nil)
}

// recursion is what a recursive loop's value adds: its level (1 at the
// top) and the function rendering one level.
type recursion struct {
	depth int
	fn    starlark.Callable
}

func (l *loop) depth() int {
	if l.rec == nil {
		return 1
	}
	return l.rec.depth
}
