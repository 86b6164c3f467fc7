package jinja

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Expression parsing: Jinja's grammar and precedence, Starlark's semantics.
// The parser builds go.starlark.net syntax trees directly, with positions in
// the template file, so Starlark's own compiler and runtime errors point at
// template lines. Jinja-only constructs become calls of hidden builtins whose
// names ("$f:upper", "$getattr", ...) cannot be written by users.

func isLetterRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func (p *parser) pos(off int) syntax.Position {
	line, col := p.f.lineCol(off)
	return syntax.MakePosition(p.f.path, int32(line), int32(col))
}

func (p *parser) ident(name string, off int) *syntax.Ident {
	return &syntax.Ident{NamePos: p.pos(off), Name: name}
}

func (p *parser) callHidden(name string, off int, args ...syntax.Expr) *syntax.CallExpr {
	pos := p.pos(off)
	return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: pos, Name: name}, Lparen: pos, Args: args, Rparen: pos}
}

func (p *parser) strLit(s string, off int) *syntax.Literal {
	return &syntax.Literal{Token: syntax.STRING, TokenPos: p.pos(off), Raw: strconv.Quote(s), Value: s}
}

func (p *parser) intLit(n int64, off int) *syntax.Literal {
	return &syntax.Literal{Token: syntax.INT, TokenPos: p.pos(off), Raw: strconv.FormatInt(n, 10), Value: n}
}

// --- token helpers ---

