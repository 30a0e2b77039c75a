package probe

import (
	"net/netip"
	"sync/atomic"
	"time"
)

// wireGrace is how long the probe still waits after the wire showed a SYN
// retransmitted without answer, in case a SYN-ACK to the first SYN is
// merely slow (an RTT above the kernel's 1 s initial RTO).
const wireGrace = 300 * time.Millisecond

// wireVerdict is the text a step carries when the capture ended it early.
const wireVerdict = "the SYN was retransmitted and never answered: filtered (decided from the capture, before the data timeout)"

// wireVerdictInbound is its active-mode twin: the server's SYN reached this
// host and nothing here answered it.
const wireVerdictInbound = "the server's SYN reached this host, was retransmitted and never answered: dropped locally (decided from the capture, before the data timeout)"

// watchWire arranges for onFire to run when the capture (Options.WatchSYN)
// sees a SYN to dst retransmitted with no answer. stop must be called when
// the wait is over; fired reports whether onFire ran. Without a capture
// it does nothing and the step waits for its timeout as usual.
func (s *session) watchWire(dst netip.AddrPort, onFire func()) (stop func(), fired func() bool) {
	stop, fired, _ = s.watchCapture(dst, onFire)
	return stop, fired
}

// watchCapture is watchWire that also reports whether a live capture
// watches dst at all (the hook gives no channel without one).
func (s *session) watchCapture(dst netip.AddrPort, onFire func()) (stop func(), fired func() bool, watching bool) {
	if s.opts.WatchSYN == nil || !dst.IsValid() {
		return func() {}, func() bool { return false }, false
	}
	ch, cancel := s.opts.WatchSYN(dst)
	stopSignal, f := watchSignal(ch, onFire)
	return func() {
		stopSignal()
		cancel()
	}, f, ch != nil
}

// watchSignal runs onFire wireGrace after ch closes, unless stop came
// first; fired reports whether onFire ran.
func watchSignal(ch <-chan struct{}, onFire func()) (stop func(), fired func() bool) {
	var f atomic.Bool
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-ch:
		case <-done:
			return
		}
		t := time.NewTimer(wireGrace)
		defer t.Stop()
		select {
		case <-t.C:
			f.Store(true)
			onFire()
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-exited
	}, f.Load
}
