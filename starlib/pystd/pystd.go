// Package pystd adds to the `module` gateway the Python standard modules
// that generators written for the original reach as module.<name> in their
// templates: random (Python's random API, on the generator's seeded
// stream; random.Random(seed) gives Python's numbers for that seed), heapq,
// bisect, operator, ipaddress, builtins, secrets (synthetic, seeded),
// urllib.parse and string.
package pystd

import (
	"math/rand/v2"

	"go.starlark.net/starlark"

	"github.com/eventum-go/eventum/starlib"
)

func init() {
	starlib.RegisterNamespace("random", newRandomModule)
	starlib.RegisterNamespace("heapq", func(*rand.Rand) starlark.Value { return heapqModule })
	starlib.RegisterNamespace("bisect", func(*rand.Rand) starlark.Value { return bisectModule })
	starlib.RegisterNamespace("operator", func(*rand.Rand) starlark.Value { return operatorModule })
	starlib.RegisterNamespace("ipaddress", func(*rand.Rand) starlark.Value { return ipaddressModule })
	starlib.RegisterNamespace("builtins", func(*rand.Rand) starlark.Value { return builtinsModule })
	starlib.RegisterNamespace("secrets", newSecretsModule)
	starlib.RegisterNamespace("urllib", func(*rand.Rand) starlark.Value { return urllibModule })
	starlib.RegisterNamespace("string", func(*rand.Rand) starlark.Value { return stringModule })
}

// The stateless namespaces hold only builtins and are shared.
var (
	heapqModule     = newHeapqModule()
	bisectModule    = newBisectModule()
	operatorModule  = newOperatorModule()
	ipaddressModule = newIPAddressModule()
	builtinsModule  = newBuiltinsModule()
	urllibModule    = newURLLibModule()
	stringModule    = newStringModule()
)
