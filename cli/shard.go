package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// Sharding: which part of a generator's timestamps this process produces.
// Sources, highest precedence first: --shard i/n, EVENTUM_SHARD=i/n, and
// JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job) with --shards n.
// --shards that disagrees with the n of the source in use is a conflict.

// shardFlags are generate's sharding flags.
func shardFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "shard", Usage: "produce only shard i of n: the timestamps whose index in the merged input sequence is ≡ i (mod n), e.g. 0/4 (also EVENTUM_SHARD)"},
		&cli.IntFlag{Name: "shards", Usage: "number of shards; the index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)"},
		&cli.IntFlag{Name: "workers", Usage: "event-stage workers (default: the number of CPUs); output is the same for any number"},
	}
}

// shardFromFlags resolves the shard of this run; n == 0 means unsharded.
// getenv is os.Getenv outside tests.
func shardFromFlags(c *cli.Context, getenv func(string) string) (i, n int, err error) {
	shards := 0
	if c.IsSet("shards") {
		if shards = c.Int("shards"); shards < 1 {
			return 0, 0, fmt.Errorf("--shards %d: give at least 1", shards)
		}
	}
	pick := func(src, v string) (int, int, error) {
		i, n, err := parseShard(v)
		if err != nil {
			return 0, 0, fmt.Errorf("%s %q: %w", src, v, err)
		}
		if shards != 0 && shards != n {
			return 0, 0, fmt.Errorf("%s %q conflicts with --shards %d", src, v, shards)
		}
		return i, n, nil
	}
	if c.IsSet("shard") {
		return pick("--shard", c.String("shard"))
	}
	if v := getenv("EVENTUM_SHARD"); v != "" {
		return pick("EVENTUM_SHARD", v)
	}
	if shards == 0 {
		return 0, 0, nil
	}
	v := getenv("JOB_COMPLETION_INDEX")
	if v == "" {
		return 0, 0, fmt.Errorf("--shards %d needs the shard index: JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), EVENTUM_SHARD=i/n or --shard i/n", shards)
	}
	i, err = strconv.Atoi(strings.TrimSpace(v))
	if err != nil || i < 0 || i >= shards {
		return 0, 0, fmt.Errorf("JOB_COMPLETION_INDEX %q: expected an index in [0, %d) for --shards %d", v, shards, shards)
	}
	return i, shards, nil
}

// parseShard reads "i/n" with 0 <= i < n.
func parseShard(v string) (int, int, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return 0, 0, fmt.Errorf("expected i/n, e.g. 0/4")
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("expected i/n with whole numbers, e.g. 0/4")
	}
	if n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("the index must be in [0, n): got %d/%d", i, n)
	}
	return i, n, nil
}

// shardEnv is os.Getenv; tests replace it.
var shardEnv = os.Getenv