func (p *parser) peek() token        { return p.toks[p.i] }
func (p *parser) peekAt(k int) token { return p.toks[min(p.i+k, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == s
}

func (p *parser) isName(s string) bool {
	t := p.peek()
	return t.kind == tName && t.text == s
}

func (p *parser) acceptOp(s string) bool {
	if p.isOp(s) {
		p.next()
		return true
	}
	return false
}

func (p *parser) acceptName(s string) bool {
	if p.isName(s) {
		p.next()
		return true
	}
	return false
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of template"
	case tVarEnd:
		return "end of print statement '}}'"
	case tBlockEnd:
		return "end of statement block '%}'"
	case tData:
		return "template data"
	case tName:
		return "name '" + t.text + "'"
	default:
		return "'" + t.text + "'"
	}
}

func (p *parser) expectOp(s string) (token, error) {
	if !p.isOp(s) {
		t := p.peek()
		return t, p.f.errorf(t.off, "expected '%s', got %s", s, describe(t))
	}
	return p.next(), nil
}

func (p *parser) expectName() (token, error) {
	t := p.peek()
	if t.kind != tName {
		return t, p.f.errorf(t.off, "expected a name, got %s", describe(t))
	}
	return p.next(), nil
}

func (p *parser) fail(t token, format string, args ...any) error {
	return p.f.errorf(t.off, format, args...)
}

// --- grammar ---

// parseTuple parses "a, b, c" without parentheses (Jinja's parse_tuple);
// a single expression without a trailing comma stays as it is.
func (p *parser) parseTuple(withCond bool) (syntax.Expr, error) {
	start := p.peek()
	parse := p.parseExpr
	if !withCond {
		parse = p.parseOr
	}
	x, err := parse()
	if err != nil {
		return nil, err
	}
	if !p.isOp(",") {
		return x, nil
	}
	list := []syntax.Expr{x}
	for p.acceptOp(",") {
		if !p.startsExpr() {
			break
		}
		y, err := parse()
		if err != nil {
			return nil, err
		}
		list = append(list, y)
	}
	return &syntax.TupleExpr{Lparen: p.pos(start.off), List: list}, nil
}

func (p *parser) startsExpr() bool {
	t := p.peek()
	switch t.kind {
	case tName, tInt, tFloat, tString:
		return true
	case tOp:
		return t.text == "(" || t.text == "[" || t.text == "{" || t.text == "-" || t.text == "+"
	}
	return false
}

// parseExpr parses a full expression: conditional expression or lambda.
func (p *parser) parseExpr() (syntax.Expr, error) {
	if p.isName("lambda") {
		return p.parseLambda()
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		ift := p.next()
		cond, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var f syntax.Expr
		var elsePos syntax.Position
		if p.isName("else") {
			elsePos = p.pos(p.next().off)
			if f, err = p.parseExpr(); err != nil {
				return nil, err
			}
		} else {
			// Jinja: "a if c" without else yields undefined.
			f = p.ident(p.c.undefinedName(""), ift.off)
			elsePos = p.pos(ift.off)
		}
		x = &syntax.CondExpr{If: p.pos(ift.off), Cond: cond, True: x, ElsePos: elsePos, False: f}
	}
	return x, nil
}

func (p *parser) parseLambda() (syntax.Expr, error) {
	lt := p.next()
	var params []syntax.Expr
	for !p.isOp(":") {
		if len(params) > 0 {
			if _, err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		nt, err := p.expectName()
		if err != nil {
			return nil, err
		}
		id := p.ident(nt.text, nt.off)
		if p.isOp("=") {
			eq := p.next()
			d, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			params = append(params, &syntax.BinaryExpr{X: id, OpPos: p.pos(eq.off), Op: syntax.EQ, Y: d})
		} else {
			params = append(params, id)
		}
	}
	p.next()
	body, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	return &syntax.LambdaExpr{Lambda: p.pos(lt.off), Params: params, Body: body}, nil
}

func (p *parser) parseOr() (syntax.Expr, error) {
	x, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isName("or") {
		t := p.next()
		y, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		x = &syntax.BinaryExpr{X: x, OpPos: p.pos(t.off), Op: syntax.OR, Y: y}
	}
	return x, nil
}

func (p *parser) parseAnd() (syntax.Expr, error) {
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isName("and") {
		t := p.next()
		y, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		x = &syntax.BinaryExpr{X: x, OpPos: p.pos(t.off), Op: syntax.AND, Y: y}
	}
	return x, nil
}

func (p *parser) parseNot() (syntax.Expr, error) {
	if p.isName("not") {
		t := p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &syntax.UnaryExpr{OpPos: p.pos(t.off), Op: syntax.NOT, X: x}, nil
	}
	return p.parseCompare()
}

var compareOps = map[string]syntax.Token{
	"==": syntax.EQL, "!=": syntax.NEQ, "<": syntax.LT, ">": syntax.GT, "<=": syntax.LE, ">=": syntax.GE,
}

func (p *parser) parseCompare() (syntax.Expr, error) {
	x, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	var result syntax.Expr
	left := x
	for {
		t := p.peek()
		var op syntax.Token
		switch {
		case t.kind == tOp && compareOps[t.text] != 0:
			op = compareOps[t.text]
			p.next()
		case t.kind == tName && t.text == "in":
			op = syntax.IN
			p.next()
		case t.kind == tName && t.text == "not" && p.peekAt(1).kind == tName && p.peekAt(1).text == "in":
			op = syntax.NOT_IN
			p.next()
			p.next()
		default:
			if result == nil {
				return left, nil
			}
			return result, nil
		}
		right, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		if op == syntax.IN || op == syntax.NOT_IN {
			right = p.hoist(right)
		}
		cmp := &syntax.BinaryExpr{X: left, OpPos: p.pos(t.off), Op: op, Y: right}
		if result == nil {
			result = cmp
		} else {
			// Chained comparison a < b < c: (a < b) and (b < c).
			result = &syntax.BinaryExpr{X: result, OpPos: p.pos(t.off), Op: syntax.AND, Y: cmp}
		}
		left = right
	}
}

func (p *parser) parseConcat() (syntax.Expr, error) {
	x, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	if !p.isOp("~") {
		return x, nil
	}
	t := p.peek()
	args := []syntax.Expr{x}
	for p.acceptOp("~") {
		y, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		args = append(args, y)
	}
	return p.callHidden(hConcat, t.off, args...), nil
}

func (p *parser) parseMath1() (syntax.Expr, error) {
	x, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		op := syntax.PLUS
		if t.text == "-" {
			op = syntax.MINUS
		}
		y, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		x = &syntax.BinaryExpr{X: x, OpPos: p.pos(t.off), Op: op, Y: y}
	}
	return x, nil
}

var math2Ops = map[string]syntax.Token{"*": syntax.STAR, "/": syntax.SLASH, "//": syntax.SLASHSLASH, "%": syntax.PERCENT}

func (p *parser) parseMath2() (syntax.Expr, error) {
	x, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op, ok := math2Ops[t.text]
		if t.kind != tOp || !ok {
			return x, nil
		}
		p.next()
		y, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		if op == syntax.PERCENT && !p.isNumeric(x) {
			// Python's "fmt % args" on strings; Starlark's % has no
			// widths, flags or Python reprs.
			x = p.callHidden(hMod, t.off, x, p.hoist(y))
			continue
		}
		x = &syntax.BinaryExpr{X: x, OpPos: p.pos(t.off), Op: op, Y: y}
	}
}

