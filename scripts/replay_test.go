package scripts

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

var updateReplay = flag.Bool("update-replay", false, "rewrite the replay golden files under testdata/replay/")

// replayEnv is the environment of the replay tests: files relative to
// testdata/replay, a zone three hours east of UTC.
func replayEnv(dir string) *plugin.Env {
	return &plugin.Env{Dir: dir, Location: time.FixedZone("MSK", 3*3600)}
}

func buildReplay(t testing.TB, src string, env *plugin.Env) (*Replay, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	p := config.Plugin{Name: "replay", File: "t.yml", Path: "event.replay", Node: n.Content[0]}
	prod, _, err := Registry.Build(p, env)
	if err != nil {
		return nil, err
	}
	r := prod.(*Replay)
	t.Cleanup(func() { r.Close() })
	return r, nil
}

func mustReplay(t testing.TB, src string, env *plugin.Env) *Replay {
	t.Helper()
	r, err := buildReplay(t, src, env)
	if err != nil {
		t.Fatalf("build replay %s: %v", src, err)
	}
	return r
}

// replayTS is the i-th timestamp the tests feed: one a second and a half
// apart from 2024-05-06 07:08:09.5 UTC.
func replayTS(i int) int64 {
	return time.Date(2024, 5, 6, 7, 8, 9, 500_000_000, time.UTC).Add(time.Duration(i) * 1500 * time.Millisecond).UnixNano()
}

// drain produces up to max events and reports whether the producer ended.
func drain(t testing.TB, p Producer, max int) (lines []string, exhausted bool) {
	t.Helper()
	for i := range max {
		before := len(lines)
		var err error
		lines, err = p.Produce(replayTS(i), 0, lines)
		if errors.Is(err, ErrExhausted) {
			if len(lines) != before {
				t.Fatalf("produce %d: events appended with ErrExhausted", i)
			}
			return lines, true
		}
		if err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
		if len(lines) != before+1 {
			t.Fatalf("produce %d appended %d events, want 1", i, len(lines)-before)
		}
	}
	return lines, false
}

func replayGolden(t *testing.T, name string, lines []string) {
	t.Helper()
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", "replay", name+".golden")
	if *updateReplay {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-replay to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

const bracketPattern = `'\[(?P<timestamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\]'`

func TestReplayGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, cfg string
		max       int
		exhausted bool
	}{
		{"verbatim", `{path: access.log}`, 100, true},
		{"strftime_repeat", `{path: access.log, repeat: true, timestamp_pattern: ` + bracketPattern + `, timestamp_format: '%Y-%m-%dT%H:%M:%S'}`, 16, false},
		{"isoformat", `{path: access.log, timestamp_pattern: ` + bracketPattern + `}`, 100, true},
		{"first_match", `{path: access.log, timestamp_pattern: '(?P<timestamp>\d{4}-\d{2}-\d{2}T[\d:]{8})', timestamp_format: '%d/%b/%Y:%H:%M:%S %z'}`, 100, true},
		{"group_not_taken", `{path: access.log, timestamp_pattern: '(?P<timestamp>bob )?\[', timestamp_format: '<%s> '}`, 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustReplay(t, tc.cfg, replayEnv("testdata/replay"))
			lines, exhausted := drain(t, r, tc.max)
			if exhausted != tc.exhausted {
				t.Fatalf("exhausted = %v, want %v", exhausted, tc.exhausted)
			}
			replayGolden(t, tc.name, lines)
		})
	}
}

// fileLines reads path's lines the way Python's readlines + rstrip does.
func fileLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for l := range strings.SplitAfterSeq(string(b), "\n") {
		if l != "" {
			lines = append(lines, strings.TrimRight(l, "\r\n"))
		}
	}
	return lines
}

