package inputs

import (
	"context"
	"fmt"

	"github.com/eventum-go/eventum/plugin"
)

// StaticConfig configures the static input: `count` timestamps, all "now".
type StaticConfig struct {
	Common
	// Count is the number of timestamps to produce (required, >= 1).
	Count int `yaml:"count" required:"true"`
}

// Validate checks the settings.
func (c *StaticConfig) Validate() error {
	if c.Count < 1 {
		return fmt.Errorf("count: must be at least 1, got %d", c.Count)
	}
	return nil
}

type static struct {
	now   int64
	count int
}

func init() {
	plugin.Register(Registry, "static",
		func() *StaticConfig { return &StaticConfig{} },
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
