package capture

import (
	"net/netip"
	"sync"
)

// synWatch lets a probe learn, while it still waits, that the wire has
// already decided: a SYN to an endpoint was sent again with no SYN-ACK (the
// first retransmission, after the kernel's 1 s initial RTO), the sign of a
// filtered port. The capture loop calls check after each packet.
type synWatch struct {
	mu      sync.Mutex
	waiters map[netip.AddrPort][]chan struct{}
}

// SYNRetransmitted returns a channel that is closed when the capture sees a
// SYN to dst sent at least twice on one connection with no SYN-ACK yet, and
// a function to stop waiting. dst may be a remote endpoint (passive mode)
// or a local listening one (the server's active-mode callback).
func (l *Live) SYNRetransmitted(dst netip.AddrPort) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	w := &l.synWatch
	w.mu.Lock()
	if w.waiters == nil {
		w.waiters = map[netip.AddrPort][]chan struct{}{}
	}
	w.waiters[dst] = append(w.waiters[dst], ch)
	w.mu.Unlock()
	stop := func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		list := w.waiters[dst]
		for i, c := range list {
			if c == ch {
				w.waiters[dst] = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(w.waiters[dst]) == 0 {
			delete(w.waiters, dst)
		}
	}
	return ch, stop
}

// check runs in the capture loop after the tracker saw v: a retransmitted,
// unanswered SYN wakes the waiters for its destination.
func (w *synWatch) check(t *Tracker, v *view) {
	if v == nil || !v.isTCP || !v.tcp.SYN || v.tcp.ACK {
		return
	}
	dst := netip.AddrPortFrom(v.dst, uint16(v.tcp.DstPort))
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.waiters[dst]) == 0 {
		return
	}
	src := netip.AddrPortFrom(v.src, uint16(v.tcp.SrcPort))
	st := t.conns[keyOf(src, dst)]
	if st == nil || len(st.c.SYNs) < 2 || st.c.SYNACK != nil {
		return
	}
	for _, ch := range w.waiters[dst] {
		close(ch)
	}
	delete(w.waiters, dst)
}
