package jinja

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// ResolveName returns the names a template reference found in includer
// ({% include %}, {% import %}, {% from %}) may denote, in lookup order.
// Names are "/"-separated and relative to the generator's folder, the root
// the Loader reads from; includer is itself such a name.
//
//  1. name relative to the generator's folder, as the original's Jinja
//     FileSystemLoader rooted there reads it: a leading "/" and "." pieces
//     are dropped, and a ".." piece rules this reading out (Jinja refuses
//     it too);
//  2. name relative to the includer's folder (this project's earlier rule,
//     kept so existing generators run unchanged), when that is another name
//     and stays inside the generator's folder.
//
// A name that leads outside the generator's folder either way is an
// error: no template is ever read from outside it. This is the one place
// template names are resolved; confinement of the reads themselves belongs
// to the Loader.
func ResolveName(includer, name string) ([]string, error) {
	var out []string
	root, ok := rootName(name)
	if ok {
		out = append(out, root)
	}
	if !strings.HasPrefix(name, "/") {
		if dir := path.Dir(includer); dir != "." && dir != "" {
			rel := path.Join(dir, name)
			if isLocalName(rel) && rel != root {
				out = append(out, rel)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("template name %q leads outside the generator's folder", name)
	}
	return out, nil
}

// rootName reads name as Jinja's split_template_path does.
func rootName(name string) (string, bool) {
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "", ".":
		case "..":
			return "", false
		default:
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "", false
	}
	return strings.Join(parts, "/"), true
}

// isLocalName reports whether the cleaned name stays inside the root.
func isLocalName(name string) bool {
	return name != "." && name != ".." && !path.IsAbs(name) && !strings.HasPrefix(name, "../")
}

// loaded is the outcome of one Loader call.
type loaded struct {
	src string
	err error
}

// load resolves name (written in template includer) and returns the
// resolved name and its source. Each name is loaded once per compilation.
// With ignoreMissing, a template that no candidate names returns ok=false.
func (c *compiler) load(p *parser, at token, name string, ignoreMissing bool) (resolved, src string, ok bool, err error) {
	fail := func(format string, args ...any) error {
		return &Error{File: p.f.name, Line: lineOf(p.f, at.off), Col: colOf(p.f, at.off), Msg: fmt.Sprintf(format, args...)}
	}
	names, err := ResolveName(p.f.name, name)
	if err != nil {
		if c.opts.Outside != nil {
			if oerr := c.opts.Outside(name); oerr != nil {
				err = oerr
			}
		}
		return "", "", false, fail("%v", err)
	}
	if c.opts.Loader == nil {
		if ignoreMissing {
			return "", "", false, nil
		}
		return "", "", false, fail("cannot load template %q: no loader configured", name)
	}
	var first error
	for _, n := range names {
		l, found := c.sources[n]
		if !found {
			l.src, l.err = c.opts.Loader(n)
			c.sources[n] = l
		}
		lerr := l.err
		if lerr == nil {
			return n, l.src, true, nil
		}
		if first == nil || errors.Is(first, fs.ErrNotExist) && !errors.Is(lerr, fs.ErrNotExist) {
			first = lerr
		}
	}
	if ignoreMissing && errors.Is(first, fs.ErrNotExist) {
		return "", "", false, nil
	}
	msg := fmt.Sprintf("cannot load template %q: %v", name, first)
	if len(names) > 1 {
		msg += fmt.Sprintf(" (looked for %s)", strings.Join(names, " and "))
	}
	e := fail("%s", msg)
	e.(*Error).Err = first
	return "", "", false, e
}

// templateNames parses the name of an include: a string literal or a list
// of them (the first that loads is included, as Jinja does).
func (p *parser) templateNames() ([]string, token, error) {
	if !p.isOp("[") {
		name, t, err := p.templateName()
		return []string{name}, t, err
	}
	lb := p.next()
	var names []string
	for !p.isOp("]") {
		name, _, err := p.templateName()
		if err != nil {
			return nil, lb, err
		}
		names = append(names, name)
		if !p.acceptOp(",") {
			break
		}
	}
	if _, err := p.expectOp("]"); err != nil {
		return nil, lb, err
	}
	if len(names) == 0 {
		return nil, lb, p.fail(lb, "expected a template name in the list")
	}
	return names, lb, nil
}

// loadFirst loads the first of names that exists; when none does it fails
// (unless ignoreMissing).
func (p *parser) loadFirst(at token, names []string, ignoreMissing bool) (resolved, src string, ok bool, err error) {
	if len(names) == 1 {
		return p.c.load(p, at, names[0], ignoreMissing)
	}
	for _, n := range names {
		if resolved, src, ok, err = p.c.load(p, at, n, true); err != nil || ok {
			return resolved, src, ok, err
		}
	}
	if ignoreMissing {
		return "", "", false, nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return "", "", false, p.fail(at, "cannot load template: none of %s exists", strings.Join(quoted, ", "))
}
