package inputs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/eventum-go/eventum/plugin"
)

// CronConfig configures the cron input: `count` timestamps at every moment
// matching `expression`, from `start` (inclusive) to `end` (exclusive).
type CronConfig struct {
	Common
	Expression string `yaml:"expression" required:"true" doc:"5-field ('minute hour dom month dow') or 6-field (seconds first) cron expression, or a macro such as '@hourly' (below)"`
	Count      int    `yaml:"count" default:"1" min:"1" doc:"timestamps per fire"`
	Start      string `yaml:"start" type:"datetime" absent:"now" doc:"start of the active range (not 'never')"`
	End        string `yaml:"end" type:"datetime" absent:"'never'" doc:"end of the active range (relative to 'start')"`
}

// cronParser accepts 5 fields, 6 fields with the seconds first, and macros.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Validate checks the settings that do not need the environment.
func (c *CronConfig) Validate() error {
	if _, err := parseCron(c.Expression); err != nil {
		return err
	}
	return nil
}

func parseCron(expr string) (cron.Schedule, error) {
	e := strings.TrimSpace(expr)
	if strings.HasPrefix(e, "TZ=") || strings.HasPrefix(e, "CRON_TZ=") {
		return nil, fmt.Errorf("expression: %q: a time zone prefix is not supported; the generator's time zone applies", expr)
	}
	s, err := cronParser.Parse(e)
	if err != nil {
		return nil, fmt.Errorf("expression: %q: %v (expected 5 fields `min hour dom month dow`, "+
			"6 fields `sec min hour dom month dow`, or @yearly/@monthly/@weekly/@daily/@hourly)", expr, err)
	}
	return s, nil
}

type cronInput struct {
	sched   cron.Schedule
	count   int
	start   time.Time
	end     time.Time
	bounded bool
	skip    time.Time // live mode with skip_past: fires before this are not produced
}

func init() {
	plugin.Register(Registry, "cron",
		nil,
		func(c *CronConfig, env *plugin.Env) (Input, error) {
			sched, err := parseCron(c.Expression)
			if err != nil {
				return nil, err
			}
			start, err := ResolveStart("start", c.Start, env)
			if err != nil {
				return nil, err
			}
			end, bounded, err := ResolveEnd("end", c.End, start, env)
			if err != nil {
				return nil, err
			}
			ci := &cronInput{sched: sched, count: c.Count, start: start.In(location(env)),
				end: end, bounded: bounded}
			if env.SkipPast {
				ci.skip = env.Now.In(location(env))
			}
			if first := sched.Next(ci.start.Add(-time.Nanosecond)); first.IsZero() || (bounded && !first.Before(end)) {
				env.Log().Warn("cron input never fires between its start and end", "expression", c.Expression)
			}
			return ci, nil
		})
}

func (ci *cronInput) Generate(ctx context.Context, emit func([]int64) error) error {
	c := newChunker(ctx, emit, 0)
	// Next returns the first fire strictly after its argument: step back 1ns
	// so that a start on a fire is included. @every fires at start+delay,
	// start+2*delay, ... (like a timer).
	t := ci.start.Add(-time.Nanosecond)
	if every, ok := ci.sched.(cron.ConstantDelaySchedule); ok {
		t = ci.start
		if ci.skip.After(t) && every.Delay > 0 { // keep the phase: jump whole periods
			t = t.Add(ci.skip.Sub(t) / every.Delay * every.Delay)
		}
	} else if ci.skip.After(ci.start) {
		t = ci.skip.Add(-time.Nanosecond)
	}
	for {
		t = ci.sched.Next(t)
		if t.IsZero() || !t.Before(maxTime) || (ci.bounded && !t.Before(ci.end)) {
			break
		}
		if err := c.add(t.UnixNano(), ci.count); err != nil {
			return err
		}
	}
	return c.flush()
}