// numericFilters and numericBuiltins return numbers (or fail).
var (
	numericFilters  = map[string]bool{"int": true, "float": true, "length": true, "count": true, "abs": true, "round": true, "sum": true, "wordcount": true}
	numericBuiltins = map[string]bool{"len": true, "int": true, "float": true, "hash": true, "ord": true, "abs": true}
	numericLoopAttr = map[string]bool{"index": true, "index0": true, "revindex": true, "revindex0": true, "length": true, "depth": true, "depth0": true}
)

// isNumeric reports whether x is known at compile time to be a number (or
// an error), so that "x % y" can stay Starlark's modulo, evaluated inline.
// Anything else goes through $mod, which formats strings as Python does.
func (p *parser) isNumeric(x syntax.Expr) bool {
	switch e := x.(type) {
	case *syntax.Literal:
		return e.Token == syntax.INT || e.Token == syntax.FLOAT
	case *syntax.Ident:
		return p.scope.numeric[e.Name]
	case *syntax.ParenExpr:
		return p.isNumeric(e.X)
	case *syntax.UnaryExpr:
		return (e.Op == syntax.MINUS || e.Op == syntax.PLUS) && p.isNumeric(e.X)
	case *syntax.BinaryExpr:
		switch e.Op {
		case syntax.MINUS, syntax.SLASH, syntax.SLASHSLASH, syntax.PERCENT:
			return true // not defined on strings
		case syntax.PLUS: // a number and a string do not add
			return p.isNumeric(e.X) || p.isNumeric(e.Y)
		case syntax.STAR: // 2 * "ab" repeats the string
			return p.isNumeric(e.X) && p.isNumeric(e.Y)
		}
	case *syntax.DotExpr:
		id, ok := e.X.(*syntax.Ident)
		return ok && strings.HasPrefix(id.Name, "$loop") && numericLoopAttr[e.Name.Name]
	case *syntax.CallExpr:
		if id, ok := e.Fn.(*syntax.Ident); ok {
			switch {
			case id.Name == hPow:
				return true
			case strings.HasPrefix(id.Name, hFilter):
				return numericFilters[id.Name[len(hFilter):]]
			}
			return numericBuiltins[id.Name] && !p.scope.assigned[id.Name] && !p.c.globals[id.Name]
		}
	}
	return false
}

func (p *parser) parsePow() (syntax.Expr, error) {
	x, err := p.parseUnary(true)
	if err != nil {
		return nil, err
	}
	for p.isOp("**") {
		t := p.next()
		y, err := p.parseUnary(true)
		if err != nil {
			return nil, err
		}
		x = p.callHidden(hPow, t.off, x, y)
	}
	return x, nil
}

func (p *parser) parseUnary(withFilter bool) (syntax.Expr, error) {
	t := p.peek()
	var x syntax.Expr
	var err error
	switch {
	case t.kind == tOp && (t.text == "-" || t.text == "+"):
		p.next()
		y, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		op := syntax.MINUS
		if t.text == "+" {
			op = syntax.PLUS
		}
		x = &syntax.UnaryExpr{OpPos: p.pos(t.off), Op: op, X: y}
	default:
		if x, err = p.parsePrimary(); err != nil {
			return nil, err
		}
	}
	if x, err = p.parsePostfix(x); err != nil {
		return nil, err
	}
	if withFilter {
		return p.parseFilterExpr(x)
	}
	return x, nil
}

