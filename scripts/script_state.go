package scripts

import (
	"fmt"
	"sort"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Whether a script carries state across produce() calls, found when it is
// compiled. A function cannot rebind a global, so state lives either in
// the locals/shared/globals stores (or behind subprocess) or in a mutable
// value a global holds: a list, dict or set that a function changes. The
// second is found in the syntax tree: inside function bodies, a global
// holding a list, dict or set that is
//   - the receiver of a mutating method (append, update, pop, ...),
//   - the root of an assignment or del target (G[k] = v, G[k] += 1),
//   - bound to another name or put inside a literal (an alias that could
//     be changed in its stead), or
//   - passed to a function of the script, or iterated by a loop whose body
//     changes something (its elements may be what changes).
// Read-only use (constants such as SERVICES = [...] read by produce) keeps
// the script parallel. The test is conservative, not exact: `--workers 1`
// forces one worker whatever it finds.

// mutators are the methods of list, dict and set that change the receiver.
var mutators = map[string]bool{
	"append": true, "extend": true, "insert": true, "pop": true, "remove": true, "clear": true,
	"update": true, "setdefault": true, "popitem": true, "add": true, "discard": true,
	"difference_update": true, "intersection_update": true, "symmetric_difference_update": true,
}

// scriptStateReason says what may carry state across produce() calls, or
// "" when nothing can.
func scriptStateReason(path string, f *syntax.File, used map[string]bool, globals starlark.StringDict) string {
	for _, name := range []string{"locals", "shared", "globals", "subprocess"} {
		if used[name] {
			return fmt.Sprintf("script %s uses %s", path, name)
		}
	}
	mutable := map[string]bool{}
	for name, v := range globals {
		if holdsMutable(v, 0) {
			mutable[name] = true
		}
	}
	if len(mutable) == 0 {
		return ""
	}
	changed := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.DefStmt:
			for _, s := range n.Body {
				findMutations(s, mutable, globals, changed)
			}
			return false
		case *syntax.LambdaExpr:
			findMutations(n.Body, mutable, globals, changed)
			return false
		}
		return true
	})
	if len(changed) == 0 {
		return ""
	}
	names := make([]string, 0, len(changed))
	for name := range changed {
		names = append(names, name)
	}
	sort.Strings(names)
	return fmt.Sprintf("script %s changes the global %s from a function, which carries state across produce() calls", path, names[0])
}

// holdsMutable reports whether v is, or (through tuples) holds, a list,
// dict or set.
func holdsMutable(v starlark.Value, depth int) bool {
	switch v := v.(type) {
	case *starlark.List, *starlark.Dict, *starlark.Set:
		return true
	case starlark.Tuple:
		if depth > 8 {
			return true
		}
		for _, x := range v {
			if holdsMutable(x, depth+1) {
				return true
			}
		}
	}
	return false
}

// globalName returns the name of id when it refers to a module global.
func globalName(e syntax.Expr) (string, bool) {
	id, ok := e.(*syntax.Ident)
	if !ok {
		return "", false
	}
	b, ok := id.Binding.(*resolve.Binding)
	if !ok || b.Scope != resolve.Global {
		return "", false
	}
	return id.Name, true
}

// rootGlobal returns the global at the root of x[i].a[j]... chains.
func rootGlobal(e syntax.Expr) (string, bool) {
	for {
		switch x := e.(type) {
		case *syntax.IndexExpr:
			e = x.X
		case *syntax.DotExpr:
			e = x.X
		case *syntax.SliceExpr:
			e = x.X
		case *syntax.ParenExpr:
			e = x.X
		default:
			return globalName(e)
		}
	}
}

