package jinja

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// The direct path. When the optimized render function is a straight run
// of writer assignments ($w[k] = v) whose values are render arguments,
// per-Instance constants (hoisted chains, bound predeclared names,
// literals) or calls without arguments of hoisted callables — the shape
// of most event templates: text and {{ module.rand...() }} fields — the
// Instance renders it from Go, without the Starlark interpreter: same
// pieces, same calls in the same order, same output and errors. A callable
// implementing CallAppender then appends its printed result straight to
// the output (no string made, no value boxed).
//
// The direct path runs no Starlark steps, so it is used only when the
// caller says how a cancellation is seen (Instance.Stopped); without it,
// Render always interprets.

// CallAppender is implemented by callables (Go builtins) that can append
// the printed form of a call's result to dst, as {{ f(args) }} prints it;
// ok false means "not handled here" and the callable is called normally.
// RNG draws and errors are those of a normal call.
type CallAppender interface {
	starlark.Callable
	AppendCall(thread *starlark.Thread, dst []byte, args starlark.Tuple, kwargs []starlark.Tuple) (out []byte, ok bool, err error)
}

// ArgBinder is implemented by callables that can prepare a call with
// constant, frozen arguments once (parse, validate, precompute): the
// callable returned, called without arguments, must behave exactly as the
// receiver called with args and kwargs. ok false means "no specialisation".
type ArgBinder interface {
	BindArgs(args starlark.Tuple, kwargs []starlark.Tuple) (fn starlark.Callable, ok bool)
}

type directKind uint8

const (
	dText   directKind = iota // piece text only
	dArg                      // a render argument
	dHoist                    // a hoisted value
	dCall                     // a call without arguments of a hoisted value
	dGlobal                   // a predeclared value bound as a global
	dConst                    // a literal
	dGet                      // Jinja's lookup of attributes on a render argument
)

// directOp is one statement of the render function, as compiled.
type directOp struct {
	piece int
	kind  directKind
	index int            // dArg, dGet: argument; dHoist, dCall: hoist
	name  string         // dGlobal, dGet: the predeclared name (of the getter)
	val   starlark.Value // dConst
	file  string
	line  int // of the value (the call for dCall)
}

// directStep is a directOp bound to an Instance's values.
type directStep struct {
	p      *piece
	kind   directKind
	arg    int
	v      starlark.Value // dHoist, dGlobal, dConst
	get    attrGetter     // dGet
	fn     starlark.Callable
	app    CallAppender // fn's, when it has one and the piece prints the result
	args   starlark.Tuple
	kwargs []starlark.Tuple
	file   string
	line   int
}

// directPlan returns the render function's statements as direct ops, or
// nil when one of them has another shape.
func directPlan(file *syntax.File, args []string) []directOp {
	var body []syntax.Stmt
	for _, s := range file.Stmts {
		if d, ok := s.(*syntax.DefStmt); ok && d.Name.Name == "$render" {
			body = d.Body
		}
	}
	if len(body) == 0 {
		return nil
	}
	argIndex := map[string]int{}
	for i, a := range args {
		argIndex[a] = i
	}
	ops := make([]directOp, 0, len(body))
	for _, s := range body {
		as, ok := s.(*syntax.AssignStmt)
		if !ok || as.Op != syntax.EQ {
			return nil
		}
		ix, ok := as.LHS.(*syntax.IndexExpr)
		if !ok || !isHidden(ix.X, hGlobalOf+hWrite) {
			return nil
		}
		lit, ok := ix.Y.(*syntax.Literal)
		if !ok || lit.Token != syntax.INT {
			return nil
		}
		op := directOp{piece: int(lit.Value.(int64))}
		pos := ix.Lbrack
		switch x := as.RHS.(type) {
		case *syntax.Ident:
			switch {
			case x.Name == "None" || x.Name == "True" || x.Name == "False":
				op.kind, op.val = dConst, starlark.Universe[x.Name]
			case strings.HasPrefix(x.Name, hHoisted):
				i, err := strconv.Atoi(x.Name[len(hHoisted):])
				if err != nil {
					return nil
				}
				op.kind, op.index = dHoist, i
			case strings.HasPrefix(x.Name, hGlobalOf):
				op.kind, op.name = dGlobal, x.Name[len(hGlobalOf):]
			default:
				i, ok := argIndex[x.Name]
				if !ok {
					return nil
				}
				op.kind, op.index = dArg, i
			}
		case *syntax.CallExpr:
			fn, ok := x.Fn.(*syntax.Ident)
			if !ok || len(x.Args) > 0 || !strings.HasPrefix(fn.Name, hHoisted) {
				return nil
			}
			i, err := strconv.Atoi(fn.Name[len(hHoisted):])
			if err != nil {
				return nil
			}
			op.kind, op.index = dCall, i
			pos = x.Lparen
		case *syntax.IndexExpr:
			// $k:ga:a.b[arg]: Jinja's arg.a.b (see optimizer.getter)
			g, ok := x.X.(*syntax.Ident)
			if !ok || !strings.HasPrefix(g.Name, hGlobalOf+hConst+"ga:") {
				return nil
			}
			a, ok := x.Y.(*syntax.Ident)
			if !ok {
				return nil
			}
			i, ok := argIndex[a.Name]
			if !ok {
				return nil
			}
			op.kind, op.index, op.name = dGet, i, g.Name[len(hGlobalOf):]
			pos = x.Lbrack
		case *syntax.Literal:
			v, ok := constValue(x, 0)
			if !ok {
				return nil
			}
			v.Freeze()
			op.kind, op.val = dConst, v
		default:
			return nil
		}
		op.file, op.line = pos.Filename(), int(pos.Line)
		ops = append(ops, op)
	}
	return ops
}

