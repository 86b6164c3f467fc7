package inputs

import (
	"context"
	"fmt"
	"math"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// TimerConfig configures the timer input: every `seconds`, `count`
// timestamps, `repeat` times (or forever); the first tick is at start+seconds.
type TimerConfig struct {
	Common
	// Start is when the timer starts (a config datetime, default now).
	Start string `yaml:"start"`
	// Seconds is the interval between ticks (required, > 0).
	Seconds config.Duration `yaml:"seconds" required:"true"`
	// Count is the number of timestamps per tick (default 1).
	Count int `yaml:"count"`
	// Repeat is the number of ticks; absent or null means forever.
	Repeat *int `yaml:"repeat"`
}

// Validate checks the settings that do not need the environment.
func (c *TimerConfig) Validate() error {
	if c.Seconds <= 0 {
		return fmt.Errorf("seconds: must be greater than 0")
	}
	if c.Count < 1 {
		return fmt.Errorf("count: must be at least 1, got %d", c.Count)
	}
	if c.Repeat != nil && *c.Repeat < 1 {
		return fmt.Errorf("repeat: must be at least 1 (or absent for forever), got %d", *c.Repeat)
	}
	return nil
}

type timer struct {
	start, step int64
	count       int
	repeat      int64 // < 0: forever
	skip        int64 // live mode with skip_past: ticks before this are not produced (0: none)
}

func init() {
	plugin.Register(Registry, "timer",
		func() *TimerConfig { return &TimerConfig{Count: 1} },
		func(c *TimerConfig, env *plugin.Env) (Input, error) {
			start, err := ResolveStart("start", c.Start, env)
			if err != nil {
				return nil, err
			}
			t := &timer{start: start.UnixNano(), step: int64(c.Seconds), count: c.Count, repeat: -1}
			if c.Repeat != nil {
				t.repeat = int64(*c.Repeat)
			}
			if env.SkipPast {
				t.skip = env.Now.UnixNano()
			}
			return t, nil
		})
}

func (t *timer) Generate(ctx context.Context, emit func([]int64) error) error {
	hint := 0
	if t.repeat >= 0 && t.repeat*int64(t.count) < chunkSize {
		hint = int(t.repeat) * t.count
	}
	c := newChunker(ctx, emit, hint)
	// Ticks past the last representable nanosecond (year 2262) end the input.
	maxTick := (math.MaxInt64 - t.start) / t.step
	first := int64(1)
	if t.skip > t.start { // first tick at or after skip
		first = max(1, (t.skip-t.start+t.step-1)/t.step)
	}
	for i := first; (t.repeat < 0 || i <= t.repeat) && i <= maxTick; i++ {
		if err := c.add(t.start+i*t.step, t.count); err != nil {
			return err
		}
	}
	return c.flush()
}
