package config

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a config value in seconds: a number (`1.5`) or a Go duration
// string (`1500ms`, `2m`).
type Duration time.Duration

// UnmarshalYAML accepts seconds as a number or a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected seconds (a number) or a duration like 500ms")
	}
	if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
		if f < 0 {
			return fmt.Errorf("duration must not be negative, got %v", f)
		}
		ns := f * float64(time.Second)
		if f > 0 && ns < 1 {
			return fmt.Errorf("%s seconds is shorter than one nanosecond, the smallest duration", n.Value)
		}
		if ns >= math.MaxInt64 || math.IsNaN(f) {
			return fmt.Errorf("%s seconds is longer than the largest duration (about 292 years)", n.Value)
		}
		*d = Duration(ns)
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("expected seconds (a number) or a duration like 500ms, got %q", n.Value)
	}
	if v < 0 {
		return fmt.Errorf("duration must not be negative, got %q", n.Value)
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Raw keeps a config node undecoded, with its position, for a later decode by
// someone who knows its schema (an output's `formatter:` setting).
type Raw struct {
	File string
	Path string
	Node *yaml.Node
}

// Plugin returns the raw mapping as a plugin whose name is the value of the
// key `discriminator` (for example `format`). The caller decodes the other
// keys with Decode(cfg, discriminator).
func (r *Raw) Plugin(discriminator string) (Plugin, error) {
	p := Plugin{File: r.File, Path: r.Path, Node: r.Node}
	if r.Node == nil || r.Node.Kind != yaml.MappingNode {
		return p, p.Errorf("expected a mapping with a %q key", discriminator)
	}
	for i := 0; i+1 < len(r.Node.Content); i += 2 {
		if r.Node.Content[i].Value == discriminator {
			p.Name = r.Node.Content[i+1].Value
			return p, nil
		}
	}
	return p, p.Errorf("missing required key %q", discriminator)
}