func (p *parser) parsePrimary() (syntax.Expr, error) {
	t := p.peek()
	switch t.kind {
	case tName:
		p.next()
		switch t.text {
		case "true", "True":
			return p.ident("True", t.off), nil
		case "false", "False":
			return p.ident("False", t.off), nil
		case "none", "None":
			return p.ident("None", t.off), nil
		case "and", "or", "not", "in", "is", "if", "else", "lambda", "for":
			return nil, p.fail(t, "unexpected %s", describe(t))
		}
		return p.nameRef(t), nil
	case tString:
		var sb strings.Builder
		isBytes := false
		for p.peek().kind == tString {
			st := p.next()
			s, b, err := unquotePython(st.text)
			if err != nil {
				return nil, p.fail(st, "%v", err)
			}
			isBytes = isBytes || b
			sb.WriteString(s)
		}
		lit := p.strLit(sb.String(), t.off)
		if isBytes {
			lit.Token = syntax.BYTES
		}
		return lit, nil
	case tInt:
		p.next()
		text := strings.ReplaceAll(t.text, "_", "")
		base := 10
		if len(text) > 1 && text[0] == '0' && strings.ContainsRune("xXoObB", rune(text[1])) {
			base = 0
		}
		if n, err := strconv.ParseInt(text, base, 64); err == nil {
			return &syntax.Literal{Token: syntax.INT, TokenPos: p.pos(t.off), Raw: t.text, Value: n}, nil
		}
		n, ok := new(big.Int).SetString(text, base)
		if !ok {
			return nil, p.fail(t, "invalid integer literal %s", t.text)
		}
		return &syntax.Literal{Token: syntax.INT, TokenPos: p.pos(t.off), Raw: t.text, Value: n}, nil
	case tFloat:
		p.next()
		f, err := strconv.ParseFloat(strings.ReplaceAll(t.text, "_", ""), 64)
		if err != nil {
			return nil, p.fail(t, "invalid float literal %s", t.text)
		}
		return &syntax.Literal{Token: syntax.FLOAT, TokenPos: p.pos(t.off), Raw: t.text, Value: f}, nil
	case tOp:
		switch t.text {
		case "(":
			p.next()
			if p.isOp(")") {
				rp := p.next()
				return &syntax.TupleExpr{Lparen: p.pos(t.off), Rparen: p.pos(rp.off)}, nil
			}
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if p.isOp(",") {
				list := []syntax.Expr{x}
				for p.acceptOp(",") {
					if p.isOp(")") {
						break
					}
					y, err := p.parseExpr()
					if err != nil {
						return nil, err
					}
					list = append(list, y)
				}
				rp, err := p.expectOp(")")
				if err != nil {
					return nil, err
				}
				return &syntax.TupleExpr{Lparen: p.pos(t.off), List: list, Rparen: p.pos(rp.off)}, nil
			}
			rp, err := p.expectOp(")")
			if err != nil {
				return nil, err
			}
			return &syntax.ParenExpr{Lparen: p.pos(t.off), X: x, Rparen: p.pos(rp.off)}, nil
		case "[":
			p.next()
			var list []syntax.Expr
			for !p.isOp("]") {
				x, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				if len(list) == 0 && p.isName("for") {
					return p.parseComprehension(t, false, x)
				}
				list = append(list, x)
				if !p.acceptOp(",") {
					break
				}
			}
			rb, err := p.expectOp("]")
			if err != nil {
				return nil, err
			}
			return &syntax.ListExpr{Lbrack: p.pos(t.off), List: list, Rbrack: p.pos(rb.off)}, nil
		case "{":
			p.next()
			var list []syntax.Expr
			for !p.isOp("}") {
				k, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				colon, err := p.expectOp(":")
				if err != nil {
					return nil, err
				}
				v, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				entry := &syntax.DictEntry{Key: k, Colon: p.pos(colon.off), Value: v}
				if len(list) == 0 && p.isName("for") {
					return p.parseComprehension(t, true, entry)
				}
				list = append(list, entry)
				if !p.acceptOp(",") {
					break
				}
			}
			rb, err := p.expectOp("}")
			if err != nil {
				return nil, err
			}
			return &syntax.DictExpr{Lbrace: p.pos(t.off), List: list, Rbrace: p.pos(rb.off)}, nil
		}
	}
	return nil, p.fail(t, "unexpected %s", describe(t))
}

// nameRef resolves a free identifier in an expression: the innermost loop's
// "loop" variable, or a plain name (recorded as used in the current scope).
func (p *parser) nameRef(t token) syntax.Expr {
	sc := p.scope
	if x := p.inheritRef(t); x != nil {
		return x
	}
	p.checkImportRef(t)
	if t.text == "loop" && len(sc.loops) > 0 && !sc.assigned["loop"] {
		l := sc.loops[len(sc.loops)-1]
		l.used = true
		return p.ident(l.name, t.off)
	}
	sc.refs[t.text] = true
	return p.ident(t.text, t.off)
}

func (p *parser) parseComprehension(open token, curly bool, body syntax.Expr) (syntax.Expr, error) {
	var clauses []syntax.Node
	closing := "]"
	if curly {
		closing = "}"
	}
	for !p.isOp(closing) {
		switch {
		case p.isName("for"):
			ft := p.next()
			vars, err := p.parseTargets(false)
			if err != nil {
				return nil, err
			}
			in := p.peek()
			if !p.acceptName("in") {
				return nil, p.fail(in, "expected 'in', got %s", describe(in))
			}
			x, err := p.parseOr()
			if err != nil {
				return nil, err
			}
			clauses = append(clauses, &syntax.ForClause{For: p.pos(ft.off), Vars: vars, In: p.pos(in.off), X: x})
		case p.isName("if"):
			it := p.next()
			cond, err := p.parseOr()
			if err != nil {
				return nil, err
			}
			clauses = append(clauses, &syntax.IfClause{If: p.pos(it.off), Cond: cond})
		default:
			t := p.peek()
			return nil, p.fail(t, "expected 'for', 'if' or '%s', got %s", closing, describe(t))
		}
	}
	rb := p.next()
	return &syntax.Comprehension{Curly: curly, Lbrack: p.pos(open.off), Body: body, Clauses: clauses, Rbrack: p.pos(rb.off)}, nil
}

