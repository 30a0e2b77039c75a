package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// dataChannel is a data connection being set up: established already
// (passive) or waiting to be accepted (active).
type dataChannel struct {
	conn net.Conn
	ln   net.Listener
	// accepted receives the one result of ln's Accept, which runs from
	// the moment PORT/EPRT is sent (activesetup.go): servers that connect
	// when PORT arrives do it before any transfer command.
	accepted chan acceptResult
	// release ends what Options.OnDataTLS started for conn.
	release func()
}

// acceptInBackground starts the listener's one Accept.
func (d *dataChannel) acceptInBackground() {
	d.accepted = make(chan acceptResult, 1)
	go func() { c, err := d.ln.Accept(); d.accepted <- acceptResult{c, err} }()
}

func (d *dataChannel) close() {
	if d == nil {
		return
	}
	if d.conn != nil {
		d.conn.Close()
	}
	if d.release != nil {
		d.release()
		d.release = nil
	}
	d.drain()
}

// drain closes an active-mode listener, waits for the goroutine blocked in
// its Accept and closes any connection it got.
func (d *dataChannel) drain() {
	if d.ln == nil {
		return
	}
	d.ln.Close()
	if d.accepted != nil {
		if res := <-d.accepted; res.conn != nil {
			res.conn.Close()
		}
	}
	d.ln, d.accepted = nil, nil
}

// openData runs the mode's setup command and, for passive modes, dials the
// data connection. It returns nil when the data connection cannot be used.
func (s *session) openData(mode Mode, dc *DataConn) *dataChannel {
	if mode.Passive() {
		return s.openPassive(mode, dc)
	}
	return s.openActive(mode, dc)
}

func (s *session) controlPeer() netip.AddrPort {
	return addrPortOf(s.conn.RemoteAddr())
}

func (s *session) controlLocal() netip.AddrPort {
	return addrPortOf(s.conn.LocalAddr())
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

func (s *session) openPassive(mode Mode, dc *DataConn) *dataChannel {
	rep, st := s.command(string(mode), "")
	dc.Setup = st
	if !st.OK() {
		dc.Connect = skipped(string(mode) + " failed")
		return nil
	}
	peer := s.controlPeer()
	var announced netip.AddrPort
	var err error
	if mode == ModeEPSV {
		var port uint16
		port, err = ftp.ParseEPSV(rep.Text())
		announced = netip.AddrPortFrom(peer.Addr(), port)
	} else {
		announced, err = ftp.ParsePASV(rep.Text())
	}
	if err != nil {
		dc.Setup.Outcome = OutcomeProtocol
		dc.Setup.Error = fmt.Sprintf("cannot parse %s reply: %v", mode, err)
		dc.Connect = skipped("no data endpoint announced")
		return nil
	}
	dc.Announced = announced.String()
	target, policy := s.passiveTarget(announced, peer)
	dc.AddressPolicy = policy
	if !target.IsValid() {
		dc.Connect = Step{Outcome: OutcomeRefusedByPolicy, T0: s.clock.offset(), T: s.clock.offset(),
			Error: fmt.Sprintf("announced endpoint %s is not dialled: port %d is not a valid TCP port", announced, announced.Port())}
		return nil
	}
	dc.Dialled = target.String()
	st = s.clock.begin()
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.DataTimeout)
	defer cancel()
	stop, filtered, captured := s.watchCapture(target, cancel)
	// The socket's counters end the attempt only without a capture, whose
	// account of the wire says more; with one they are still recorded.
	sock := s.newSocketWatch()
	endBySocket := cancel
	if captured {
		endBySocket = func() {}
	}
	stopSock, sockFiltered := s.watchSocket(sock, endBySocket)
	// Dialling the control peer, the route (and so the source address) is
	// the control connection's: bind it, so that even a failed dial names
	// its whole 4-tuple.
	var bindIP netip.Addr
	if target.Addr() == peer.Addr() {
		bindIP = s.controlLocal().Addr()
	}
	var onSocket func(syscall.RawConn)
	if sock != nil {
		onSocket = sock.hook
	}
	conn, local, err := dialBound(ctx, s.opts.Dialer, bindIP, target.String(), onSocket)
	stop()
	stopSock()
	if local.IsValid() {
		dc.Local = local.String()
	}
	if err != nil {
		dc.Connect = s.failedConnect(st, target, err, filtered(), sockFiltered() && !captured)
		if sock != nil {
			dc.Socket = sock.facts()
		}
		return nil
	}
	dc.Connect = s.clock.ok(st)
	dc.Peer = addrPortOf(conn.RemoteAddr()).String()
	return &dataChannel{conn: conn}
}

