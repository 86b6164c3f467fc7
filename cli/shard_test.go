package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// Shard sources and their precedence: --shard > EVENTUM_SHARD >
// JOB_COMPLETION_INDEX with --shards; a disagreeing --shards is a conflict.
// Not parallel: urfave/cli v2 writes to its global help flag on every run.
func TestShardFromFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		i, n    int
		wantErr string
	}{
		{"none", nil, nil, 0, 0, ""},
		{"flag", []string{"--shard", "2/4"}, nil, 2, 4, ""},
		{"env", nil, map[string]string{"EVENTUM_SHARD": "1/3"}, 1, 3, ""},
		{"flag beats env", []string{"--shard", "0/2"}, map[string]string{"EVENTUM_SHARD": "1/3", "JOB_COMPLETION_INDEX": "5"}, 0, 2, ""},
		{"env beats job index", []string{"--shards", "3"}, map[string]string{"EVENTUM_SHARD": "2/3", "JOB_COMPLETION_INDEX": "0"}, 2, 3, ""},
		{"job index", []string{"--shards", "8"}, map[string]string{"JOB_COMPLETION_INDEX": "7"}, 7, 8, ""},
		{"job index without --shards is ignored", nil, map[string]string{"JOB_COMPLETION_INDEX": "7"}, 0, 0, ""},
		{"flag conflicts with --shards", []string{"--shard", "1/4", "--shards", "5"}, nil, 0, 0, "conflicts with --shards 5"},
		{"env conflicts with --shards", []string{"--shards", "5"}, map[string]string{"EVENTUM_SHARD": "1/4"}, 0, 0, "conflicts"},
		{"--shards without an index", []string{"--shards", "4"}, nil, 0, 0, "JOB_COMPLETION_INDEX"},
		{"job index out of range", []string{"--shards", "4"}, map[string]string{"JOB_COMPLETION_INDEX": "4"}, 0, 0, "[0, 4)"},
		{"index out of range", []string{"--shard", "4/4"}, nil, 0, 0, "[0, n)"},
		{"malformed", []string{"--shard", "1-4"}, nil, 0, 0, "expected i/n"},
		{"not numbers", []string{"--shard", "a/b"}, nil, 0, 0, "whole numbers"},
		{"zero shards", []string{"--shards", "0"}, nil, 0, 0, "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var i, n int
			var err error
			app := &cli.App{Flags: shardFlags(), Writer: io.Discard, ErrWriter: io.Discard, Action: func(c *cli.Context) error {
				i, n, err = shardFromFlags(c, func(k string) string { return tt.env[k] })
				return nil
			}}
			if rerr := app.Run(append([]string{"x"}, tt.args...)); rerr != nil {
				t.Fatal(rerr)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || i != tt.i || n != tt.n {
				t.Fatalf("got %d/%d, %v; want %d/%d", i, n, err, tt.i, tt.n)
			}
		})
	}
}

// The CLI exits 2 on a shard problem: a bad --shard, and time_patterns
// without --seed.
func TestGenerateShardExitCodes(t *testing.T) {
	for _, args := range [][]string{
		{"generate", "--path", "../examples/template-access-log/generator.yml", "--no-live-mode", "--shard", "5/4"},
		{"generate", "--path", "../examples/time-patterns/generator.yml", "--no-live-mode", "--shard", "1/4"},
	} {
		_, stderr, code := run(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %s)", args, code, stderr)
		}
	}
}
