package inputs

import (
	"context"

	"github.com/eventum-go/eventum/plugin"
)

// StaticConfig configures the static input: `count` timestamps, all "now".
type StaticConfig struct {
	Common
	Count int `yaml:"count" required:"true" min:"1" doc:"number of timestamps, all equal to now"`
}

type static struct {
	now   int64
	count int
}

func init() {
	plugin.Register(Registry, "static",
		nil,
		func(c *StaticConfig, env *plugin.Env) (Input, error) {
			return &static{now: env.Now.UnixNano(), count: c.Count}, nil
		})
}

func (s *static) Generate(ctx context.Context, emit func([]int64) error) error {
	c := newChunker(ctx, emit, s.count)
	if err := c.add(s.now, s.count); err != nil {
		return err
	}
	return c.flush()
}

// Total implements Counted.
func (s *static) Total() (int64, bool) { return int64(s.count), true }
