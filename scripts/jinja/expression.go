package jinja

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.starlark.net/starlark"
)

// Expression is one compiled template expression: the text written
// between {{ and }}, filters and tests included. It is what the config
// layer evaluates for each ${...} of a config file. An Expression is
// immutable; Eval may run on any goroutine with its own thread.
type Expression struct {
	t *Template
}

// resultName is the global through which an Expression hands its value
// back: the expression compiles as the template `{% do NAME(expr) %}`.
const resultName = "eventum_expression_result__"

// CompileExpression compiles src, the text of one expression, through the
// template compiler. name, line and col locate the expression's first
// character in messages (line and col count from 1), so compile errors
// point into the file that holds it. opts.Globals name the values Eval
// binds; other free names are Jinja-undefined.
func CompileExpression(name string, line, col int, src string, opts Options) (*Expression, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{File: name, Line: line, Col: col, Msg: "empty expression"}
	}
	line, col = max(line, 1), max(col, 1)
	prefix := "{% do " + resultName + "("
	// A newline before the closing parenthesis keeps a trailing comment
	// or an unbalanced bracket in src from swallowing the tag's end.
	text := strings.Repeat("\n", line-1) + prefix + src + "\n) %}"
	opts.Globals = append(slices.Clone(opts.Globals), resultName)
	opts.Args = []string{resultName + "arg"}
	t, err := Compile(name, text, opts)
	if err != nil {
		var je *Error
		if errors.As(err, &je) {
			je2 := *je
			if je2.Line == line && je2.Col > len(prefix) {
				je2.Col = je2.Col - len(prefix) + col - 1
			} else if je2.Line == line {
				je2.Col = col
			}
			if je2.Line > line+strings.Count(src, "\n") {
				je2.Line, je2.Col = line, col
			}
			return nil, &je2
		}
		return nil, err
	}
	return &Expression{t: t}, nil
}

// Undefined returns the free names the expression references that are
// not among Options.Globals (they evaluate to Undefined). Sorted.
func (e *Expression) Undefined() []string { return e.t.Undefined() }

// Eval evaluates the expression with globals bound to the names given
// to CompileExpression and returns its value, not converted to text (a
// missing name or attribute may yield an *Undefined).
func (e *Expression) Eval(thread *starlark.Thread, globals starlark.StringDict) (starlark.Value, error) {
	var result starlark.Value
	g := make(starlark.StringDict, len(globals)+1)
	for k, v := range globals {
		g[k] = v
	}
	g[resultName] = starlark.NewBuiltin("expression", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) != 1 || len(kwargs) != 0 {
			return nil, fmt.Errorf("expected one expression")
		}
		result = args[0]
		return starlark.None, nil
	})
	in, err := e.t.NewInstance(thread, g)
	if err != nil {
		return nil, err
	}
	if _, err := in.Render(thread, nil, starlark.None); err != nil {
		return nil, err
	}
	if result == nil {
		return nil, fmt.Errorf("jinja: %s: the expression produced no value", e.t.name)
	}
	return result, nil
}

// Text converts v to text as {{ v }} writes it (Python's str: None, True,
// ['a', 1]; Undefined is empty).
func Text(v starlark.Value) string { return string(appendStr(nil, v)) }
