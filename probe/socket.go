package probe

import (
	"sync"
	"syscall"
	"time"
)

// socketPoll is how often a connecting data socket's state is read.
const socketPoll = 50 * time.Millisecond

// socketVerdict is the text a step carries when the connecting socket's own
// counters ended it early, without a capture.
const socketVerdict = "the SYN was retransmitted and never answered: filtered (counted by this host's TCP stack on the connecting socket, not seen on the wire; decided before the data timeout)"

// SocketFacts is what this host's TCP stack said of a data connection's
// connecting socket (passive modes), read without any privilege: TCP_INFO
// on Linux, TCP_CONNECTION_INFO on macOS, SIO_TCP_INFO on Windows 10
// 1703 and later. It is the client's kernel's account, not the wire's.
type SocketFacts struct {
	// Source names the socket option read.
	Source string `json:"source"`
	// T is the offset of the last reading.
	T float64 `json:"t"`
	// State is the TCP state then: "syn-sent" while connecting,
	// "established", or another state's name.
	State string `json:"state"`
	// SYNRetransmits is how many times the SYN had been sent again without
	// an answer (the first SYN not counted).
	SYNRetransmits int `json:"syn_retransmits"`
}

// SocketState is one reading of a connecting socket.
type SocketState struct {
	Source         string // the socket option read, e.g. "TCP_INFO"
	State          string // "syn-sent", "established", ...
	Connecting     bool   // SYN sent, no SYN-ACK yet
	SYNRetransmits int    // SYNs sent again, the first not counted
}

// SocketReader reads the TCP state of a socket a dialer is connecting,
// from its raw connection (Options.SocketReader; ReadSocket, the
// platform's, by default: socket_linux.go, socket_darwin.go,
// socket_windows.go).
type SocketReader func(c syscall.RawConn) (SocketState, error)

// socketWatch polls one connecting socket. The dialer's hook hands it the
// raw connection; until then, and where the system cannot say, it
// reports nothing.
type socketWatch struct {
	read  SocketReader
	clock *clock

	mu   sync.Mutex
	rc   syscall.RawConn
	last *SocketFacts
}

// hook receives the socket before connect (dialBound's onSocket).
func (w *socketWatch) hook(rc syscall.RawConn) {
	w.mu.Lock()
	w.rc = rc
	w.mu.Unlock()
}

// poll reads the socket once and reports whether its SYN has been
// retransmitted while still unanswered.
func (w *socketWatch) poll() bool {
	w.mu.Lock()
	rc := w.rc
	w.mu.Unlock()
	if rc == nil {
		return false
	}
	st, err := w.read(rc)
	if err != nil {
		return false // closed once the dial ended, or not supported
	}
	f := &SocketFacts{Source: st.Source, T: w.clock.offset(), State: st.State, SYNRetransmits: st.SYNRetransmits}
	w.mu.Lock()
	w.last = f
	w.mu.Unlock()
	return st.Connecting && st.SYNRetransmits > 0
}

// facts is the last reading, nil when none succeeded.
func (w *socketWatch) facts() *SocketFacts {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// run polls every socketPoll until done closes, and closes unanswered the
// first time the SYN shows retransmitted without answer.
func (w *socketWatch) run(tick <-chan time.Time, done <-chan struct{}, unanswered chan<- struct{}) {
	for {
		select {
		case <-done:
			return
		case <-tick:
			if w.poll() {
				close(unanswered)
				return
			}
		}
	}
}

// watchSocket starts polling the socket w is handed and arranges for
// onFire to run, after the same grace as a capture's signal, once its SYN
// shows retransmitted without answer. stop ends the watch; fired reports
// whether onFire ran. Without a reader it does nothing.
func (s *session) watchSocket(w *socketWatch, onFire func()) (stop func(), fired func() bool) {
	if w == nil {
		return func() {}, func() bool { return false }
	}
	t := time.NewTicker(socketPoll)
	done := make(chan struct{})
	unanswered := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		w.run(t.C, done, unanswered)
	}()
	stopSignal, f := watchSignal(unanswered, onFire)
	return func() {
		close(done)
		<-exited
		t.Stop()
		stopSignal()
	}, f
}

// newSocketWatch is a watch for the next data dial, nil when the options
// have no reader.
func (s *session) newSocketWatch() *socketWatch {
	if s.opts.SocketReader == nil {
		return nil
	}
	return &socketWatch{read: s.opts.SocketReader, clock: s.clock}
}
