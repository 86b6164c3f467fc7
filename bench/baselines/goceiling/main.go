// Command goceiling is the hand-written Go ceiling for the access-log
// template (examples/template-access-log/templates/access_log.jinja): the
// same line — a public IPv4 address, a user name, the timestamp as
// %d/%b/%Y:%H:%M:%S %z, a method, a path, a weighted status and a size —
// produced by plain Go into a 256 KiB buffered file, one timestamp per line
// over one day. No template, no interpreter: what a generator could reach at
// best on one core.
//
//	go run ./bench/baselines/goceiling N OUT
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

var (
	users   = []string{"alice", "bob_smith", "carol88", "dave.jones", "erin_w", "frank", "grace_h", "heidi42"}
	methods = []string{"GET", "POST", "PUT"}
	paths   = []string{"/api/users", "/api/orders", "/health", "/login"}
	// statuses and their cumulative weights (0.7, 0.05, 0.15, 0.1).
	statuses = []string{"200", "301", "404", "500"}
	cumul    = []float64{0.7, 0.75, 0.9, 1.0}
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: goceiling N OUT")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "goceiling:", err)
		os.Exit(2)
	}
	f, err := os.Create(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "goceiling:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 24 * time.Hour / time.Duration(max(n-1, 1))
	line := make([]byte, 0, 256)
	for i := 0; i < n; i++ {
		line = line[:0]
		line = strconv.AppendInt(line, int64(1+r.IntN(223)), 10)
		for _, hi := range [...]int{256, 256, 254} {
			line = append(line, '.')
			v := r.IntN(hi)
			if hi == 254 {
				v++
			}
			line = strconv.AppendInt(line, int64(v), 10)
		}
		line = append(line, " - "...)
		line = append(line, users[r.IntN(len(users))]...)
		line = append(line, " ["...)
		line = start.Add(step*time.Duration(i)).AppendFormat(line, "02/Jan/2006:15:04:05 -0700")
		line = append(line, "] \""...)
		line = append(line, methods[r.IntN(len(methods))]...)
		line = append(line, ' ')
		line = append(line, paths[r.IntN(len(paths))]...)
		line = append(line, " HTTP/1.1\" "...)
		x := r.Float64()
		k := 0
		for k < len(cumul)-1 && x >= cumul[k] {
			k++
		}
		line = append(line, statuses[k]...)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(200+r.IntN(15000-200+1)), 10)
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			fmt.Fprintln(os.Stderr, "goceiling:", err)
			os.Exit(1)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "goceiling:", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "goceiling:", err)
		os.Exit(1)
	}
}
