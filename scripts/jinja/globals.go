package jinja

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// Jinja's template globals besides range and dict (Starlark builtins):
// namespace, cycler, joiner and lipsum. A generator global of the same
// name wins.
var jinjaGlobals = map[string]*starlark.Builtin{
	"namespace": starlark.NewBuiltin("namespace", builtinNamespace),
	"cycler":    starlark.NewBuiltin("cycler", builtinCycler),
	"joiner":    starlark.NewBuiltin("joiner", builtinJoiner),
	"lipsum":    starlark.NewBuiltin("lipsum", builtinLipsum),
}

// cycler is cycler(*items): next() returns the items in turn, current is
// the one next() returns next, reset() starts over.
type cycler struct {
	items starlark.Tuple
	pos   int
}

func builtinCycler(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("%s: unexpected keyword arguments", b.Name())
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: at least one item has to be provided", b.Name())
	}
	return &cycler{items: append(starlark.Tuple(nil), args...)}, nil
}

func (c *cycler) String() string        { return "<cycler>" }
func (c *cycler) Type() string          { return "cycler" }
func (c *cycler) Freeze()               {}
func (c *cycler) Truth() starlark.Bool  { return true }
func (c *cycler) Hash() (uint32, error) { return 0, errors.New("unhashable: cycler") }
func (c *cycler) AttrNames() []string   { return []string{"current", "next", "reset"} }
func (c *cycler) Attr(name string) (starlark.Value, error) {
	switch name {
	case "current":
		return c.items[c.pos], nil
	case "next":
		return starlark.NewBuiltin("cycler.next", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			v := c.items[c.pos]
			c.pos = (c.pos + 1) % len(c.items)
			return v, nil
		}), nil
	case "reset":
		return starlark.NewBuiltin("cycler.reset", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			c.pos = 0
			return starlark.None, nil
		}), nil
	}
	return nil, nil
}

// joiner is joiner(sep=", "): calling it returns "" the first time and sep
// afterwards.
type joiner struct {
	sep  starlark.Value
	used bool
}

func builtinJoiner(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var sep starlark.Value = starlark.String(", ")
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "sep?", &sep); err != nil {
		return nil, err
	}
	return &joiner{sep: sep}, nil
}

func (j *joiner) String() string        { return "<joiner>" }
func (j *joiner) Type() string          { return "joiner" }
func (j *joiner) Freeze()               {}
func (j *joiner) Truth() starlark.Bool  { return true }
func (j *joiner) Hash() (uint32, error) { return 0, errors.New("unhashable: joiner") }
func (j *joiner) Name() string          { return "joiner" }
func (j *joiner) CallInternal(*starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	if !j.used {
		j.used = true
		return starlark.String(""), nil
	}
	return j.sep, nil
}

// builtinLipsum is lipsum(n=5, html=True, min=20, max=100): n paragraphs
// of lorem ipsum made as Jinja makes them, from the thread's random
// stream.
func builtinLipsum(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n, html, lo, hi := 5, true, 20, 100
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n?", &n, "html?", &html, "min?", &lo, "max?", &hi); err != nil {
		return nil, err
	}
	if hi <= lo {
		return nil, fmt.Errorf("%s: empty range for min=%d, max=%d", b.Name(), lo, hi)
	}
	if n > 1000 || hi > 100000 {
		return nil, fmt.Errorf("%s: at most 1000 paragraphs of at most 100000 words", b.Name())
	}
	words := strings.Fields(loremWords)
	between := func(a, z int) int { return a + randIntN(th, z-a) } // Python's randrange(a, z)
	paras := make([]string, 0, n)
	for range n {
		capital := true
		lastComma, lastStop := 0, 0
		last := ""
		var p []string
		for idx := range between(lo, hi) {
			var w string
			for {
				if w = words[randIntN(th, len(words))]; w != last {
					last = w
					break
				}
			}
			if capital {
				w = strings.ToUpper(w[:1]) + w[1:]
				capital = false
			}
			if idx-between(3, 8) > lastComma {
				lastComma = idx
				lastStop += 2
				w += ","
			}
			if idx-between(10, 20) > lastStop {
				lastComma, lastStop = idx, idx
				w += "."
				capital = true
			}
			p = append(p, w)
		}
		s := strings.Join(p, " ")
		switch {
		case strings.HasSuffix(s, ","):
			s = s[:len(s)-1] + "."
		case !strings.HasSuffix(s, "."):
			s += "."
		}
		paras = append(paras, s)
	}
	if !html {
		return starlark.String(strings.Join(paras, "\n\n")), nil
	}
	for i, p := range paras {
		paras[i] = "<p>" + htmlEscape(p) + "</p>"
	}
	return starlark.String(strings.Join(paras, "\n")), nil
}

// loremWords are the words lipsum picks from (Jinja's list).
const loremWords = `
a ac accumsan ad adipiscing aenean aliquam aliquet amet ante aptent arcu at auctor augue bibendum
blandit class commodo condimentum congue consectetuer consequat conubia convallis cras cubilia cum
curabitur curae cursus dapibus diam dictum dictumst dignissim dis dolor donec dui duis egestas eget
eleifend elementum elit enim erat eros est et etiam eu euismod facilisi facilisis fames faucibus
felis fermentum feugiat fringilla fusce gravida habitant habitasse hac hendrerit hymenaeos iaculis
id imperdiet in inceptos integer interdum ipsum justo lacinia lacus laoreet lectus leo libero ligula
litora lobortis lorem luctus maecenas magna magnis malesuada massa mattis mauris metus mi molestie
mollis montes morbi mus nam nascetur natoque nec neque netus nibh nisi nisl non nonummy nostra nulla
nullam nunc odio orci ornare parturient pede pellentesque penatibus per pharetra phasellus placerat
platea porta porttitor posuere potenti praesent pretium primis proin pulvinar purus quam quis
quisque rhoncus ridiculus risus rutrum sagittis sapien scelerisque sed sem semper senectus sit
sociis sociosqu sodales sollicitudin suscipit suspendisse taciti tellus tempor tempus tincidunt
torquent tortor tristique turpis ullamcorper ultrices ultricies urna ut varius vehicula vel velit
venenatis vestibulum vitae vivamus viverra volutpat vulputate
`