// findMutations records in changed the mutable globals that n (a part of
// a function body) may change.
func findMutations(n syntax.Node, mutable map[string]bool, globals starlark.StringDict, changed map[string]bool) {
	mark := func(e syntax.Expr) {
		if name, ok := rootGlobal(e); ok && mutable[name] {
			changed[name] = true
		}
	}
	markBare := func(e syntax.Expr) { // the value itself escapes
		if p, ok := e.(*syntax.ParenExpr); ok {
			e = p.X
		}
		if name, ok := globalName(e); ok && mutable[name] {
			changed[name] = true
		}
	}
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			if d, ok := n.Fn.(*syntax.DotExpr); ok && mutators[d.Name.Name] {
				mark(d.X)
			}
			if name, ok := globalName(n.Fn); ok {
				if _, user := globals[name].(*starlark.Function); user {
					for _, a := range n.Args {
						if bin, ok := a.(*syntax.BinaryExpr); ok && bin.Op == syntax.EQ {
							a = bin.Y // keyword argument
						}
						mark(a)
					}
				}
			}
		case *syntax.AssignStmt:
			for _, lhs := range targets(n.LHS) {
				if _, isIdent := lhs.(*syntax.Ident); !isIdent {
					mark(lhs)
				}
			}
			for _, rhs := range targets(n.RHS) {
				markBare(rhs)
			}
		case *syntax.ForStmt:
			for _, lhs := range targets(n.Vars) {
				if _, isIdent := lhs.(*syntax.Ident); !isIdent {
					mark(lhs)
				}
			}
			if name, ok := globalName(n.X); ok && mutable[name] && elemsMutable(globals[name]) && changes(n.Body, loopVars(n.Vars)) {
				changed[name] = true
			}
		case *syntax.ListExpr:
			for _, x := range n.List {
				markBare(x)
			}
		case *syntax.TupleExpr:
			for _, x := range n.List {
				markBare(x)
			}
		case *syntax.DictEntry:
			markBare(n.Value)
		case *syntax.ReturnStmt:
			if n.Result != nil {
				markBare(n.Result)
			}
		}
		return true
	})
}

// targets flattens tuple and list assignment targets.
func targets(e syntax.Expr) []syntax.Expr {
	switch x := e.(type) {
	case *syntax.TupleExpr:
		var out []syntax.Expr
		for _, y := range x.List {
			out = append(out, targets(y)...)
		}
		return out
	case *syntax.ListExpr:
		var out []syntax.Expr
		for _, y := range x.List {
			out = append(out, targets(y)...)
		}
		return out
	case *syntax.ParenExpr:
		return targets(x.X)
	}
	return []syntax.Expr{e}
}

// elemsMutable reports whether the elements (or dict values) of v are
// lists, dicts or sets.
func elemsMutable(v starlark.Value) bool {
	switch v := v.(type) {
	case *starlark.Dict:
		for _, kv := range v.Items() {
			if holdsMutable(kv[1], 0) {
				return true
			}
		}
	case starlark.Iterable:
		it := v.Iterate()
		defer it.Done()
		var x starlark.Value
		for it.Next(&x) {
			if holdsMutable(x, 0) {
				return true
			}
		}
	}
	return false
}

// loopVars are the names a for statement binds.
func loopVars(e syntax.Expr) map[string]bool {
	out := map[string]bool{}
	for _, t := range targets(e) {
		if id, ok := t.(*syntax.Ident); ok {
			out[id.Name] = true
		}
	}
	return out
}

// changes reports whether stmts change one of vars' values: an element
// or attribute assignment or a mutating method call rooted at one of them,
// or an alias of one bound to another name.
func changes(stmts []syntax.Stmt, vars map[string]bool) bool {
	rooted := func(e syntax.Expr) bool {
		for {
			switch x := e.(type) {
			case *syntax.IndexExpr:
				e = x.X
			case *syntax.DotExpr:
				e = x.X
			case *syntax.ParenExpr:
				e = x.X
			case *syntax.Ident:
				return vars[x.Name]
			default:
				return false
			}
		}
	}
	found := false
	for _, s := range stmts {
		syntax.Walk(s, func(n syntax.Node) bool {
			switch n := n.(type) {
			case *syntax.CallExpr:
				if d, ok := n.Fn.(*syntax.DotExpr); ok && mutators[d.Name.Name] && rooted(d.X) {
					found = true
				}
			case *syntax.AssignStmt:
				for _, lhs := range targets(n.LHS) {
					if _, isIdent := lhs.(*syntax.Ident); !isIdent && rooted(lhs) {
						found = true
					}
				}
				for _, rhs := range targets(n.RHS) {
					if rooted(rhs) {
						found = true
					}
				}
			}
			return !found
		})
	}
	return found
}