// failedConnect ends a passive data dial that failed: as filtered when the
// capture (wire) or else the connecting socket's own counters (socket)
// showed its SYN resent without answer and so ended it early, else as the
// error classifies.
func (s *session) failedConnect(st Step, target netip.AddrPort, err error, wire, socket bool) Step {
	switch {
	case wire:
		st = s.clock.finish(st, OutcomeTimeout)
		st.Error = fmt.Sprintf("connect data %s: %s", target, wireVerdict)
	case socket:
		st = s.clock.finish(st, OutcomeTimeout)
		st.Error = fmt.Sprintf("connect data %s: %s", target, socketVerdict)
	default:
		st = s.clock.fail(st, fmt.Errorf("connect data %s: %w", target, err))
	}
	return st
}

// passiveTarget applies the 227 address policy: the probe dials only the
// control peer unless the caller trusts the announced address.
func (s *session) passiveTarget(announced, peer netip.AddrPort) (netip.AddrPort, string) {
	if announced.Port() == 0 {
		return netip.AddrPort{}, "invalid-port"
	}
	switch {
	case announced.Addr().Unmap() == peer.Addr():
		return announced, "same"
	case s.opts.TrustPasvAddress:
		return announced, "trusted"
	default:
		return netip.AddrPortFrom(peer.Addr(), announced.Port()), "control-peer"
	}
}

func (s *session) openActive(mode Mode, dc *DataConn) *dataChannel {
	local := s.controlLocal().Addr()
	st := s.clock.begin()
	ln, err := s.listenActive(local)
	if err != nil {
		dc.Setup = s.clock.fail(st, err)
		dc.Setup.Outcome = OutcomeError
		dc.Connect = skipped("could not listen for the data connection")
		return nil
	}
	lap := addrPortOf(ln.Addr())
	dc.Listened = lap.String()
	dc.Announced = lap.String()
	s.opts.OnListen(lap.Port())
	var arg string
	if mode == ModePORT {
		arg, err = ftp.FormatPORT(lap)
		if err != nil {
			ln.Close()
			dc.Setup = s.clock.fail(st, err)
			dc.Connect = skipped("PORT cannot carry this address")
			return nil
		}
	} else {
		arg = ftp.FormatEPRT(lap)
	}
	ch := &dataChannel{ln: ln}
	if dl, ok := ln.(deadliner); ok {
		// The transfer command sets the data timeout; until then the
		// set-up reply may take the reply timeout.
		dl.SetDeadline(s.clock.deadline(s.opts.ReplyTimeout + s.opts.DataTimeout))
	}
	ch.acceptInBackground()
	dc.Setup = s.activeSetup(ch, dc, string(mode), arg)
	if !dc.Setup.OK() {
		ch.close()
		if !dc.Connect.Ran() {
			dc.Connect = skipped(setupFailure(mode, dc.Setup))
		}
		return nil
	}
	return ch
}

// setupFailure says why no data connection was awaited after a failed
// PORT/EPRT: a refusal only when the server answered with one.
func setupFailure(mode Mode, st Step) string {
	if st.Outcome == OutcomeReply {
		return string(mode) + " refused"
	}
	return fmt.Sprintf("%s failed (%s)", mode, st.Outcome)
}

// listenActive listens on the control connection's local address, on a
// port from Options.ActivePorts when set.
func (s *session) listenActive(local netip.Addr) (net.Listener, error) {
	r := s.opts.ActivePorts
	if r.Min == 0 {
		return s.opts.Listener.Listen(s.ctx, "tcp", net.JoinHostPort(local.String(), "0"))
	}
	var lastErr error
	for p := int(r.Min); p <= int(r.Max); p++ {
		ln, err := s.opts.Listener.Listen(s.ctx, "tcp", net.JoinHostPort(local.String(), strconv.Itoa(p)))
		if err == nil {
			return ln, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("listen on %s ports %s: %w", local, r, lastErr)
}
