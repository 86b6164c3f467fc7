package jinja

import (
	"slices"
	"strconv"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/syntax"
)

// Jinja gives for loops, with, filter and set blocks (and template blocks)
// their own scope: a name they assign is not visible after them, and each
// loop iteration starts from the outer value again. Starlark has one scope
// per function, so the compiler renames the user names a region assigns to
// fresh hidden names and starts the region with "fresh = outer"; the names
// of the enclosing function are untouched. namespace() objects stay the
// way to carry a value out ({% set ns.x = ... %} assigns no name).

// regionNames lists the user names the statements assign (not inside
// nested functions, whose names are their own), in order of appearance.
func regionNames(stmts []syntax.Stmt) []string {
	var names []string
	add := func(x syntax.Expr) {
		for _, n := range targetNames(x) {
			if isUserName(n) && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	for _, s := range stmts {
		syntax.Walk(s, func(n syntax.Node) bool {
			switch n := n.(type) {
			case *syntax.AssignStmt:
				if n.Op == syntax.EQ {
					add(n.LHS)
				}
				return false
			case *syntax.ForStmt:
				add(n.Vars)
				for _, s := range n.Body {
					names = mergeNames(names, regionNames([]syntax.Stmt{s}))
				}
				return false
			case *syntax.DefStmt:
				add(n.Name)
				return false
			case syntax.Expr:
				return false
			}
			return true
		})
	}
	return names
}

func mergeNames(a, b []string) []string {
	for _, n := range b {
		if !slices.Contains(a, n) {
			a = append(a, n)
		}
	}
	return a
}

func targetNames(x syntax.Expr) []string {
	switch e := x.(type) {
	case *syntax.Ident:
		return []string{e.Name}
	case *syntax.TupleExpr:
		var out []string
		for _, y := range e.List {
			out = append(out, targetNames(y)...)
		}
		return out
	case *syntax.ParenExpr:
		return targetNames(e.X)
	case *syntax.ListExpr:
		var out []string
		for _, y := range e.List {
			out = append(out, targetNames(y)...)
		}
		return out
	}
	return nil
}

// isUserName reports whether n is a name a template can write (compiler
// names contain "$" or ":").
func isUserName(n string) bool { return !strings.ContainsAny(n, "$:") }

// localize makes the names stmts assign local to them: they are renamed
// and, unless listed in bound (names the region's own statement binds,
// such as a loop's target), start each run of the region as the outer
// value. It returns the renaming (nil when there is nothing to rename) and
// the statements to run.
func (p *parser) localize(stmts []syntax.Stmt, off int, bound syntax.Expr) (map[string]string, []syntax.Stmt) {
	names := regionNames(stmts)
	own := targetNames(bound)
	names = mergeNames(slices.Clone(own), names)
	if len(names) == 0 {
		return nil, stmts
	}
	p.c.hidden++
	suffix := "$" + strconv.Itoa(p.c.hidden)
	m := make(map[string]string, len(names))
	for _, n := range names {
		if isUserName(n) {
			m[n] = n + suffix
		}
	}
	var init []syntax.Stmt
	for _, n := range names {
		if !slices.Contains(own, n) {
			outer := p.ident(n, off)
			p.c.initRefs[outer] = true
			init = append(init, p.assignStmt(p.ident(m[n], off), outer, off))
		}
	}
	for _, s := range stmts {
		p.c.rename(s, m)
	}
	if bound != nil {
		p.c.rename(bound, m)
	}
	return m, append(init, stmts...)
}

// rename renames the identifiers of n that m maps, as a scope would see
// them: attribute names, keyword names and the parameters of nested
// functions (which shadow) are left alone. Dicts collecting the locals of
// a scoped block call get an entry for every renamed name.
func (c *compiler) rename(n syntax.Node, m map[string]string) {
	if len(m) == 0 {
		return
	}
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Ident:
			if r, ok := m[n.Name]; ok {
				n.Name = r
			}
		case *syntax.DotExpr:
			c.rename(n.X, m)
			return false
		case *syntax.CallExpr:
			c.rename(n.Fn, m)
			for _, a := range n.Args {
				if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
					c.rename(b.Y, m)
					continue
				}
				c.rename(a, m)
			}
			return false
		case *syntax.DictExpr:
			if c.scopedLocals[n] {
				for user, r := range m {
					if !slices.ContainsFunc(n.List, func(e syntax.Expr) bool {
						return e.(*syntax.DictEntry).Key.(*syntax.Literal).Value == user
					}) {
						pos := n.Lbrace
						n.List = append(n.List, &syntax.DictEntry{
							Key:   &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: strconv.Quote(user), Value: user},
							Colon: pos, Value: &syntax.Ident{NamePos: pos, Name: r}})
					}
				}
				slices.SortFunc(n.List, func(a, b syntax.Expr) int {
					return strings.Compare(a.(*syntax.DictEntry).Key.(*syntax.Literal).Value.(string),
						b.(*syntax.DictEntry).Key.(*syntax.Literal).Value.(string))
				})
				return false
			}
		case *syntax.DefStmt:
			c.rename(n.Name, m)
			inner := maps(m)
			for _, prm := range n.Params {
				name, def := paramOf(prm)
				delete(inner, name)
				if def != nil {
					c.rename(def, m)
				}
			}
			for _, s := range n.Body {
				c.rename(s, inner)
			}
			return false
		case *syntax.LambdaExpr:
			inner := maps(m)
			for _, prm := range n.Params {
				name, def := paramOf(prm)
				delete(inner, name)
				if def != nil {
					c.rename(def, m)
				}
			}
			c.rename(n.Body, inner)
			return false
		}
		return true
	})
}

func maps[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// paramOf returns a parameter's name and default value.
func paramOf(x syntax.Expr) (string, syntax.Expr) {
	switch e := x.(type) {
	case *syntax.Ident:
		return e.Name, nil
	case *syntax.BinaryExpr:
		if id, ok := e.X.(*syntax.Ident); ok {
			return id.Name, e.Y
		}
	case *syntax.UnaryExpr:
		if id, ok := e.X.(*syntax.Ident); ok {
			return id.Name, nil
		}
	}
	return "", nil
}

// funcNames is the user names a generated function assigns itself (in the
// order of sc), leaving out those only its scoped regions assign.
func funcNames(sc *scope, body []syntax.Stmt) []string {
	own := regionNames(body)
	var out []string
	for _, n := range sc.order {
		if slices.Contains(own, n) {
			out = append(out, n)
		}
	}
	return out
}

// writtenNames is the names the template itself references in file (not
// the outer values a scoped region starts from). Only references to the
// template-level name count: a macro parameter, a function's local or a
// keyword argument of the same name is another variable. file must be
// resolved (starlark.FileProgram binds its identifiers).
func (c *compiler) writtenNames(file *syntax.File) map[string]bool {
	out := map[string]bool{}
	syntax.Walk(file, func(n syntax.Node) bool {
		if id, ok := n.(*syntax.Ident); ok && !c.initRefs[id] && refersToFree(id) {
			out[id.Name] = true
		}
		return true
	})
	return out
}

// refersToFree reports whether a resolved identifier names a predeclared
// (template-level free) variable rather than a local, a parameter or a
// keyword/attribute name (which have no binding).
func refersToFree(id *syntax.Ident) bool {
	b, ok := id.Binding.(*resolve.Binding)
	return ok && b.Scope == resolve.Predeclared
}
