package starlib

import (
	"strings"
	"sync"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// run executes a Starlark file with the given predeclared values.
func run(t testing.TB, src string, env starlark.StringDict) (starlark.StringDict, error) {
	t.Helper()
	thread := &starlark.Thread{Name: "test"}
	return starlark.ExecFileOptions(&syntax.FileOptions{TopLevelControl: true, GlobalReassign: true, While: true}, thread, "test.star", src, env)
}

func TestStore(t *testing.T) {
	t.Parallel()
	src := `
locals.set("n", locals.get("n", 0) + 1)
locals.update({"a": [1]})
r = [locals["n"], locals["missing"], "n" in locals, "missing" in locals,
     locals.get("x", "dflt"), locals.pop("n"), locals.pop("n", "gone"), locals.as_dict()]
locals.clear()
r.append(locals.as_dict())
r.append([locals.incr("c"), locals.incr("c", 4), locals.incr("f", 0.5), locals.get("c")])
r.append(locals.get == locals.get)  # method values are built once
`
	g, err := run(t, src, starlark.StringDict{"locals": NewStore()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, `locals.incr("k", "x")`, starlark.StringDict{"locals": NewStore()}); err == nil {
		t.Error("incr by a string: no error")
	}
	want := `[1, None, True, False, "dflt", 1, "gone", {"a": [1]}, {}, [1, 5, 0.5, 5], True]`
	if got := g["r"].String(); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestGlobalsCopySemantics(t *testing.T) {
	t.Parallel()
	g := NewGlobals()
	src := `
items = [1]
globals.set("items", items)
items.append(2)                 # the stored copy is not affected
l = globals.get("items")
l.append(3)                     # nor by mutating what get returned
globals.set("items", l)         # get-append-set stores the new list
r = [globals.get("items"), globals["items"], "items" in globals, "x" in globals, globals["x"],
     globals.incr("c"), globals.incr("c", 5), globals.incr("f", 0.5)]
globals.update("items", lambda old: old + [4])
globals.update("new", lambda old: 1 if old == None else old)
globals.update({"k": "v"})
globals.acquire()
globals.acquire()
globals.set("inside", globals.get("c") * 2)
globals.release()
globals.release()
r.append(globals.as_dict())
`
	out, err := run(t, src, starlark.StringDict{"globals": g.View()})
	if err != nil {
		t.Fatal(err)
	}
	want := `[[1, 3], [1, 3], True, False, None, 1, 6, 0.5, {"c": 6, "f": 0.5, "inside": 12, "items": [1, 3, 4], "k": "v", "new": 1}]`
	if got := out["r"].String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	snap := g.Snapshot()
	if snap["c"] != int64(6) || len(snap["items"].([]any)) != 3 {
		t.Errorf("snapshot = %v", snap)
	}
	for _, bad := range []string{
		`globals.set("f", lambda: 1)`,
		`globals.set("m", module)`,
		`globals.release()`,
		`globals.set(1, 2)`,
		`globals.incr("k")`,
	} {
		if _, err := run(t, bad, starlark.StringDict{"globals": g.View(), "module": NewModule(newTestRand(1), nil)}); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestGlobalsReleaseAll(t *testing.T) {
	t.Parallel()
	g := NewGlobals()
	v := g.View()
	if _, err := run(t, `globals.acquire()
globals.acquire()`, starlark.StringDict{"globals": v}); err != nil {
		t.Fatal(err)
	}
	if n := v.ReleaseAll(); n != 2 {
		t.Fatalf("ReleaseAll = %d, want 2", n)
	}
	// Another view can lock again.
	if _, err := run(t, `globals.set("x", 1)`, starlark.StringDict{"globals": g.View()}); err != nil {
		t.Fatal(err)
	}
}

// Two goroutines × 100k incr: every value from 1 to 200k is returned exactly once.
func TestGlobalsConcurrentIncr(t *testing.T) {
	t.Parallel()
	const perG = 100_000
	g := NewGlobals()
	results := make([][]int64, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			view := g.View()
			incr, _ := view.Attr("incr")
			thread := &starlark.Thread{}
			key := starlark.Tuple{starlark.String("n")}
			res := make([]int64, 0, perG)
			for range perG {
				v, err := starlark.Call(thread, incr, key, nil)
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := v.(starlark.Int).Int64()
				res = append(res, n)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	seen := make([]bool, 2*perG+1)
	for _, res := range results {
		for _, n := range res {
			if n < 1 || n > 2*perG || seen[n] {
				t.Fatalf("value %d returned twice or out of range", n)
			}
			seen[n] = true
		}
	}
	for n := 1; n <= 2*perG; n++ {
		if !seen[n] {
			t.Fatalf("value %d never returned", n)
		}
	}
}

// TestStoreMethodNames: a named store's methods start their errors with
// its name, as module builtins do.
func TestStoreMethodNames(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    *Store
		want string
	}{{NewNamedStore("locals"), "locals.get: "}, {NewStore(), "state.get: "}} {
		_, err := evalExpr(t, 1, `s.get()`, starlark.StringDict{"s": tt.s})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("error %v, want prefix %q", err, tt.want)
		}
	}
}
