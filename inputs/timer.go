package inputs

import (
	"context"
	"math"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// TimerConfig configures the timer input: every `seconds`, `count`
// timestamps, `repeat` times (or forever); the first tick is at start+seconds.
type TimerConfig struct {
	Common
	Seconds config.Duration `yaml:"seconds" required:"true" gt:"0" doc:"interval between ticks: seconds ('0.5') or a duration ('500ms', '2m')"`
	Count   int             `yaml:"count" default:"1" min:"1" doc:"timestamps per tick"`
	Start   string          `yaml:"start" type:"datetime" absent:"now" doc:"when the timer starts (not 'never')"`
	Repeat  *int            `yaml:"repeat" min:"1" absent:"null (forever)" doc:"number of ticks; absent or null: forever"`
}

type timer struct {
	start, step int64
	count       int
	repeat      int64 // < 0: forever
	skip        int64 // live mode with skip_past: ticks before this are not produced (0: none)
}

func init() {
	plugin.Register(Registry, "timer",
		nil,
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

// Total implements Counted: known for a timer with repeat that skips nothing.
func (t *timer) Total() (int64, bool) {
	if t.repeat < 0 || t.skip > t.start {
		return 0, false
	}
	return t.repeat * int64(t.count), true
}
