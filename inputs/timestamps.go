package inputs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/plugin"
)

// TimestampsConfig configures the timestamps input: explicit ISO-8601
// timestamps, listed inline or read from a file (one per line).
type TimestampsConfig struct {
	Common
	Source TimestampSource `yaml:"source" required:"true" doc:"the timestamps; a file holds one per line (blank lines ignored), its path relative to the generator file"`
}

// TimestampSource is either an inline list or a file path.
type TimestampSource struct {
	List  []string
	Lines []int // line of each List item in the config file
	Path  string
}

// DocType names the source in the docs.
func (TimestampSource) DocType() string { return "list of ISO-8601 date-times, or a file path" }

// JSONSchema: a non-empty list of timestamps, or a path.
func (TimestampSource) JSONSchema() map[string]any {
	return map[string]any{"anyOf": []any{
		map[string]any{"type": "string", "minLength": 1},
		map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": "string"}},
	}}
}

// UnmarshalYAML accepts a list of strings or one string (a path).
func (s *TimestampSource) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.TrimSpace(n.Value) == "" {
			return fmt.Errorf("expected a list of timestamps or a file path, got an empty string")
		}
		s.Path = n.Value
		return nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return fmt.Errorf("the list of timestamps is empty")
		}
		for i, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return fmt.Errorf("item %d: expected a timestamp", i)
			}
			s.List = append(s.List, item.Value)
			s.Lines = append(s.Lines, item.Line)
		}
		return nil
	}
	return fmt.Errorf("expected a list of timestamps or a file path")
}

type timestampsInput struct{ times []int64 }

func init() {
	plugin.Register(Registry, "timestamps",
		nil,
		func(c *TimestampsConfig, env *plugin.Env) (Input, error) {
			times, err := c.Source.load(env)
			if err != nil {
				return nil, err
			}
			// The input contract wants ascending timestamps.
			slices.Sort(times)
			return &timestampsInput{times: times}, nil
		})
}

func (s *TimestampSource) load(env *plugin.Env) ([]int64, error) {
	loc := location(env)
	parse := func(v string) (int64, error) {
		t, err := ParseISO(v, loc)
		if err != nil {
			return 0, err
		}
		if t.Before(minTime) || !t.Before(maxTime) {
			return 0, fmt.Errorf("%q is outside the supported years 1678-2261", v)
		}
		return t.UnixNano(), nil
	}
	if s.Path == "" {
		times := make([]int64, len(s.List))
		for i, v := range s.List {
			t, err := parse(v)
			if err != nil {
				return nil, fmt.Errorf("source[%d] (line %d): %w", i, s.Lines[i], err)
			}
			times[i] = t
		}
		return times, nil
	}
	path := env.Path(s.Path)
	data, err := env.ReadFile("source", s.Path)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	var times []int64
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		v := strings.TrimSpace(sc.Text())
		if v == "" {
			continue
		}
		t, err := parse(v)
		if err != nil {
			return nil, fmt.Errorf("source: %s:%d: %w", path, line, err)
		}
		times = append(times, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("source: read %s: %w", path, err)
	}
	if len(times) == 0 {
		return nil, fmt.Errorf("source: %s holds no timestamps", path)
	}
	return times, nil
}

func (ti *timestampsInput) Generate(ctx context.Context, emit func([]int64) error) error {
	c := newChunker(ctx, emit, len(ti.times))
	for _, t := range ti.times {
		if err := c.add(t, 1); err != nil {
			return err
		}
	}
	return c.flush()
}

// Total implements Counted.
func (ti *timestampsInput) Total() (int64, bool) { return int64(len(ti.times)), true }
