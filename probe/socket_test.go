package probe

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"
	"time"
)

// fakeRawConn stands for a connecting socket; the fake reader ignores it.
type fakeRawConn struct{ syscall.RawConn }

// The watch fires on the first reading of a SYN resent while still
// connecting, and keeps the last reading as the step's facts.
func TestSocketWatch(t *testing.T) {
	errClosed := errors.New("use of closed network connection")
	for _, tc := range []struct {
		name      string
		readings  []SocketState
		errs      []error
		fireAt    int // 1-based reading that fires; 0: none
		wantFacts *SocketFacts
	}{
		{name: "SYN resent, unanswered",
			readings: []SocketState{{Source: "TCP_INFO", State: "syn-sent", Connecting: true}, {Source: "TCP_INFO", State: "syn-sent", Connecting: true, SYNRetransmits: 1}},
			fireAt:   2, wantFacts: &SocketFacts{Source: "TCP_INFO", State: "syn-sent", SYNRetransmits: 1}},
		{name: "answered after a resent SYN",
			readings:  []SocketState{{State: "established", SYNRetransmits: 1}},
			wantFacts: &SocketFacts{State: "established", SYNRetransmits: 1}},
		{name: "first SYN still waiting",
			readings:  []SocketState{{State: "syn-sent", Connecting: true}, {State: "syn-sent", Connecting: true}},
			wantFacts: &SocketFacts{State: "syn-sent"}},
		{name: "socket closed or unsupported",
			readings: []SocketState{{}, {}},
			errs:     []error{errClosed, errors.ErrUnsupported}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := 0
			read := func(syscall.RawConn) (SocketState, error) {
				defer func() { i++ }()
				if i < len(tc.errs) && tc.errs[i] != nil {
					return SocketState{}, tc.errs[i]
				}
				return tc.readings[i], nil
			}
			zero := time.Unix(100, 0)
			w := &socketWatch{read: read, clock: &clock{zero: zero, now: func() time.Time { return zero }}}
			if w.poll() {
				t.Fatal("fired before the dialer handed over the socket")
			}
			w.hook(fakeRawConn{})
			fired := 0
			for n := 1; n <= len(tc.readings); n++ {
				if w.poll() && fired == 0 {
					fired = n
				}
			}
			if fired != tc.fireAt {
				t.Errorf("fired at reading %d, want %d", fired, tc.fireAt)
			}
			got := w.facts()
			if (got == nil) != (tc.wantFacts == nil) || (got != nil && *got != *tc.wantFacts) {
				t.Errorf("facts %+v, want %+v", got, tc.wantFacts)
			}
		})
	}
}

// run closes unanswered once, on the tick whose reading shows it.
func TestSocketWatchRun(t *testing.T) {
	n := 0
	read := func(syscall.RawConn) (SocketState, error) {
		n++
		return SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: n / 3}, nil
	}
	w := &socketWatch{read: read, clock: &clock{now: time.Now}}
	w.hook(fakeRawConn{})
	tick := make(chan time.Time)
	done := make(chan struct{})
	unanswered := make(chan struct{})
	exited := make(chan struct{})
	go func() { w.run(tick, done, unanswered); close(exited) }()
	for i := 0; i < 3; i++ {
		select {
		case <-unanswered:
			t.Fatalf("fired after %d readings", n)
		case tick <- time.Time{}:
		}
	}
	<-unanswered
	<-exited
	close(done)
	if n != 3 {
		t.Errorf("fired after %d readings, want 3", n)
	}
}

// macOS: tcp_connection_info of a connecting socket.
func TestXNUSocketState(t *testing.T) {
	for _, tc := range []struct {
		in   xnuConnInfo
		want SocketState
	}{
		{xnuConnInfo{state: 2, txPackets: 1}, SocketState{State: "syn-sent", Connecting: true}},
		{xnuConnInfo{state: 2, txPackets: 3}, SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: 2}},
		{xnuConnInfo{state: 2, txPackets: 1, txRetransmitPackets: 1}, SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: 1}},
		{xnuConnInfo{state: 2}, SocketState{State: "syn-sent", Connecting: true}},
		{xnuConnInfo{state: 4, txPackets: 9, txRetransmitPackets: 2}, SocketState{State: "established"}},
		{xnuConnInfo{state: 0}, SocketState{State: "closed"}},
		{xnuConnInfo{state: 200}, SocketState{State: "unknown"}},
		{xnuConnInfo{state: 2, txPackets: 1 << 40}, SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: 255}},
	} {
		tc.want.Source = "TCP_CONNECTION_INFO"
		if got := tc.in.socketState(); got != tc.want {
			t.Errorf("%+v: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// Windows: TCP_INFO_v0 buffers as SIO_TCP_INFO fills them in.
func TestWinSocketState(t *testing.T) {
	buf := func(state uint32, synRetrans byte, n int) []byte {
		b := make([]byte, winInfoV0Size)
		binary.LittleEndian.PutUint32(b[0:], state)
		binary.LittleEndian.PutUint32(b[4:], 1460)                // Mss
		binary.LittleEndian.PutUint64(b[8:], 3000)                // ConnectionTimeMs
		binary.LittleEndian.PutUint32(b[80:], 7)                  // TimeoutEpisodes, just before SynRetrans
		b[84], b[85], b[86], b[87] = synRetrans, 0xee, 0xee, 0xee // padding after it is ignored
		return b[:n]
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want SocketState
		err  bool
	}{
		{"connecting, SYN resent twice", buf(2, 2, 88), SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: 2}, false},
		{"connecting, first SYN", buf(2, 0, 88), SocketState{State: "syn-sent", Connecting: true}, false},
		{"established", buf(4, 1, 88), SocketState{State: "established", SYNRetransmits: 1}, false},
		{"time-wait", buf(10, 0, 88), SocketState{State: "time-wait"}, false},
		{"unknown state", buf(99, 0, 88), SocketState{State: "unknown"}, false},
		{"short buffer", buf(2, 2, 84), SocketState{}, true},
		{"empty", nil, SocketState{}, true},
	} {
		got, err := winSocketState(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("%s: no error", tc.name)
			}
			continue
		}
		tc.want.Source = "SIO_TCP_INFO"
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}
