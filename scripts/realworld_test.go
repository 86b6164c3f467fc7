package scripts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eventum-go/eventum/config"
)

// Real-world generators: folders under testdata/realworld/ (and, for a
// check of generators kept outside the repository, every folder under each
// path of $EVENTUM_REALWORLD_DIRS, colon-separated) are generators written
// the way users of the original write them. Each runs with its templates,
// samples and params unchanged; only its input and output sections are
// swapped (as a user trying a generator would), and every event must be one
// JSON object, as the original's json formatter requires.

const realworldTicks = 200

// topLevelSection matches a top-level key of a generator file.
var topLevelSection = regexp.MustCompile(`^([A-Za-z_][\w-]*)\s*:`)

// swapInputOutput replaces the top-level input and output sections of a
// generator file's text, leaving every other line (comments, ${...}
// expressions, flow style) as written.
func swapInputOutput(src string) string {
	var b strings.Builder
	skip := false
	for _, line := range strings.SplitAfter(src, "\n") {
		if m := topLevelSection.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "input":
				b.WriteString("input:\n  - static: {count: 1}\n")
				skip = true
				continue
			case "output":
				b.WriteString("output:\n  - stdout: {}\n")
				skip = true
				continue
			default:
				skip = false
			}
		}
		if !skip {
			b.WriteString(line)
		}
	}
	return b.String()
}

// realworldDirs lists the generator folders to run.
func realworldDirs(t *testing.T) []string {
	t.Helper()
	roots := []string{filepath.Join("testdata", "realworld")}
	if extra := os.Getenv("EVENTUM_REALWORLD_DIRS"); extra != "" {
		roots = append(roots, filepath.SplitList(extra)...)
	}
	var dirs []string
	for _, root := range roots {
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatalf("real-world generators: %v", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				if _, err := os.Stat(filepath.Join(root, e.Name(), "generator.yml")); err == nil {
					dirs = append(dirs, filepath.Join(root, e.Name()))
				}
			}
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no real-world generators found")
	}
	return dirs
}

func TestRealWorldGenerators(t *testing.T) {
	t.Parallel()
	for _, dir := range realworldDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(dir, "generator.yml")
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := config.Parse(file, []byte(swapInputOutput(string(data))), config.Vars{})
			if err != nil {
				t.Fatal(err)
			}
			gc, err := doc.Generator()
			if err != nil {
				t.Fatal(err)
			}
			prod, _, err := Registry.Build(gc.Event, templateEnv(gc.Dir, 1, [][]string{nil}))
			if err != nil {
				t.Fatal(err)
			}
			// Timestamps one office day apart by 7 minutes, so that hour-of-day
			// logic sees every hour.
			base := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
			events := 0
			for i := 0; i < realworldTicks; i++ {
				ts := base.Add(time.Duration(i) * 7 * time.Minute)
				out, err := prod.Produce(ts.UnixNano(), 0, nil)
				if err != nil {
					t.Fatalf("tick %d (%s): %v", i, ts.Format(time.RFC3339), err)
				}
				for _, ev := range out {
					var obj map[string]any
					if err := json.Unmarshal([]byte(ev), &obj); err != nil {
						t.Fatalf("tick %d: not a JSON object (%v):\n%s", i, err, ev)
					}
					events++
				}
			}
			if events == 0 {
				t.Fatalf("%d ticks made no event", realworldTicks)
			}
		})
	}
}
