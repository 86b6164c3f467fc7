// Command kafkago is the raw-client baseline of the kafka output: a
// kafka-go Writer with the output's default settings (acks 1, murmur2
// partitioning, batches of up to 16384 messages and 1 MiB, no linger)
// produces the benchmark rows (bench/baselines/rows, as the same JSON bytes
// eventum sends) with synchronous WriteMessages calls of --batch messages,
// the pipeline's batch size.
//
//	go run ./bench/baselines/kafkago --broker 127.0.0.1:19092 --topic events --n 500000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eventum-go/eventum/bench/baselines/rows"
)

func main() {
	broker := flag.String("broker", "127.0.0.1:9092", "bootstrap server")
	topic := flag.String("topic", "events", "topic")
	n := flag.Int("n", 500_000, "messages to write")
	batch := flag.Int("batch", 10_000, "messages per WriteMessages call")
	flag.Parse()
	if err := run(*broker, *topic, *n, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "kafkago:", err)
		os.Exit(1)
	}
}

func run(broker, topic string, n, batch int) error {
	w := &kafka.Writer{
		Addr:         kafka.TCP(broker),
		Topic:        topic,
		Balancer:     &kafka.Murmur2Balancer{},
		BatchSize:    16384,
		BatchBytes:   1 << 20,
		BatchTimeout: time.Microsecond,
		RequiredAcks: kafka.RequireOne,
		MaxAttempts:  3,
	}
	defer w.Close()
	msgs := make([]kafka.Message, 0, batch)
	var buf []byte
	for start := 0; start < n; start += batch {
		msgs, buf = msgs[:0], buf[:0]
		end := min(start+batch, n)
		offs := make([]int, 0, end-start+1)
		for i := start; i < end; i++ {
			offs = append(offs, len(buf))
			buf = rows.AppendJSON(buf, i)
		}
		offs = append(offs, len(buf))
		for j := 0; j < end-start; j++ {
			msgs = append(msgs, kafka.Message{Value: buf[offs[j]:offs[j+1]:offs[j+1]]})
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			return fmt.Errorf("write messages %d..%d: %w", start, end, err)
		}
	}
	return w.Close()
}
