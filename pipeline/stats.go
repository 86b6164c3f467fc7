package pipeline

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// OutputCounters are one output's counters.
// Every event handed to an output ends in exactly one of Written,
// WriteFailed, FormatFailed and Dropped; Undelivered is the part of
// WriteFailed given up because the run stopped, Retries counts attempts
// after the first.
type OutputCounters struct {
	Written      atomic.Int64
	WriteFailed  atomic.Int64
	FormatFailed atomic.Int64
	Dropped      atomic.Int64
	Undelivered  atomic.Int64
	Retries      atomic.Int64
}

// Stats are a generator's live counters; read them with Snapshot.
type Stats struct {
	Timestamps    atomic.Int64 // timestamps released by the input stage
	SkippedPast   atomic.Int64 // live mode: timestamps dropped by skip_past
	Produced      atomic.Int64 // events produced by the event plugin
	ProduceFailed atomic.Int64 // timestamps whose produce call failed
	Unproduced    atomic.Int64 // timestamps accepted but not produced because the run was aborted
	Outputs       []*OutputCounters
	lag           lagHistogram
}

// OutputSnapshot is a copy of one output's counters.
type OutputSnapshot struct {
	Name         string `json:"name"`
	Written      int64  `json:"written"`
	WriteFailed  int64  `json:"write_failed"`
	FormatFailed int64  `json:"format_failed"`
	// Dropped counts events dropped because the output's queue was full (on_full: drop).
	Dropped int64 `json:"dropped"`
	// Undelivered is the part of WriteFailed given up because the run stopped.
	Undelivered int64 `json:"undelivered"`
	// Retries counts delivery attempts after the first.
	Retries int64 `json:"retries"`
}

// Lost is how many events this output did not deliver.
func (o OutputSnapshot) Lost() int64 { return o.WriteFailed + o.FormatFailed + o.Dropped }

// Snapshot is a consistent-enough copy of a generator's counters.
type Snapshot struct {
	Timestamps    int64 `json:"timestamps"`
	SkippedPast   int64 `json:"skipped_past"`
	Produced      int64 `json:"produced"`
	ProduceFailed int64 `json:"produce_failed"`
	// Unproduced counts timestamps accepted but never produced because the run was aborted.
	Unproduced int64 `json:"unproduced"`
	// Dropped counts timestamps whose events the event plugin discarded on purpose (dispatch.drop()).
	Dropped int64            `json:"dropped"`
	Outputs []OutputSnapshot `json:"outputs"`
	// Lag is how late timestamps were released behind the wall clock (live mode).
	Lag LagSnapshot `json:"lag"`
}

// Lost is how many events of the run did not arrive, summed over outputs:
// failed to write or format, dropped by on_full, undelivered at stop; plus
// timestamps never produced because the run was aborted. 0 means every
// produced event reached every output.
func (s Snapshot) Lost() int64 {
	n := s.Unproduced
	for _, o := range s.Outputs {
		n += o.Lost()
	}
	return n
}

// SettleInFlight counts, for a run that was abandoned before it returned
// (an aborted run whose output would not stop), every produced event that
// an output has not settled as write_failed and undelivered.
func (s *Snapshot) SettleInFlight() {
	for i := range s.Outputs {
		o := &s.Outputs[i]
		if rest := s.Produced - o.Written - o.Lost(); rest > 0 {
			o.WriteFailed += rest
			o.Undelivered += rest
		}
	}
}

// LagSnapshot summarises release lag in live mode.
type LagSnapshot struct {
	Count int64         `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// lagHistogram is a lock-free histogram with power-of-two buckets refined by
// 4 linear sub-buckets (≤ 25% error), plenty for p50/p99 of pacing lag.
type lagHistogram struct {
	buckets [64 * 4]atomic.Int64
	count   atomic.Int64
	max     atomic.Int64
}

func (h *lagHistogram) record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.buckets[bucketOf(v)].Add(1)
	h.count.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

func bucketOf(v int64) int {
	if v < 4 {
		return int(v)
	}
	e := 63 - bits.LeadingZeros64(uint64(v)) // v in [2^e, 2^(e+1))
	sub := (v >> (e - 2)) & 3
	return e*4 + int(sub)
}

// bucketUpper is the largest value that falls in bucket b.
func bucketUpper(b int) int64 {
	if b < 4 {
		return int64(b)
	}
	e, sub := b/4, int64(b%4)
	return (4+sub+1)<<(e-2) - 1
}

func (h *lagHistogram) quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	var seen int64
	for b := range h.buckets {
		seen += h.buckets[b].Load()
		if seen >= rank {
			return time.Duration(min(bucketUpper(b), h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// Snapshot copies the counters.
func (s *Stats) Snapshot(names []string) Snapshot {
	snap := Snapshot{
		Timestamps:    s.Timestamps.Load(),
		SkippedPast:   s.SkippedPast.Load(),
		Produced:      s.Produced.Load(),
		ProduceFailed: s.ProduceFailed.Load(),
		Unproduced:    s.Unproduced.Load(),
		Lag: LagSnapshot{
			Count: s.lag.count.Load(),
			P50:   s.lag.quantile(0.50),
			P99:   s.lag.quantile(0.99),
			Max:   time.Duration(s.lag.max.Load()),
		},
	}
	for i, o := range s.Outputs {
		snap.Outputs = append(snap.Outputs, OutputSnapshot{
			Name:         names[i],
			Written:      o.Written.Load(),
			WriteFailed:  o.WriteFailed.Load(),
			FormatFailed: o.FormatFailed.Load(),
			Dropped:      o.Dropped.Load(),
			Undelivered:  o.Undelivered.Load(),
			Retries:      o.Retries.Load(),
		})
	}
	return snap
}
