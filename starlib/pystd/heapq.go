package pystd

import (
	"fmt"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// module.heapq is Python's heapq on Starlark lists: the same algorithms, so
// a heap holds its items in the order Python's would. Items are compared
// with Starlark's <, as Python compares them (lists element by element).

func newHeapqModule() starlark.Value {
	return &starlarkstruct.Module{Name: "heapq", Members: starlark.StringDict{
		"heappush":    starlark.NewBuiltin("heapq.heappush", heappush),
		"heappop":     starlark.NewBuiltin("heapq.heappop", heappop),
		"heapify":     starlark.NewBuiltin("heapq.heapify", heapify),
		"heappushpop": starlark.NewBuiltin("heapq.heappushpop", heappushpop),
		"heapreplace": starlark.NewBuiltin("heapq.heapreplace", heapreplace),
		"nsmallest":   starlark.NewBuiltin("heapq.nsmallest", nsmallest),
		"nlargest":    starlark.NewBuiltin("heapq.nlargest", nlargest),
	}}
}

func less(fn string, a, b starlark.Value) (bool, error) {
	lt, err := starlark.Compare(syntax.LT, a, b)
	if err != nil {
		return false, fmt.Errorf("%s: %w", fn, err)
	}
	return lt, nil
}

// siftDown moves heap[pos] up towards startpos (CPython's _siftdown).
func siftDown(fn string, h *starlark.List, startpos, pos int) error {
	item := h.Index(pos)
	for pos > startpos {
		parentpos := (pos - 1) >> 1
		parent := h.Index(parentpos)
		lt, err := less(fn, item, parent)
		if err != nil {
			return err
		}
		if !lt {
			break
		}
		if err := h.SetIndex(pos, parent); err != nil {
			return fmt.Errorf("%s: %w", fn, err)
		}
		pos = parentpos
	}
	if err := h.SetIndex(pos, item); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return nil
}

// siftUp moves the smaller child up until a leaf, then sifts down
// (CPython's _siftup).
func siftUp(fn string, h *starlark.List, pos int) error {
	end := h.Len()
	start := pos
	item := h.Index(pos)
	child := 2*pos + 1
	for child < end {
		right := child + 1
		if right < end {
			lt, err := less(fn, h.Index(child), h.Index(right))
			if err != nil {
				return err
			}
			if !lt {
				child = right
			}
		}
		if err := h.SetIndex(pos, h.Index(child)); err != nil {
			return fmt.Errorf("%s: %w", fn, err)
		}
		pos = child
		child = 2*pos + 1
	}
	if err := h.SetIndex(pos, item); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	return siftDown(fn, h, start, pos)
}

func heappush(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var h *starlark.List
	var item starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &h, &item); err != nil {
		return nil, err
	}
	if err := h.Append(item); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return starlark.None, siftDown(b.Name(), h, 0, h.Len()-1)
}

// popLast removes and returns the list's last element with its own pop
// method (starlark.List has no Go method for it).
func popLast(th *starlark.Thread, fn string, h *starlark.List) (starlark.Value, error) {
	pop, err := h.Attr("pop")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	v, err := starlark.Call(th, pop, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return v, nil
}

func heappop(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var h *starlark.List
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &h); err != nil {
		return nil, err
	}
	if h.Len() == 0 {
		return nil, fmt.Errorf("%s: index out of range (empty heap)", b.Name())
	}
	last, err := popLast(th, b.Name(), h)
	if err != nil {
		return nil, err
	}
	if h.Len() == 0 {
		return last, nil
	}
	top := h.Index(0)
	if err := h.SetIndex(0, last); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return top, siftUp(b.Name(), h, 0)
}

func heapify(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var h *starlark.List
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &h); err != nil {
		return nil, err
	}
	for i := h.Len()/2 - 1; i >= 0; i-- {
		if err := siftUp(b.Name(), h, i); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

func heappushpop(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var h *starlark.List
	var item starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &h, &item); err != nil {
		return nil, err
	}
	if h.Len() == 0 {
		return item, nil
	}
	lt, err := less(b.Name(), h.Index(0), item)
	if err != nil || !lt {
		return item, err
	}
	top := h.Index(0)
	if err := h.SetIndex(0, item); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return top, siftUp(b.Name(), h, 0)
}

func heapreplace(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var h *starlark.List
	var item starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 2, &h, &item); err != nil {
		return nil, err
	}
	if h.Len() == 0 {
		return nil, fmt.Errorf("%s: index out of range (empty heap)", b.Name())
	}
	top := h.Index(0)
	if err := h.SetIndex(0, item); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return top, siftUp(b.Name(), h, 0)
}

func nsmallest(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return nBest(th, b, args, kwargs, false)
}

func nlargest(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return nBest(th, b, args, kwargs, true)
}

// nBest is sorted(iterable, key=key, reverse=largest)[:n], which Python
// documents nsmallest and nlargest to equal.
func nBest(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, largest bool) (starlark.Value, error) {
	var n int
	var it starlark.Iterable
	var key starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n, "iterable", &it, "key?", &key); err != nil {
		return nil, err
	}
	var items, keys []starlark.Value
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		k := x
		if key != starlark.None {
			var err error
			if k, err = starlark.Call(th, key, starlark.Tuple{x}, nil); err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name(), err)
			}
		}
		items = append(items, x)
		keys = append(keys, k)
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(i, j int) bool {
		a, c := keys[idx[i]], keys[idx[j]]
		if largest {
			a, c = c, a
		}
		lt, err := less(b.Name(), a, c)
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return lt
	})
	if cmpErr != nil {
		return nil, cmpErr
	}
	n = max(0, min(n, len(idx)))
	out := make([]starlark.Value, n)
	for i := range out {
		out[i] = items[idx[i]]
	}
	return starlark.NewList(out), nil
}
