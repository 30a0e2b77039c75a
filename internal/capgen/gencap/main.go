// Command gencap writes a deterministic synthetic FTP capture (package
// capgen) for benchmarks:
//
//	go run ./internal/capgen/gencap -o /tmp/ftp-1g.pcap -size 1GiB -sessions 5000 -seed 1
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

func main() {
	out := flag.String("o", "", "write the pcap to `FILE` (required)")
	size := flag.String("size", "1GiB", "approximate file `SIZE` (bytes, or with KiB/MiB/GiB)")
	sessions := flag.Int("sessions", 5000, "FTP sessions")
	concurrent := flag.Int("concurrent", 16, "sessions interleaved at once")
	seed := flag.Uint64("seed", 1, "random seed: the same seed writes the same bytes")
	flag.Parse()
	n, err := parseSize(*size)
	if *out == "" || err != nil || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gencap -o FILE [-size 1GiB] [-sessions 5000] [-seed 1]")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencap:", err)
		os.Exit(1)
	}
	st, err := capgen.Write(f, capgen.Options{Seed: *seed, Bytes: n, Sessions: *sessions, Concurrent: *concurrent})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencap:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d bytes, %d packets, %d FTP sessions (%d with a broken data connection)\n", *out, st.Bytes+24, st.Packets, st.Sessions, st.Failures)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}
