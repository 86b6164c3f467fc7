package scripts

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/eventum-go/eventum/plugin"
	"github.com/eventum-go/eventum/starlib"
)

// What the Starlark event plugins (script, template) share: their thread,
// the per-input tags tuples, and the environment's defaults.

// newThread returns the thread of one producer. kind ("script",
// "template") and path name it in logs and errors; *budget is the step
// budget of one call, read when the limit is hit.
func newThread(kind, path string, env *plugin.Env, budget *uint64) *starlark.Thread {
	log := env.Log()
	th := &starlark.Thread{
		Name:  kind + " " + path,
		Print: func(_ *starlark.Thread, msg string) { log.Info(msg, kind, path) },
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			return nil, fmt.Errorf("load(%q): %ss cannot load other files", module, kind)
		},
		OnMaxSteps: func(t *starlark.Thread) {
			t.Cancel(fmt.Sprintf("%s ran more than %d steps in one call", kind, *budget))
		},
	}
	th.SetMaxExecutionSteps(*budget)
	return th
}

// stopReason is the reason of a Cancel from outside (shutdown, an ended
// API request). It outlives the calls, unlike the cancellation the step
// limit leaves on the thread.
type stopReason struct{ p atomic.Pointer[string] }

// cancel records reason (the first one wins) and cancels th.
func (s *stopReason) cancel(th *starlark.Thread, reason string) {
	s.p.CompareAndSwap(nil, &reason)
	th.Cancel(reason)
}

// reason returns the reason of the Cancel from outside, if there was one.
func (s *stopReason) reason() (string, bool) {
	if r := s.p.Load(); r != nil {
		return *r, true
	}
	return "", false
}

// startCall gives th a fresh step budget for one call. The step limit
// cancels the thread when hit; that cancellation belongs to the call that
// ran out, so it is lifted here, while a Cancel from outside stays.
func startCall(th *starlark.Thread, budget uint64, stop *stopReason) {
	th.Uncancel()
	if r := stop.p.Load(); r != nil {
		th.Cancel(*r)
	}
	th.SetMaxExecutionSteps(th.ExecutionSteps() + budget)
}

// inputTags builds the tags tuple of every input once.
func inputTags(env *plugin.Env) []starlark.Tuple {
	out := make([]starlark.Tuple, len(env.InputTags))
	for i, tags := range env.InputTags {
		t := make(starlark.Tuple, len(tags))
		for j, tag := range tags {
			t[j] = starlark.String(tag)
		}
		t.Freeze()
		out[i] = t
	}
	return out
}

// tagsOf returns the tags of input src (an empty tuple when out of range).
func tagsOf(tags []starlark.Tuple, src int) starlark.Tuple {
	if src >= 0 && src < len(tags) {
		return tags[src]
	}
	return starlark.Tuple{}
}

// envDefaults returns env's RNG, time zone and globals, filling in a fresh
// RNG, UTC and a private Globals where env leaves them nil.
func envDefaults(env *plugin.Env) (*rand.Rand, *time.Location, *starlib.Globals) {
	r, loc, g := env.Rand, env.Location, env.Globals
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if loc == nil {
		loc = time.UTC
	}
	if g == nil {
		g = starlib.NewGlobals()
	}
	return r, loc, g
}

// shardValue is the `shard` global: index and count of a sharded run
// (0 and 1 when the run is not sharded).
func shardValue(env *plugin.Env) starlark.Value {
	return &starlarkstruct.Module{Name: "shard", Members: starlark.StringDict{
		"index": starlark.MakeInt(env.ShardIndex),
		"count": starlark.MakeInt(max(env.ShardCount, 1)),
	}}
}
