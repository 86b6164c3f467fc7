package inputs

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/eventum-go/eventum/plugin"
)

// LinspaceConfig configures the linspace input: `count` timestamps evenly
// spaced from `start` to `end` (numpy.linspace semantics).
type LinspaceConfig struct {
	Common
	Start    string `yaml:"start" required:"true" type:"datetime" doc:"first timestamp (not 'never')"`
	End      string `yaml:"end" required:"true" type:"datetime" doc:"end of the range, relative to 'start' (not 'never')"`
	Count    int    `yaml:"count" required:"true" min:"1" doc:"number of timestamps"`
	Endpoint bool   `yaml:"endpoint" default:"true" doc:"include 'end' as the last timestamp (step '(end-start)/(count-1)'); with 'false' the step is '(end-start)/count' and 'end' is excluded. With 'count: 1' the only timestamp is 'start'."`
}

// Validate checks the settings that do not need the environment.
func (c *LinspaceConfig) Validate() error {
	if c.Count < 1 {
		return fmt.Errorf("count: must be at least 1, got %d", c.Count)
	}
	return nil
}

type linspace struct {
	start, span int64
	count       int
	endpoint    bool
}

func init() {
	plugin.Register(Registry, "linspace",
		nil,
		func(c *LinspaceConfig, env *plugin.Env) (Input, error) {
			start, err := ResolveStart("start", c.Start, env)
			if err != nil {
				return nil, err
			}
			end, bounded, err := ResolveEnd("end", c.End, start, env)
			if err != nil {
				return nil, err
			}
			if !bounded {
				return nil, fmt.Errorf("end: %q is not allowed here: linspace needs a finite range", c.End)
			}
			return &linspace{start: start.UnixNano(), span: end.UnixNano() - start.UnixNano(),
				count: c.Count, endpoint: c.Endpoint}, nil
		})
}

func (l *linspace) Generate(ctx context.Context, emit func([]int64) error) error {
	div := uint64(l.count)
	if l.endpoint {
		div--
	}
	c := newChunker(ctx, emit, l.count)
	for i := range l.count {
		t := l.start
		if div > 0 {
			// start + span*i/div, exactly, in 128-bit arithmetic (span >= 0, i <= div).
			hi, lo := bits.Mul64(uint64(l.span), uint64(i))
			q, _ := bits.Div64(hi, lo, div)
			t += int64(q)
		}
		if err := c.add(t, 1); err != nil {
			return err
		}
	}
	return c.flush()
}

// Total implements Counted.
func (l *linspace) Total() (int64, bool) { return int64(l.count), true }
