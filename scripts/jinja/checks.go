package jinja

import (
	"go.starlark.net/syntax"
)

// Static checks: what would fail at the first event whatever the data is
// reported when the template compiles (so `eventum validate` reports it):
// unknown filters and tests, unloadable templates and missing imported
// names (found while parsing), calls of names that nothing defines and
// macros an imported template does not have. Undefined names that are
// only read stay warnings (Template.Undefined): they render empty.

// aliasKey is an import alias in one template (its top-level scope).
type aliasKey struct {
	top  *scope
	name string
}

type importAlias struct {
	template string // as written
	imp      *importInfo
}

// checkImportRef checks a call "alias.name(...)" against what the
// template imported as alias exports (reading a missing name is
// undefined, as in Jinja).
func (p *parser) checkImportRef(t token) {
	a, ok := p.c.importAliases[aliasKey{p.top, t.text}]
	if !ok || p.c.checkErr != nil || !p.isOp(".") || p.peekAt(1).kind != tName {
		return
	}
	if next := p.peekAt(2); next.kind != tOp || next.text != "(" {
		return
	}
	if nt := p.peekAt(1); !a.imp.exports[nt.text] {
		p.c.checkErr = p.fail(nt, "the template %q does not export '%s'", a.template, nt.text)
	}
}

// checkCalls reports the first call of a name that is not defined
// anywhere (no macro, global, builtin or assignment): it fails whenever it
// runs.
func (c *compiler) checkCalls(file *syntax.File) error {
	if len(c.free) == 0 {
		return nil
	}
	var err error
	syntax.Walk(file, func(n syntax.Node) bool {
		if err != nil {
			return false
		}
		if call, ok := n.(*syntax.CallExpr); ok {
			if id, ok := call.Fn.(*syntax.Ident); ok && c.free[id.Name] && !c.initRefs[id] {
				pos := id.NamePos
				err = &Error{File: pos.Filename(), Line: int(pos.Line), Col: int(pos.Col), Msg: "unknown macro or function '" + id.Name + "'"}
			}
		}
		return true
	})
	return err
}
