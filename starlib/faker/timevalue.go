package faker

import (
	"time"

	"github.com/eventum-go/eventum/starlib"
	"go.starlark.net/starlark"
)

// timeValue is the Starlark value of a generated instant (faker date_time(),
// mimesis datetime()): a starlib datetime in UTC, so templates can call
// .strftime(), .isoformat(), compare and add timedeltas.
func timeValue(t time.Time) starlark.Value {
	return starlib.NewTimestamp(t.UTC())
}
