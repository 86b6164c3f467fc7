package outputs

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
)

// RejectedError reports payloads an output refused without trying to deliver
// them because they cannot be used by its destination (not a JSON object, a
// value that does not fit a column, a message over the size limit). Write
// returns it, possibly wrapped or joined (errors.Join) with a delivery error,
// next to the count of delivered payloads. The pipeline counts N as
// format_failed and len(payloads)-written-N as write_failed; a Write whose
// only error is a RejectedError delivered everything else.
//
// With Sink set, the destination accepted the payloads and then refused N
// of them (an OTLP partial success): they count as write_failed, and are
// not sent again.
type RejectedError struct {
	N     int   // payloads rejected
	First error // why the first one was rejected
	Sink  bool  // refused by the destination, not unusable
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%d payload(s) rejected, first: %v", e.N, e.First)
}

func (e *RejectedError) Unwrap() error { return e.First }

// Rejected returns how many payloads err reports as rejected (0 when none).
func Rejected(err error) int {
	var r *RejectedError
	if errors.As(err, &r) {
		return r.N
	}
	return 0
}

// RefusedBySink returns how many payloads err reports as refused by the
// destination after delivery (a RejectedError with Sink set).
func RefusedBySink(err error) int {
	var r *RejectedError
	if errors.As(err, &r) && r.Sink {
		return r.N
	}
	return 0
}

// maxLoggedRejects is how many rejected payloads an output logs one by one.
const maxLoggedRejects = 5

// rejectLog logs the first few payloads an output rejects, then stays quiet.
type rejectLog struct {
	output string // "postgres output"
	log    *slog.Logger
	n      atomic.Int64
}

func (l *rejectLog) reject(payload string, err error) {
	n := l.n.Add(1)
	if n > maxLoggedRejects {
		return
	}
	if len(payload) > 200 {
		payload = payload[:200] + "…"
	}
	l.log.Warn(l.output+": payload rejected", "reason", err.Error(), "payload", payload)
	if n == maxLoggedRejects {
		l.log.Warn(l.output + ": further rejected payloads are counted but not logged")
	}
}