// parseTargets parses assignment targets: a name or names separated by
// commas, optionally parenthesized. With attr, "ns.attr" is allowed.
func (p *parser) parseTargets(attr bool) (syntax.Expr, error) {
	start := p.peek()
	paren := p.acceptOp("(")
	var list []syntax.Expr
	for {
		nt, err := p.expectName()
		if err != nil {
			return nil, err
		}
		var x syntax.Expr = p.ident(nt.text, nt.off)
		if attr && p.isOp(".") {
			dot := p.next()
			at, err := p.expectName()
			if err != nil {
				return nil, err
			}
			p.scope.refs[nt.text] = true
			x = &syntax.DotExpr{X: x, Dot: p.pos(dot.off), NamePos: p.pos(at.off), Name: p.ident(at.text, at.off)}
		}
		list = append(list, x)
		if !p.acceptOp(",") {
			break
		}
		if paren && p.isOp(")") {
			break
		}
	}
	if paren {
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	if len(list) == 1 && !paren {
		return list[0], nil
	}
	return &syntax.TupleExpr{Lparen: p.pos(start.off), List: list}, nil
}

func (p *parser) parsePostfix(x syntax.Expr) (syntax.Expr, error) {
	for {
		t := p.peek()
		if t.kind != tOp {
			return x, nil
		}
		var err error
		switch t.text {
		case ".":
			p.next()
			nt := p.next()
			switch nt.kind {
			case tName:
				if p.isOp("(") {
					x, err = p.parseMethodCall(x, t, nt)
				} else {
					x = p.attr(x, t, nt)
				}
			case tInt:
				n, _ := strconv.ParseInt(nt.text, 10, 64)
				x = &syntax.IndexExpr{X: x, Lbrack: p.pos(t.off), Y: p.intLit(n, nt.off), Rbrack: p.pos(nt.off)}
			default:
				return nil, p.fail(nt, "expected an attribute name, got %s", describe(nt))
			}
		case "[":
			x, err = p.parseSubscript(x)
		case "(":
			x, err = p.parseCall(x)
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// attr compiles "x.name". Attribute chains rooted at a global with native
// attributes (Options.AttrGlobals) or at a loop variable stay Starlark dot
// expressions; anything else goes through $getattr, which falls back to item
// access on mappings and yields Undefined for missing names (Jinja's rule).
// Consecutive lookups share one $getattr call.
func (p *parser) attr(x syntax.Expr, dot, name token) syntax.Expr {
	if p.nativeAttrs(x) {
		return &syntax.DotExpr{X: x, Dot: p.pos(dot.off), NamePos: p.pos(name.off), Name: p.ident(name.text, name.off)}
	}
	if c, ok := x.(*syntax.CallExpr); ok && isHidden(c.Fn, hGetattr) && c.Rparen == c.Lparen {
		c.Args = append(c.Args, p.strLit(name.text, name.off))
		return c
	}
	c := p.callHidden(hGetattr, dot.off, x, p.strLit(name.text, name.off))
	return c
}

func isHidden(fn syntax.Expr, name string) bool {
	id, ok := fn.(*syntax.Ident)
	return ok && id.Name == name
}

func (p *parser) nativeAttrs(x syntax.Expr) bool {
	switch x := x.(type) {
	case *syntax.Ident:
		if strings.HasPrefix(x.Name, "$loop") {
			return true
		}
		return p.c.attrGlobals[x.Name] && !p.scope.assigned[x.Name]
	case *syntax.DotExpr:
		return p.nativeAttrs(x.X)
	}
	return false
}

// parseMethodCall compiles "x.name(args)": a real method call, except for
// the Python string methods Starlark lacks, which become "$m:name"(x, args).
func (p *parser) parseMethodCall(x syntax.Expr, dot, name token) (syntax.Expr, error) {
	if pyStringMethods[name.text] {
		lp := p.peek()
		call, err := p.parseCall(p.ident(hMethod+name.text, name.off))
		if err != nil {
			return nil, err
		}
		c := call.(*syntax.CallExpr)
		c.Args = append([]syntax.Expr{x}, c.Args...)
		c.Lparen = p.pos(lp.off)
		return c, nil
	}
	fn := &syntax.DotExpr{X: x, Dot: p.pos(dot.off), NamePos: p.pos(name.off), Name: p.ident(name.text, name.off)}
	return p.parseCall(fn)
}

func (p *parser) parseSubscript(x syntax.Expr) (syntax.Expr, error) {
	lb := p.next()
	var parts [3]syntax.Expr
	n := 0
	slice := false
	for {
		if p.isOp(":") {
			p.next()
			slice = true
			n++
			if n > 2 {
				return nil, p.fail(lb, "invalid slice")
			}
			continue
		}
		if p.isOp("]") {
			break
		}
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if !slice && p.isOp(",") {
			list := []syntax.Expr{e}
			for p.acceptOp(",") {
				if p.isOp("]") {
					break
				}
				y, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				list = append(list, y)
			}
			e = &syntax.TupleExpr{Lparen: p.pos(lb.off), List: list}
		}
		parts[n] = e
		if !p.isOp(":") {
			break
		}
	}
	rb, err := p.expectOp("]")
	if err != nil {
		return nil, err
	}
	if slice {
		return &syntax.SliceExpr{X: x, Lbrack: p.pos(lb.off), Lo: parts[0], Hi: parts[1], Step: parts[2], Rbrack: p.pos(rb.off)}, nil
	}
	if parts[0] == nil {
		return nil, p.fail(lb, "expected an index")
	}
	return &syntax.IndexExpr{X: x, Lbrack: p.pos(lb.off), Y: parts[0], Rbrack: p.pos(rb.off)}, nil
}

func (p *parser) parseCall(fn syntax.Expr) (syntax.Expr, error) {
	lp := p.next()
	args, rp, err := p.parseArgs()
	if err != nil {
		return nil, err
	}
	return &syntax.CallExpr{Fn: fn, Lparen: p.pos(lp.off), Args: args, Rparen: p.pos(rp.off)}, nil
}

// parseArgs parses call arguments after "(" up to and including ")".
func (p *parser) parseArgs() ([]syntax.Expr, token, error) {
	var args []syntax.Expr
	for !p.isOp(")") {
		t := p.peek()
		switch {
		case t.kind == tOp && (t.text == "*" || t.text == "**"):
			p.next()
			x, err := p.parseExpr()
			if err != nil {
				return nil, t, err
			}
			op := syntax.STAR
			if t.text == "**" {
				op = syntax.STARSTAR
			}
			args = append(args, &syntax.UnaryExpr{OpPos: p.pos(t.off), Op: op, X: x})
		case t.kind == tName && p.peekAt(1).kind == tOp && p.peekAt(1).text == "=":
			p.next()
			eq := p.next()
			x, err := p.parseExpr()
			if err != nil {
				return nil, t, err
			}
			args = append(args, &syntax.BinaryExpr{X: p.ident(t.text, t.off), OpPos: p.pos(eq.off), Op: syntax.EQ, Y: p.hoist(x)})
		default:
			x, err := p.parseExpr()
			if err != nil {
				return nil, t, err
			}
			args = append(args, p.hoist(x))
		}
		if !p.acceptOp(",") {
			break
		}
	}
	rp, err := p.expectOp(")")
	return args, rp, err
}

func (p *parser) parseFilterExpr(x syntax.Expr) (syntax.Expr, error) {
	for {
		var err error
		switch {
		case p.isOp("|"):
			x, err = p.parseFilter(x)
		case p.isName("is"):
			x, err = p.parseTest(x)
		case p.isOp("("):
			x, err = p.parseCall(x)
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// parseFilter compiles "x | name(args)" into "$f:name"(x, args).
func (p *parser) parseFilter(x syntax.Expr) (syntax.Expr, error) {
	bar := p.next()
	nt, err := p.expectName()
	if err != nil {
		return nil, err
	}
	for p.isOp(".") {
		p.next()
		more, err := p.expectName()
		if err != nil {
			return nil, err
		}
		nt.text += "." + more.text
	}
	return p.applyFilter(x, bar, nt)
}

func (p *parser) applyFilter(x syntax.Expr, bar, nt token) (syntax.Expr, error) {
	if !p.c.hasFilter(nt.text) {
		return nil, p.fail(nt, "no filter named '%s'", nt.text)
	}
	if nt.text == "default" || nt.text == "d" {
		x = lenient(p, x)
	}
	var args []syntax.Expr
	rp := nt
	if p.isOp("(") {
		p.next()
		var err error
		if args, rp, err = p.parseArgs(); err != nil {
			return nil, err
		}
	}
	return &syntax.CallExpr{
		Fn:     p.ident(hFilter+nt.text, nt.off),
		Lparen: p.pos(bar.off),
		Args:   append([]syntax.Expr{x}, args...),
		Rparen: p.pos(rp.off),
	}, nil
}

// parseTest compiles "x is [not] name args".
func (p *parser) parseTest(x syntax.Expr) (syntax.Expr, error) {
	is := p.next()
	negated := p.acceptName("not")
	nt := p.peek()
	if nt.kind != tName && !(nt.kind == tOp && compareOps[nt.text] != 0) {
		return nil, p.fail(nt, "expected a test name, got %s", describe(nt))
	}
	p.next()
	name := nt.text
	if !p.c.hasTest(name) {
		return nil, p.fail(nt, "no test named '%s'", name)
	}
	var args []syntax.Expr
	t := p.peek()
	switch {
	case p.isOp("("):
		p.next()
		var err error
		if args, _, err = p.parseArgs(); err != nil {
			return nil, err
		}
	case (t.kind == tName || t.kind == tString || t.kind == tInt || t.kind == tFloat ||
		t.kind == tOp && (t.text == "[" || t.text == "{")) &&
		!(t.kind == tName && (t.text == "else" || t.text == "or" || t.text == "and" || t.text == "if" || t.text == "is")):
		arg, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		if arg, err = p.parsePostfix(arg); err != nil {
			return nil, err
		}
		args = []syntax.Expr{arg}
	}
	var res syntax.Expr
	switch name {
	case "defined", "undefined":
		res = p.callHidden(hTest+"defined", nt.off, lenient(p, x))
		if name == "undefined" {
			negated = !negated
		}
	case "none":
		res = &syntax.BinaryExpr{X: x, OpPos: p.pos(is.off), Op: syntax.EQL, Y: p.ident("None", nt.off)}
	default:
		res = &syntax.CallExpr{Fn: p.ident(hTest+canonicalTest(name), nt.off), Lparen: p.pos(is.off),
			Args: append([]syntax.Expr{x}, args...), Rparen: p.pos(nt.off)}
	}
	if negated {
		res = &syntax.UnaryExpr{OpPos: p.pos(is.off), Op: syntax.NOT, X: res}
	}
	return res, nil
}

// lenient rewrites the attribute and item lookups of x so that missing
// names yield Undefined (used for "is defined" and "| default").
func lenient(p *parser, x syntax.Expr) syntax.Expr {
	switch e := x.(type) {
	case *syntax.DotExpr:
		return p.callPos(hGetattr, e.Dot, lenient(p, e.X), &syntax.Literal{Token: syntax.STRING, TokenPos: e.NamePos, Raw: strconv.Quote(e.Name.Name), Value: e.Name.Name})
	case *syntax.IndexExpr:
		return p.callPos(hGetitem, e.Lbrack, lenient(p, e.X), e.Y)
	case *syntax.ParenExpr:
		e.X = lenient(p, e.X)
	case *syntax.CallExpr:
		if isHidden(e.Fn, hGetattr) {
			e.Args[0] = lenient(p, e.Args[0])
		}
	}
	return x
}

func (p *parser) callPos(name string, pos syntax.Position, args ...syntax.Expr) *syntax.CallExpr {
	return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: pos, Name: name}, Lparen: pos, Args: args, Rparen: pos}
}

// unquotePython decodes a Python string literal (with optional r/b
// prefixes), as Jinja does. It reports whether the literal is bytes.
func unquotePython(lit string) (string, bool, error) {
	raw, isBytes := false, false
	for len(lit) > 0 && lit[0] != '"' && lit[0] != '\'' {
		switch lit[0] {
		case 'r', 'R':
			raw = true
		case 'b', 'B':
			isBytes = true
		}
		lit = lit[1:]
	}
	q := 1
	if len(lit) >= 6 && (strings.HasPrefix(lit, `"""`) || strings.HasPrefix(lit, `'''`)) {
		q = 3
	}
	body := lit[q : len(lit)-q]
	if raw || !strings.ContainsRune(body, '\\') {
		return body, isBytes, nil
	}
	var sb strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			sb.WriteByte(c)
			continue
		}
		i++
		c = body[i]
		switch c {
		case '\n':
		case '\\', '\'', '"':
			sb.WriteByte(c)
		case 'a':
			sb.WriteByte('\a')
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'v':
			sb.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(body) && j < i+3 && body[j] >= '0' && body[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(body[i:j], 8, 32)
			if isBytes || n < 0x80 {
				sb.WriteByte(byte(n))
			} else {
				sb.WriteRune(rune(n))
			}
			i = j - 1
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if isBytes && c != 'x' {
				sb.WriteByte('\\')
				sb.WriteByte(c)
				continue
			}
			if i+1+width > len(body) {
				return "", false, errInvalidEscape(c)
			}
			n, err := strconv.ParseUint(body[i+1:i+1+width], 16, 32)
			if err != nil {
				return "", false, errInvalidEscape(c)
			}
			if isBytes || c == 'x' && n < 0x80 {
				sb.WriteByte(byte(n))
			} else if !utf8.ValidRune(rune(n)) {
				return "", false, errInvalidEscape(c)
			} else {
				sb.WriteRune(rune(n))
			}
			i += width
		default:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		}
	}
	return sb.String(), isBytes, nil
}

type errInvalidEscape byte

func (e errInvalidEscape) Error() string {
	return "invalid \\" + string(rune(e)) + " escape in string literal"
}

// hoist replaces a non-empty list, dict or tuple literal made only of
// constants by a reference to a frozen value built at compile time, so
// "module.rand.choice(['GET', 'POST'])" does not rebuild the list on every
// render. Only call arguments, "in" operands and for-loop iterables are
// hoisted: a callee that mutates such an argument gets a "frozen" error.
func (p *parser) hoist(x syntax.Expr) syntax.Expr {
	switch e := x.(type) {
	case *syntax.ListExpr:
		if len(e.List) == 0 {
			return x
		}
	case *syntax.DictExpr:
		if len(e.List) == 0 {
			return x
		}
	case *syntax.TupleExpr:
		if len(e.List) == 0 {
			return x
		}
	default:
		return x
	}
	v, ok := constValue(x, 0)
	if !ok {
		return x
	}
	v.Freeze()
	name := fmt.Sprintf("%s%d", hConst, len(p.c.consts))
	p.c.consts[name] = v
	return &syntax.Ident{NamePos: syntax.Start(x), Name: name}
}

// constValue evaluates a literal expression made of constants.
func constValue(x syntax.Expr, depth int) (starlark.Value, bool) {
	if depth > 16 {
		return nil, false
	}
	switch e := x.(type) {
	case *syntax.Literal:
		switch v := e.Value.(type) {
		case string:
			if e.Token == syntax.BYTES {
				return starlark.Bytes(v), true
			}
			return starlark.String(v), true
		case int64:
			return starlark.MakeInt64(v), true
		case *big.Int:
			return starlark.MakeBigInt(v), true
		case float64:
			return starlark.Float(v), true
		}
	case *syntax.Ident:
		switch e.Name {
		case "True":
			return starlark.True, true
		case "False":
			return starlark.False, true
		case "None":
			return starlark.None, true
		}
	case *syntax.UnaryExpr:
		if e.Op == syntax.MINUS {
			if v, ok := constValue(e.X, depth+1); ok {
				if r, err := starlark.Unary(syntax.MINUS, v); err == nil {
					return r, true
				}
			}
		}
	case *syntax.ParenExpr:
		return constValue(e.X, depth+1)
	case *syntax.ListExpr, *syntax.TupleExpr:
		var elems []syntax.Expr
		if l, ok := e.(*syntax.ListExpr); ok {
			elems = l.List
		} else {
			elems = e.(*syntax.TupleExpr).List
		}
		vals := make([]starlark.Value, len(elems))
		for i, el := range elems {
			v, ok := constValue(el, depth+1)
			if !ok {
				return nil, false
			}
			vals[i] = v
		}
		if _, ok := e.(*syntax.ListExpr); ok {
			return starlark.NewList(vals), true
		}
		return starlark.Tuple(vals), true
	case *syntax.DictExpr:
		d := starlark.NewDict(len(e.List))
		for _, el := range e.List {
			entry := el.(*syntax.DictEntry)
			k, ok1 := constValue(entry.Key, depth+1)
			v, ok2 := constValue(entry.Value, depth+1)
			if !ok1 || !ok2 {
				return nil, false
			}
			if _, found, _ := d.Get(k); found {
				return nil, false // duplicate keys: leave Starlark's error to the runtime
			}
			if err := d.SetKey(k, v); err != nil {
				return nil, false
			}
		}
		return d, true
	}
	return nil, false
}
