// Package config loads eventum's YAML (or TOML) files: it expands dotted keys,
// substitutes ${params.x} / ${secrets.x} expressions and strictly decodes plugin
// settings into Go structs, reporting problems with file, line and key path.
package config

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem in a config file.
type Error struct {
	File string
	Line int // 0 when unknown (TOML files)
	Col  int
	Path string // key path, e.g. output[1].file.path
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of problems; it is returned when there is more than one.
type Errors []error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.Is/As see every problem.
func (es Errors) Unwrap() []error { return es }

// Flatten returns the individual problems of err (one element for a plain error).
func Flatten(err error) []error {
	if err == nil {
		return nil
	}
	var es Errors
	if errors.As(err, &es) {
		var out []error
		for _, e := range es {
			out = append(out, Flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// join returns nil, the single error, or Errors.
func join(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	default:
		return Errors(errs)
	}
}
