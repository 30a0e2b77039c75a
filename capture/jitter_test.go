package capture

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/pcaptest"
)

// jittered is c as a multi-queue NIC whose queues' clocks differ by up to
// 10 µs stamps it: a packet less than 10 µs behind the one before it
// (another queue) is stamped 2 µs before it; the file order is the true
// one.
func jittered(c pcaptest.Capture) (pcaptest.Capture, bool) {
	out := c
	out.Packets = append([]pcaptest.Packet(nil), c.Packets...)
	back := false
	for i := 1; i < len(out.Packets); i++ {
		if c.Packets[i].Info.Timestamp.Sub(c.Packets[i-1].Info.Timestamp) < 10*time.Microsecond {
			out.Packets[i].Info.Timestamp, back = out.Packets[i-1].Info.Timestamp.Add(-2*time.Microsecond), true
		}
	}
	return out, back
}

// sessionFacts is what a test compares of a capture's sessions, one line
// each: the control connection's end points, handshake and bytes missing,
// the exchanges and how many the capture does not show whole, and the
// data connections linked.
func sessionFacts(tb testing.TB, c pcaptest.Capture) (conns int, facts []string) {
	tb.Helper()
	ev, err := ReadTraces([]Trace{{Name: "t", R: bytes.NewReader(c.Bytes(tb))}}, ReadOptions{ControlPorts: []uint16{21}})
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range ev.Sessions {
		unknown, linked := 0, 0
		for _, x := range s.Exchanges {
			if x.Unknown != "" {
				unknown++
			}
		}
		for _, d := range s.Data {
			if d.Conn != nil {
				linked++
			}
		}
		ctl := s.Control
		facts = append(facts, fmt.Sprintf("%s -> %s midstream %v, %d SYNs, SYN-ACK %v, %d bytes missing, %d exchanges (%d not whole), %d of %d data connections linked",
			ctl.Initiator, ctl.Responder, ctl.Midstream, len(ctl.SYNs), ctl.SYNACK != nil, ctl.GapBytes, len(s.Exchanges), unknown, linked, len(s.Data)))
	}
	return len(ev.Conns), facts
}

// jitterOutOfStep are client captures whose server's replies run behind
// the commands: Twisted 22.4.0 answers PASV a second time 10 s later
// ("550 Requested action not taken: internal server error"), and from
// then on it sends a queued reply microseconds after the client's next
// command reaches it. Jittered, that reply is stamped before the command
// its acknowledgment covers, and the stream takes the command for lost.
// They are the captures cmd/ftpdiag's awaitingIssue13 lists as paired out
// of step; one that jitters stably fails until its entry is deleted.
var jitterOutOfStep = map[string]bool{
	"inetutils-ftp-passive-twisted-passive-rejected-server.pcap": true,
	"ncftp-passive-twisted-passive-dropped-client.pcap":          true,
	"ncftp-passive-twisted-passive-dropped-server.pcap":          true,
	"ncftp-passive-twisted-passive-rejected-server.pcap":         true,
	"tnftp-twisted-passive-dropped-client.pcap":                  true,
}

// TestJitterFakesNoHole: timestamps that step back by microseconds (a
// multi-queue NIC) put an acknowledgment before the segment it
// acknowledges, a SYN-ACK before its SYN; the segment is no hole for that
// and the connection no other one: every third-party client capture,
// jittered, has the sessions, connections and dialogue it had.
func TestJitterFakesNoHole(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "clients", "*.pcap"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no client captures: %v", err)
	}
	derived := 0
	for _, f := range files {
		c := pcaptest.Read(t, f)
		j, ok := jittered(c)
		if !ok {
			continue
		}
		derived++
		n0, f0 := sessionFacts(t, c)
		n1, f1 := sessionFacts(t, j)
		stable := n0 == n1 && slices.Equal(f0, f1)
		switch name := filepath.Base(f); {
		case jitterOutOfStep[name] && stable:
			t.Errorf("%s now jitters stably: delete it from jitterOutOfStep", name)
		case jitterOutOfStep[name]:
			t.Logf("%s: replies out of step (jitterOutOfStep), jittered: %d connections, sessions:\n%s", name, n1, strings.Join(f1, "\n"))
		case !stable:
			t.Errorf("%s: %d connections, sessions:\n%s\njittered: %d connections, sessions:\n%s", filepath.Base(f), n0, strings.Join(f0, "\n"), n1, strings.Join(f1, "\n"))
		}
	}
	if derived == 0 {
		t.Fatal("no capture to jitter")
	}
	for name := range jitterOutOfStep {
		if !slices.Contains(files, filepath.Join("..", "testdata", "clients", name)) {
			t.Errorf("jitterOutOfStep lists %s, which is no client capture", name)
		}
	}
}
