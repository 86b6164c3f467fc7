package scripts

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/eventum-go/eventum/config"
)

// buildExample builds the event plugin of examples/<name>/generator.yml.
func buildExample(t testing.TB, name string, seed uint64) Producer {
	t.Helper()
	gc, err := config.LoadGenerator(filepath.Join("..", "examples", name, "generator.yml"), config.Vars{})
	if err != nil {
		t.Fatal(err)
	}
	prod, _, err := Registry.Build(gc.Event, templateEnv(gc.Dir, seed, [][]string{nil}))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return prod
}

func TestTemplateExamples(t *testing.T) {
	t.Parallel()
	host, _ := os.Hostname()
	uuid := `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`
	iso := `2026-02-20T10:\d\d:\d\d\+00:00`
	examples := []struct {
		name  string
		ticks int
		check func(t *testing.T, ticks [][]string)
	}{
		{"template-access-log", 500, func(t *testing.T, ticks [][]string) {
			for _, ev := range flat(ticks) {
				if !accessLogLine.MatchString(ev) {
					t.Fatalf("not an access log line: %q", ev)
				}
			}
		}},
		{"template-chance", 2000, func(t *testing.T, ticks [][]string) {
			ok := regexp.MustCompile(`^` + iso + ` INFO request ` + uuid + ` completed in \d+ms$`)
			bad := regexp.MustCompile(`^` + iso + ` ERROR request ` + uuid + ` failed: (timeout|connection reset|bad gateway)$`)
			errs := 0
			for _, tick := range ticks {
				if len(tick) != 1 {
					t.Fatalf("tick %q: want one event", tick)
				}
				switch {
				case bad.MatchString(tick[0]):
					errs++
				case !ok.MatchString(tick[0]):
					t.Fatalf("unexpected event %q", tick[0])
				}
			}
			if share := float64(errs) / float64(len(ticks)); share < 0.11 || share > 0.19 {
				t.Fatalf("error share %.3f, want about 0.15", share)
			}
		}},
		{"template-fsm", 60, checkFSMExample},
		{"template-state", 5, func(t *testing.T, ticks [][]string) {
			user := regexp.MustCompile(`User (` + uuid + `) logged in`)
			for i, tick := range ticks {
				if len(tick) != 3 {
					t.Fatalf("tick %d: %d events, want 3", i, len(tick))
				}
				if got, want := strings.TrimSpace(tick[0]), "Event #"+strconv.Itoa(i+1); got != want {
					t.Fatalf("counter %q, want %q", got, want)
				}
				m := user.FindStringSubmatch(tick[1])
				if m == nil {
					t.Fatalf("login event %q", tick[1])
				}
				if want := "User " + m[1] + " performed an action (total " + strconv.Itoa(i+1) + ")"; strings.TrimSpace(tick[2]) != want {
					t.Fatalf("action %q, want %q", tick[2], want)
				}
			}
		}},
		{"template-samples", 200, func(t *testing.T, ticks [][]string) {
			shape := regexp.MustCompile(`^(alice|bob|carol|dave)\n(api|auth)\.example\.com\n\n(200|201|301|404|500)\n\n` +
				`(alice|bob|carol|dave)@example\.com (GET|POST) /\S+ (admin|developer|support, tier 2) 2$`)
			for _, ev := range flat(ticks) {
				m := shape.FindStringSubmatch(ev)
				if m == nil {
					t.Fatalf("event does not have the expected shape:\n%s", ev)
				}
				if m[1] != m[4] {
					t.Fatalf("user.name %q and user[1] %q come from different rows", m[1], m[4])
				}
			}
		}},
		{"template-subprocess", 2, func(t *testing.T, ticks [][]string) {
			for _, ev := range flat(ticks) {
				if !strings.HasSuffix(ev, " host="+host) {
					t.Fatalf("event %q, want host=%s", ev, host)
				}
			}
		}},
		{"template-modules", 20, func(t *testing.T, ticks [][]string) {
			for _, ev := range flat(ticks) {
				lines := strings.Split(ev, "\n")
				if len(lines) != 27 {
					t.Fatalf("%d lines, want 27:\n%s", len(lines), ev)
				}
				for _, want := range []struct {
					line int
					re   string
				}{
					{0, `^[A-Z][a-z]+ [A-Z][a-z']+`}, {1, `^\d+\.\d+\.\d+\.\d+$`}, {6, `^\d+$`}, {7, `^0\.\d+|^[01]\.0$`},
					{9, `^[0-9a-f]{16}$`}, {10, `^` + uuid + `$`}, {11, `^[0-9a-f]{32}$`}, {14, `^10\.`},
					{15, `^([0-9a-f]{2}:){5}[0-9a-f]{2}$`}, {17, `^(GET|POST|PUT|DELETE)$`}, {18, `^(200|404|500)$`},
					{20, `^(True|False)$`}, {22, `^2025-\d\d-\d\d \d\d:\d\d:\d\d`}, {24, `^\{"key": "value"\}$`}, {25, `^4$`},
					{26, `^3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7$`},
				} {
					if !regexp.MustCompile(want.re).MatchString(lines[want.line]) {
						t.Fatalf("line %d = %q, want %s", want.line, lines[want.line], want.re)
					}
				}
			}
		}},
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			ticks := produceN(t, buildExample(t, ex.name, 3), ex.ticks)
			ex.check(t, ticks)
			if ex.name == "template-subprocess" {
				return
			}
			if !equalTicks(ticks, produceN(t, buildExample(t, ex.name, 3), ex.ticks)) {
				t.Error("same seed gave different output")
			}
			if equalTicks(ticks, produceN(t, buildExample(t, ex.name, 4), ex.ticks)) {
				t.Error("different seeds gave the same output")
			}
		})
	}
}

// checkFSMExample: exactly login, browse ×3, checkout, repeated, with the
// session and user carried from login to the following events.
func checkFSMExample(t *testing.T, ticks [][]string) {
	line := regexp.MustCompile(`^\S+ (login|browse|checkout) user=(\S+) session=(\S+)(?: page=\S+ views=(\d))?`)
	want := []string{"login", "browse", "browse", "browse", "checkout"}
	var session string
	for i, tick := range ticks {
		if len(tick) != 1 {
			t.Fatalf("tick %d: %q", i, tick)
		}
		m := line.FindStringSubmatch(tick[0])
		if m == nil {
			t.Fatalf("tick %d: unexpected event %q", i, tick[0])
		}
		if m[1] != want[i%5] {
			t.Fatalf("tick %d is %s, want %s (sequence login, browse×3, checkout)", i, m[1], want[i%5])
		}
		if m[1] == "login" {
			session = m[3]
		} else if m[3] != session {
			t.Fatalf("tick %d: session %s, want %s", i, m[3], session)
		}
		if m[1] == "browse" && m[4] != strconv.Itoa(i%5) {
			t.Fatalf("tick %d: views=%s, want %d", i, m[4], i%5)
		}
	}
}
