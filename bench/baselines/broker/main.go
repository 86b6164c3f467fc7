// Command broker runs an in-memory Kafka broker (franz-go's kfake, as the
// kafka output's tests use) on a TCP port, with one topic of three
// partitions, until it is killed or its standard input closes. It prints
// "ready HOST:PORT" once it listens. The sink benchmarks start one per run so
// that eventum and the raw kafka-go program talk to the same kind of broker
// over TCP, in another process.
//
//	go run ./bench/baselines/broker --port 19092 --topic events
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1")
	topic := flag.String("topic", "events", "topic to create (3 partitions)")
	flag.Parse()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(*port), kfake.SeedTopics(3, *topic))
	if err != nil {
		fmt.Fprintln(os.Stderr, "broker:", err)
		os.Exit(1)
	}
	defer c.Close()
	fmt.Printf("ready %s\n", c.ListenAddrs()[0])
	_, _ = io.Copy(io.Discard, os.Stdin) // until the harness closes stdin
}
