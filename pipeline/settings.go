// Package pipeline is the generator runtime: the input, event and output
// stages as goroutines joined by bounded channels of batches, live and sample
// pacing, fan-out to outputs, counters and graceful shutdown.
package pipeline

import (
	"fmt"
	"runtime"
	"time"
)

// Settings tune one generator run. The zero value is not usable: start from
// DefaultSettings.
type Settings struct {
	// Live paces timestamps to the wall clock; false produces as fast as possible (sample mode).
	Live bool
	// SkipPast drops, in live mode, timestamps earlier than the generator's start.
	SkipPast bool
	// BatchSize is the most timestamps in one batch.
	BatchSize int
	// BatchDelay is the longest a partial batch waits before it is released.
	BatchDelay time.Duration
	// MaxTimestampBatches is the depth of the queue between input and event stages.
	MaxTimestampBatches int
	// MaxEventBatches is the depth of the queue between event and output stages.
	MaxEventBatches int
	// MaxConcurrency limits concurrent output writes across all outputs.
	MaxConcurrency int
	// WriteTimeout bounds one attempt of an output write (not the delivery:
	// a failed attempt is retried with the output's retry policy).
	WriteTimeout time.Duration
	// KeepOrder makes every output finish batch N before any starts batch N+1.
	KeepOrder bool
	// Location is the time zone of timestamps given to the event plugin.
	Location *time.Location
	// Seed seeds the generator's random source; nil picks a random seed.
	Seed *uint64
	// Workers is the number of event-stage workers (0: GOMAXPROCS, i.e.
	// the CPUs the process may use).
	// Producers that keep state across timestamps run on one worker whatever
	// this says. Output order and --seed output do not depend on it.
	Workers int
	// Shard and Shards split the run: with Shards > 1 the generator handles
	// only the timestamps whose global index is ≡ Shard (mod Shards).
	Shard, Shards int
	// StopTimeout bounds a graceful stop: from the stop request until every
	// accepted event is delivered and the outputs are closed. What is still
	// undelivered then is counted (write_failed, of which undelivered) and
	// the run ends. It also bounds closing the outputs at the natural end.
	StopTimeout time.Duration
	// MaxEvents, when positive, stops the run gracefully once that many
	// events are produced: the first MaxEvents in sequence order (a
	// timestamp's events are cut at the limit), which every output gets.
	// Sharded, it counts this process's events.
	MaxEvents int64
	// MaxDuration, when positive, stops the run gracefully after that much
	// wall-clock time: the inputs stop, what was accepted is delivered.
	MaxDuration time.Duration
}

// workerCount resolves Workers (0: the number of CPUs the process may
// use: GOMAXPROCS, which is runtime.NumCPU() unless the environment or a
// container's CPU limit lowers it).
func (s Settings) workerCount() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// sharded reports whether the run is one shard of several.
func (s Settings) sharded() bool { return s.Shards > 1 }

// DefaultSettings are the documented defaults (the reference's).
func DefaultSettings() Settings {
	return Settings{
		Live:                true,
		SkipPast:            true,
		BatchSize:           10000,
		BatchDelay:          time.Second,
		MaxTimestampBatches: 10,
		MaxEventBatches:     10,
		MaxConcurrency:      100,
		WriteTimeout:        10 * time.Second,
		Location:            time.UTC,
		StopTimeout:         30 * time.Second,
	}
}

// Validate checks the settings' ranges.
func (s Settings) Validate() error {
	switch {
	case s.BatchSize < 1:
		return fmt.Errorf("batch.size must be at least 1, got %d", s.BatchSize)
	case s.BatchDelay < 0:
		return fmt.Errorf("batch.delay must not be negative, got %v", s.BatchDelay)
	case s.MaxTimestampBatches < 1:
		return fmt.Errorf("queue.max_timestamp_batches must be at least 1, got %d", s.MaxTimestampBatches)
	case s.MaxEventBatches < 1:
		return fmt.Errorf("queue.max_event_batches must be at least 1, got %d", s.MaxEventBatches)
	case s.MaxConcurrency < 1:
		return fmt.Errorf("max_concurrency must be at least 1, got %d", s.MaxConcurrency)
	case s.WriteTimeout <= 0:
		return fmt.Errorf("write_timeout must be positive, got %v", s.WriteTimeout)
	case s.StopTimeout <= 0:
		return fmt.Errorf("stop_timeout must be positive, got %v", s.StopTimeout)
	case s.Workers < 0:
		return fmt.Errorf("workers must not be negative, got %d", s.Workers)
	case s.Shards < 0 || (s.Shards > 0 && (s.Shard < 0 || s.Shard >= s.Shards)):
		return fmt.Errorf("shard %d/%d: the index must be in [0, %d)", s.Shard, s.Shards, max(s.Shards, 1))
	case s.MaxEvents < 0:
		return fmt.Errorf("max_events must not be negative, got %d", s.MaxEvents)
	case s.MaxDuration < 0:
		return fmt.Errorf("max_duration must not be negative, got %v", s.MaxDuration)
	case s.Location == nil:
		return fmt.Errorf("timezone is not set")
	}
	return nil
}