// TestReplayOnlyTimestampReplaced is the acceptance check: with repeat and
// substitution, line N of the output is line N (mod the file's length) of
// the file with only the timestamp group replaced by the N-th timestamp.
func TestReplayOnlyTimestampReplaced(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var src bytes.Buffer
	for i := range 1000 {
		switch i % 7 {
		case 3:
			fmt.Fprintf(&src, "no timestamp here %d\n", i)
		case 5:
			fmt.Fprintf(&src, "%s %d\n", strings.Repeat("long ", 3000), i) // longer than the read buffer
		default:
			fmt.Fprintf(&src, "host%d 2001-02-%02dT03:04:%02d.%06d+01:00 message %d\n", i, i%28+1, i%60, i, i)
		}
	}
	path := filepath.Join(dir, "in.log")
	if err := os.WriteFile(path, src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pattern := `(?P<timestamp>\d{4}-\d\d-\d\dT[0-9:.]+\+\d\d:\d\d)`
	r := mustReplay(t, fmt.Sprintf("{path: in.log, repeat: true, chunk_size: 4096, timestamp_pattern: '%s', timestamp_format: '%%Y-%%m-%%dT%%H:%%M:%%S.%%f%%:z'}", pattern), replayEnv(dir))
	want := fileLines(t, path)
	got, exhausted := drain(t, r, 2500)
	if exhausted || len(got) != 2500 {
		t.Fatalf("got %d lines, exhausted %v", len(got), exhausted)
	}
	re := regexp.MustCompile(pattern)
	for n, line := range got {
		orig := want[n%len(want)]
		m := re.FindStringSubmatchIndex(orig)
		if m == nil {
			if line != orig {
				t.Fatalf("line %d: %q, want it unchanged %q", n, line, orig)
			}
			continue
		}
		ts := time.Unix(0, replayTS(n)).In(time.FixedZone("", 3*3600)).Format("2006-01-02T15:04:05.000000-07:00")
		if wantLine := orig[:m[2]] + ts + orig[m[3]:]; line != wantLine {
			t.Fatalf("line %d: %q, want %q", n, line, wantLine)
		}
	}
}

func TestReplayGzip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain, err := os.ReadFile("testdata/replay/access.log")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "access.log.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `{path: %s, repeat: true, timestamp_pattern: ` + bracketPattern + `, timestamp_format: '%%Y-%%m-%%dT%%H:%%M:%%S'}`
	fromGz, _ := drain(t, mustReplay(t, fmt.Sprintf(cfg, "access.log.gz"), replayEnv(dir)), 16)
	abs, _ := filepath.Abs("testdata/replay/access.log")
	fromPlain, _ := drain(t, mustReplay(t, fmt.Sprintf(cfg, abs), replayEnv(dir)), 16)
	if strings.Join(fromGz, "\n") != strings.Join(fromPlain, "\n") {
		t.Fatalf("gzip replay differs:\n%q\n%q", fromGz, fromPlain)
	}
}

func TestReplayEncoding(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"latin1.log": []byte("caf\xe9 [2019-03-04T10:11:12]\nna\xefve\n"),
		"utf16.log":  {0xff, 0xfe, 'c', 0, 'a', 0, 'f', 0, 0xe9, 0, '\n', 0, 'x', 0, '\n', 0},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ cfg, want string }{
		{`{path: latin1.log, encoding: latin_1, timestamp_pattern: ` + bracketPattern + `, timestamp_format: '%H:%M'}`, "café [10:08]|naïve"},
		{`{path: utf16.log, encoding: utf_16}`, "café|x"},
		{`{path: latin1.log}`, "caf\xe9 [2019-03-04T10:11:12]|na\xefve"},
	} {
		got, exhausted := drain(t, mustReplay(t, tc.cfg, replayEnv(dir)), 10)
		if !exhausted || strings.Join(got, "|") != tc.want {
			t.Errorf("%s: %q (exhausted %v), want %q", tc.cfg, got, exhausted, tc.want)
		}
	}
}

func TestReplayEmptyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty.log"), nil, 0o644)
	for _, cfg := range []string{`{path: empty.log}`, `{path: empty.log, repeat: true}`} {
		if got, exhausted := drain(t, mustReplay(t, cfg, replayEnv(dir)), 10); !exhausted || len(got) != 0 {
			t.Errorf("%s: %q, exhausted %v", cfg, got, exhausted)
		}
	}
}

func TestReplayConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ cfg, want string }{
		{`{}`, `missing required key "path"`},
		{`{path: ''}`, "path: must not be empty"},
		{`{path: nope.log}`, "path: open testdata/replay/nope.log: no such file or directory"},
		{`{path: .}`, "path: testdata/replay: is a directory"},
		{`{path: access.log, timestamp_pattern: '(?P<timestamp>[0-9'}`, "timestamp_pattern: invalid regular expression"},
		{`{path: access.log, timestamp_pattern: '(?P<ts>[0-9]+)'}`, `timestamp_pattern: no named group "timestamp"`},
		{`{path: access.log, timestamp_pattern: '(?=x)(?P<timestamp>y)'}`, "timestamp_pattern: invalid regular expression"},
		{`{path: access.log, encoding: klingon}`, `encoding: unknown or unsupported encoding "klingon"`},
		{`{path: access.log, chunk_size: -1}`, "chunk_size: must be at least 0"},
		{`{path: access.log, repeats: true}`, `unknown key "repeats"`},
	} {
		_, err := buildReplay(t, tc.cfg, replayEnv("testdata/replay"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestReplayFlatMemory replays a file generated in a temporary directory and
// checks that the peak resident set grows by less than 64 MiB: by default
// 96 MiB, so loading it whole would fail; EVENTUM_REPLAY_BIG=1 replays
// 1 GiB (EVENTUM_REPLAY_BIG_MB sets any size).
func TestReplayFlatMemory(t *testing.T) {
	size := int64(96 << 20)
	if os.Getenv("EVENTUM_REPLAY_BIG") != "" {
		size = 1 << 30
	}
	if mb, err := strconv.Atoi(os.Getenv("EVENTUM_REPLAY_BIG_MB")); err == nil && mb > 0 {
		size = int64(mb) << 20
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var written, nlines int64
	for written < size {
		n, _ := fmt.Fprintf(w, "10.1.%d.%d - - [2019-03-04T10:%02d:%02d] \"GET /item/%d HTTP/1.1\" 200 %d\n",
			nlines%250, nlines%199, nlines%60, nlines%59, nlines, nlines%9999)
		written += int64(n)
		nlines++
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := peakRSS(t)
	r := mustReplay(t, `{path: big.log, timestamp_pattern: `+bracketPattern+`, timestamp_format: '%Y-%m-%dT%H:%M:%S'}`, replayEnv(dir))
	start := time.Now()
	var out []string
	var got int64
	for {
		var err error
		out, err = r.Produce(replayTS(int(got)), 0, out[:0])
		if errors.Is(err, ErrExhausted) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	elapsed := time.Since(start)
	after := peakRSS(t)
	t.Logf("replayed %d lines (%d MiB) in %v (%.0f lines/s); peak RSS %d MiB before, %d MiB after",
		got, written>>20, elapsed.Round(time.Millisecond), float64(got)/elapsed.Seconds(), before>>20, after>>20)
	if got != nlines {
		t.Fatalf("replayed %d lines, want %d", got, nlines)
	}
	if after-before > 64<<20 {
		t.Fatalf("peak RSS grew by %d MiB while replaying", (after-before)>>20)
	}
}

// peakRSS returns the process's peak resident set size (VmHWM) in bytes.
func peakRSS(t testing.TB) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmHWM in /proc/self/status")
	return 0
}

func BenchmarkReplay(b *testing.B) {
	dir := b.TempDir()
	var src bytes.Buffer
	for i := range 10000 {
		fmt.Fprintf(&src, "10.1.%d.%d - - [2019-03-04T10:%02d:%02d] \"GET /item/%d HTTP/1.1\" 200 %d\n", i%250, i%199, i%60, i%59, i, i%9999)
	}
	os.WriteFile(filepath.Join(dir, "b.log"), src.Bytes(), 0o644)
	for _, bc := range []struct{ name, cfg string }{
		{"verbatim", `{path: b.log, repeat: true}`},
		{"strftime", `{path: b.log, repeat: true, timestamp_pattern: ` + bracketPattern + `, timestamp_format: '%Y-%m-%dT%H:%M:%S'}`},
		{"isoformat", `{path: b.log, repeat: true, timestamp_pattern: ` + bracketPattern + `}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := mustReplay(b, bc.cfg, replayEnv(dir))
			out := make([]string, 0, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				var err error
				if out, err = r.Produce(replayTS(i), 0, out[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