// bindDirect binds the template's direct ops to the Instance's values:
// hoisted (the resolved hoists) and pre (the predeclared values).
func (in *Instance) bindDirect(hoisted []starlark.Value, pre starlark.StringDict) {
	t := in.t
	if t.direct == nil {
		return
	}
	steps := make([]directStep, len(t.direct))
	for i, op := range t.direct {
		if op.piece < 0 || op.piece >= len(t.pieces) {
			return
		}
		s := directStep{p: &t.pieces[op.piece], kind: op.kind, arg: op.index, file: op.file, line: op.line}
		switch op.kind {
		case dConst:
			s.v = op.val
		case dGlobal:
			v, ok := pre[op.name]
			if !ok || v == nil {
				return
			}
			s.v = v
		case dHoist, dCall:
			if op.index < 0 || op.index >= len(hoisted) {
				return
			}
			s.v = hoisted[op.index]
			if op.kind == dCall {
				fn, ok := s.v.(starlark.Callable)
				if !ok {
					return // calling it fails: the interpreter says so
				}
				if b, ok := fn.(*boundCall); ok {
					s.fn, s.args, s.kwargs = b.fn, b.args, b.kwargs
				} else {
					s.fn = fn
				}
				if app, ok := s.fn.(CallAppender); ok && s.p.value && s.p.method == "" {
					s.app = app
				}
			}
		case dArg, dGet:
			if op.index < 0 || op.index >= len(t.args) {
				return
			}
			if op.kind == dGet {
				g, ok := pre[op.name].(attrGetter)
				if !ok {
					return
				}
				s.get = g
			}
		}
		steps[i] = s
	}
	in.direct = steps
}

// renderDirect is Render on the direct path.
func (in *Instance) renderDirect(thread *starlark.Thread, dst []byte) ([]byte, error) {
	n := len(dst)
	if reason, stopped := in.Stopped(); stopped {
		s := &in.direct[0]
		return dst, &Error{File: s.file, Line: s.line, Msg: "Starlark computation cancelled: " + reason, Err: errors.New(reason)}
	}
	b := dst
	for i := range in.direct {
		s := &in.direct[i]
		p := s.p
		b = append(b, p.lit...)
		var v starlark.Value
		switch s.kind {
		case dText:
		case dArg:
			v = in.args[s.arg]
		case dGet:
			var err error
			if v, _, err = s.get.Get(in.args[s.arg]); err != nil {
				return dst[:n], in.directError(s, err)
			}
		case dCall:
			if s.app != nil {
				out, ok, err := s.app.AppendCall(thread, b, s.args, s.kwargs)
				if err != nil {
					return dst[:n], in.directError(s, err)
				}
				if ok {
					b = out
					break
				}
			}
			var err error
			if v, err = callDirect(thread, s.fn, s.args, s.kwargs); err != nil {
				return dst[:n], in.directError(s, err)
			}
		default:
			v = s.v
		}
		if v != nil {
			switch {
			case p.method != "":
				in.buf = b
				err := (*writer)(in).appendMethod(v, p)
				b, in.buf = in.buf, nil
				if err != nil {
					return b[:n], in.directError(s, err)
				}
			case p.value:
				b = appendStr(b, v)
			}
		}
		b = append(b, p.tail...)
		if in.MaxOutput > 0 && len(b)-n > in.MaxOutput {
			return b[:n], &Error{File: s.file, Line: s.line, Msg: ErrOutputLimit.Error(), Err: ErrOutputLimit}
		}
	}
	return b, nil
}

// directError locates an error of step s as the interpreter would: at the
// innermost template frame of a Starlark error, else at the step.
func (in *Instance) directError(s *directStep, err error) error {
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		for i := len(ee.CallStack) - 1; i >= 0; i-- {
			fr := ee.CallStack[i]
			if fn := fr.Pos.Filename(); fn != "<builtin>" && fr.Pos.Line > 0 {
				return &Error{File: fn, Line: int(fr.Pos.Line), Msg: ee.Msg, Err: err}
			}
		}
		return &Error{File: s.file, Line: s.line, Msg: ee.Msg, Err: err}
	}
	return &Error{File: s.file, Line: s.line, Msg: err.Error(), Err: err}
}

// callDirect calls fn as the interpreter would; a Go builtin is called
// without a frame of its own, as boundCall does.
func callDirect(thread *starlark.Thread, fn starlark.Callable, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	switch fn.(type) {
	case *starlark.Builtin, goCallable:
		v, err := fn.CallInternal(thread, args, kwargs)
		if v == nil && err == nil {
			err = fmt.Errorf("internal error: nil (not None) returned from %s", fn)
		}
		return v, err
	}
	return starlark.Call(thread, fn, args, kwargs)
}
