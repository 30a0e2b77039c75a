package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/capgen"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"go.uber.org/goleak"
)

// TestReadModes: an input reads to the same Evidence and errors whichever
// way it is read: from a regular file (by a goroutine of its own, its
// classic pcap records used where they were read), from a pipe (on the
// tracker's goroutine), with chunks so small that records straddle them
// and the oldest must be freed while the window still holds packets of
// it, and gzipped. The inputs have packets written far ahead of their
// time (held in the window while the file goes on) and behind it, damage,
// a pcapng, and two inputs merged. No goroutine is left behind.
func TestReadModes(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{Seed: 3, Bytes: 3 << 19, Sessions: 12}); err != nil {
		t.Fatal(err)
	}
	gen := buf.Bytes()
	shifted := shiftPcap(t, gen, false, func(i int, at time.Time) time.Time {
		switch {
		case i%97 == 5:
			return at.Add(500 * time.Millisecond) // held while ~1000 packets pass
		case i%389 == 7:
			return at.Add(3 * time.Second) // beyond the window's reach
		case i%13 == 0:
			return at.Add(-2 * time.Millisecond)
		}
		return at
	})
	ng := shiftPcap(t, gen, true, func(_ int, at time.Time) time.Time { return at })
	inputs := []struct {
		name  string
		files [][]byte
	}{
		{"generated", [][]byte{gen}},
		{"written out of time order", [][]byte{shifted}},
		{"cut in a record", [][]byte{shifted[:len(shifted)*2/3+5]}},
		{"pcapng", [][]byte{ng}},
		{"two merged, one cut", [][]byte{gen, ng[:len(ng)/2]}},
	}
	modes := []struct {
		name       string
		pipe, gz   bool
		tinyChunks bool
	}{
		{name: "file"},
		{name: "pipe", pipe: true},
		{name: "file, tiny chunks", tinyChunks: true},
		{name: "pipe, tiny chunks", pipe: true, tinyChunks: true},
		{name: "gzip file", gz: true},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			var want string
			for _, m := range modes {
				got := readMode(t, in.files, m.pipe, m.gz, m.tinyChunks)
				if want == "" {
					want = got
					if !strings.Contains(want, `"sessions":[{`) {
						t.Fatalf("%s: no sessions read: %.300s", m.name, want)
					}
					continue
				}
				if got != want {
					t.Errorf("%s: evidence differs from %s's:\n%s", m.name, modes[0].name, firstDiff(got, want))
				}
			}
		})
	}
}

// readMode reads files as one merged timeline and returns the Evidence
// and the error as text.
func readMode(t *testing.T, files [][]byte, pipe, gz, tiny bool) string {
	t.Helper()
	if tiny {
		size, read, limit := chunkSize, chunkRead, chunkLimit
		chunkSize, chunkRead, chunkLimit = 300, 97, 2
		defer func() { chunkSize, chunkRead, chunkLimit = size, read, limit }()
	}
	var traces []Trace
	var writers []chan struct{}
	for i, b := range files {
		if gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(b)
			zw.Close()
			b = z.Bytes()
		}
		name := filepath.Join(t.TempDir(), "in")
		if !pipe {
			if err := os.WriteFile(name, b, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			traces = append(traces, Trace{Name: string(rune('a' + i)), R: f})
			continue
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			pw.Write(b) // ends early (EPIPE) if the reader stops at damage
			pw.Close()
		}()
		defer pr.Close()
		writers = append(writers, done)
		traces = append(traces, Trace{Name: string(rune('a' + i)), R: pr})
	}
	ev, err := ReadTraces(traces, ReadOptions{})
	for _, tr := range traces {
		if c, ok := tr.R.(io.Closer); ok {
			c.Close()
		}
	}
	for _, w := range writers {
		<-w
	}
	j, jerr := json.Marshal(ev)
	if jerr != nil {
		t.Fatal(jerr)
	}
	return string(j) + "\nerror: " + errText(err)
}

func errText(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

// firstDiff shows where two long texts part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-150)
	return "got:  ..." + a[lo:min(len(a), i+150)] + "\nwant: ..." + b[lo:min(len(b), i+150)]
}

// shiftPcap rewrites a classic pcap's records with their timestamps moved
// by at (i: the record's index), as a classic pcap or a pcapng.
func shiftPcap(t *testing.T, b []byte, ng bool, at func(i int, at time.Time) time.Time) []byte {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytesBuffer
	write := func(gopacket.CaptureInfo, []byte) error { return nil }
	flush := func() error { return nil }
	if ng {
		w, err := pcapgo.NewNgWriter(&out, layers.LinkTypeEthernet)
		if err != nil {
			t.Fatal(err)
		}
		write, flush = w.WritePacket, w.Flush
	} else {
		w := pcapgo.NewWriterNanos(&out)
		if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			t.Fatal(err)
		}
		write = w.WritePacket
	}
	for i := 0; ; i++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ci.Timestamp = at(i, ci.Timestamp)
		if err := write(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	return out.b
}

// panicReader panics once it has given after bytes.
type panicReader struct {
	r     io.Reader
	after int
}

func (p *panicReader) Read(b []byte) (int, error) {
	if p.after <= 0 {
		panic("boom")
	}
	n, err := p.r.Read(b[:min(len(b), p.after)])
	p.after -= n
	return n, err
}

// TestReadPanicJoined: a panic while an input is read, on its own
// goroutine, is the tracker's "cannot decode" damage once the packets read
// before it are in, and every reading goroutine (another input's too) is
// stopped and joined.
func TestReadPanicJoined(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{Seed: 4, Bytes: 12 << 20, Sessions: 6}); err != nil {
		t.Fatal(err)
	}
	gen := buf.Bytes()
	for _, tt := range []struct {
		name   string
		traces func() []Trace
	}{
		{"one input", func() []Trace {
			return []Trace{{Name: "p", R: &panicReader{r: bytes.NewReader(gen), after: 9 << 20}}}
		}},
		{"another input still being read", func() []Trace {
			return []Trace{
				{Name: "whole", R: bytes.NewReader(gen)},
				{Name: "p", R: &panicReader{r: bytes.NewReader(gen), after: 9 << 20}},
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ReadTraces(tt.traces(), ReadOptions{})
			if err == nil || !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "cannot decode: boom") {
				t.Fatalf("error %v", err)
			}
			if ev == nil || ev.Packets == 0 {
				t.Fatalf("no evidence of the packets before the panic: %+v", ev)
			}
		})
	}
}

// TestMayBlock: an input read from a pipe (standard input from another
// program) is read on the tracker's goroutine, since a goroutine blocked
// in its read could not be joined; a regular file or bytes in memory get a
// reading goroutine of their own.
func TestMayBlock(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tt := range []struct {
		name string
		r    io.Reader
		want bool
	}{
		{"pipe", pr, true},
		{"regular file", f, false},
		{"bytes", bytes.NewReader(nil), false},
	} {
		if got := mayBlock(tt.r); got != tt.want {
			t.Errorf("%s: mayBlock %v, want %v", tt.name, got, tt.want)
		}
	}
}
