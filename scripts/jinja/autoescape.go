package jinja

import (
	"errors"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// {% autoescape true %} regions: as in Jinja (whose environment, like the
// original's, does not autoescape otherwise), a value printed there is
// HTML-escaped unless it is markup: the output of safe, escape, tojson,
// xmlattr and urlize, of a macro, caller(), a block or loop(...) called
// there, of a block {% set %} there, or a ~ joining markup. Case and
// whitespace filters keep markup markup. Outside such regions nothing
// changes (no markup value is made).

// markup is Jinja's Markup: text that is printed as is in an autoescape
// region. Outside, it prints (and converts with filters) as its text.
type markup string

func (m markup) String() string        { return string(m) }
func (m markup) Type() string          { return "Markup" }
func (m markup) Freeze()               {}
func (m markup) Truth() starlark.Bool  { return m != "" }
func (m markup) Hash() (uint32, error) { return starlark.String(m).Hash() }
func (m markup) Len() int              { return starlark.String(m).Len() }

const (
	hAutoesc = "$ae"
	hMarkup  = "$markup"
	hMcall   = "$mcall"
	hMfilter = "$mfilter"
	hMconcat = "$mconcat"
)

// markupFilters return markup; keepMarkup filters return markup when given
// markup.
var (
	markupFilters = map[string]bool{"safe": true, "escape": true, "e": true, "forceescape": true, "tojson": true, "xmlattr": true, "urlize": true}
	keepMarkup    = map[string]bool{"upper": true, "lower": true, "title": true, "capitalize": true, "trim": true, "center": true,
		"indent": true, "truncate": true, "wordwrap": true, "string": true}
)

func init() {
	runtimeBuiltins[hAutoesc] = starlark.NewBuiltin("autoescape", builtinAutoesc)
	runtimeBuiltins[hMarkup] = starlark.NewBuiltin("markup", builtinMarkup)
	runtimeBuiltins[hMcall] = starlark.NewBuiltin("call", builtinMcall)
	runtimeBuiltins[hMfilter] = starlark.NewBuiltin("filter", builtinMfilter)
	runtimeBuiltins[hMconcat] = starlark.NewBuiltin("concat", builtinMconcat)
}

// escapeValue is what {{ x }} prints in an autoescape region.
func (p *parser) escapeValue(x syntax.Expr) syntax.Expr {
	switch e := x.(type) {
	case *syntax.Literal:
		switch v := e.Value.(type) {
		case string:
			if e.Token == syntax.STRING {
				return &syntax.Literal{Token: syntax.STRING, TokenPos: e.TokenPos, Raw: e.Raw, Value: htmlEscape(v)}
			}
		case int64:
			return e
		}
	case *syntax.ParenExpr:
		return p.escapeValue(e.X)
	case *syntax.CallExpr:
		if isHidden(e.Fn, hConcat) { // printed operand by operand
			c := *e
			c.Args = make([]syntax.Expr, len(e.Args))
			for i, a := range e.Args {
				c.Args[i] = p.escapeValue(a)
			}
			return &c
		}
	}
	pos, _ := x.Span()
	return p.callPos(hAutoesc, pos, x)
}

// markRegion rewrites the calls in an autoescape region's statements that
// make markup there: macro, caller, block, super, self and loop calls,
// the markup filters and ~.
func (p *parser) markRegion(stmts []syntax.Stmt) {
	for _, s := range stmts {
		syntax.Walk(s, func(n syntax.Node) bool {
			call, ok := n.(*syntax.CallExpr)
			if !ok {
				return true
			}
			switch fn := call.Fn.(type) {
			case *syntax.Ident:
				switch {
				case strings.HasPrefix(fn.Name, hFilter) || strings.HasPrefix(fn.Name, hTest):
					markFilter(call, fn)
				case fn.Name == hConcat:
					fn.Name = hMconcat
				case p.c.macroNames[fn.Name] || fn.Name == "caller" || fn.Name == "$super" ||
					strings.HasPrefix(fn.Name, "$blk:") || strings.HasPrefix(fn.Name, "$loop") || strings.HasPrefix(fn.Name, "$caller"):
					p.wrapCall(call)
				}
			case *syntax.CallExpr: // $getattr(alias or self, "name")(...)
				if isHidden(fn.Fn, hGetattr) && len(fn.Args) == 2 {
					if id, ok := fn.Args[0].(*syntax.Ident); ok && (id.Name == hSelf || p.c.isImportAlias(id.Name)) {
						p.wrapCall(call)
					}
				}
			case *syntax.DotExpr:
				if id, ok := fn.X.(*syntax.Ident); ok && (id.Name == hSelf || p.c.isImportAlias(id.Name)) {
					p.wrapCall(call)
				}
			}
			return true
		})
	}
}

// markFilter turns a filter or test call f(x, args...) into
// $mfilter("name", f, x, args...), which gives f the text of a markup x
// and makes the result markup as Jinja does.
func markFilter(call *syntax.CallExpr, fn *syntax.Ident) {
	name := fn.Name // a test keeps its prefix: its result is never markup
	if strings.HasPrefix(name, hFilter) {
		name = name[len(hFilter):]
	}
	lit := &syntax.Literal{Token: syntax.STRING, TokenPos: fn.NamePos, Raw: `"` + name + `"`, Value: name}
	call.Args = append([]syntax.Expr{lit, &syntax.Ident{NamePos: fn.NamePos, Name: fn.Name}}, call.Args...)
	call.Fn = &syntax.Ident{NamePos: fn.NamePos, Name: hMfilter}
}

// markFilters applies markFilter to every filter and test call of a
// template that has an autoescape region: "| safe" outside the region is
// markup inside it, and markup values reach filters and tests as text.
func markFilters(stmts []syntax.Stmt) {
	for _, s := range stmts {
		syntax.Walk(s, func(n syntax.Node) bool {
			if call, ok := n.(*syntax.CallExpr); ok {
				if fn, ok := call.Fn.(*syntax.Ident); ok && (strings.HasPrefix(fn.Name, hFilter) || strings.HasPrefix(fn.Name, hTest)) {
					markFilter(call, fn)
				}
			}
			return true
		})
	}
}

// wrapCall turns f(args) into $mcall(f, args): its result is markup.
func (p *parser) wrapCall(call *syntax.CallExpr) {
	pos, _ := call.Fn.Span()
	call.Args = append([]syntax.Expr{call.Fn}, call.Args...)
	call.Fn = &syntax.Ident{NamePos: pos, Name: hMcall}
}

func (c *compiler) isImportAlias(name string) bool {
	for k := range c.importAliases {
		if k.name == name {
			return true
		}
	}
	return false
}

func builtinAutoesc(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if m, ok := args[0].(markup); ok {
		return starlark.String(m), nil
	}
	return starlark.String(htmlEscape(toStr(args[0]))), nil
}

func builtinMarkup(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	return markup(toStr(args[0])), nil
}

// builtinMcall is $mcall(fn, *args, **kwargs): fn's result as markup.
func builtinMcall(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	v, err := starlark.Call(th, args[0], args[1:], kwargs)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(starlark.String); ok {
		return markup(v.(starlark.String)), nil
	}
	return v, nil
}

// builtinMfilter is $mfilter(name, filter, value, *args, **kwargs).
func builtinMfilter(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 3 {
		return nil, errors.New("internal error: $mfilter arguments")
	}
	name := string(args[0].(starlark.String))
	v := args[2]
	m, isMarkup := v.(markup)
	if isMarkup && (name == "escape" || name == "e" || name == "safe") {
		return m, nil
	}
	rest := append(starlark.Tuple{}, args[2:]...)
	keep := isMarkup && keepMarkup[name]
	if isMarkup {
		rest[0] = starlark.String(m)
		if name == "replace" { // Markup.replace escapes what it inserts
			keep = true
			for i := 1; i < len(rest) && i < 3; i++ {
				if s, ok := rest[i].(starlark.String); ok {
					rest[i] = starlark.String(htmlEscape(string(s)))
				}
			}
		}
	}
	out, err := starlark.Call(th, args[1], rest, kwargs)
	if err != nil {
		return nil, err
	}
	if s, ok := out.(starlark.String); ok && (markupFilters[name] || keep) {
		return markup(s), nil
	}
	return out, nil
}

// builtinMconcat is ~ in an autoescape region: with a markup operand the
// others are escaped and the result is markup (Jinja's markup_join).
func builtinMconcat(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	anyMarkup := false
	for _, a := range args {
		if _, ok := a.(markup); ok {
			anyMarkup = true
		}
	}
	var b []byte
	for _, a := range args {
		if _, ok := a.(markup); anyMarkup && !ok {
			b = append(b, htmlEscape(toStr(a))...)
			continue
		}
		b = appendStr(b, a)
	}
	if anyMarkup {
		return markup(b), nil
	}
	return starlark.String(b), nil
}
