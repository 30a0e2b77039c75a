package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Capture modes for --capture.
const (
	captureAuto = "auto"
	captureOn   = "on"
	captureOff  = "off"
)

// maxWatchedRange bounds how many --active-port-range ports go into the
// kernel filter up front (the rest are added as they are used).
const maxWatchedRange = 64

// captureRun runs a live capture beside a probe: it starts when the probe
// knows the server's address and stops after the probe ends.
type captureRun struct {
	mode, iface, pcap string
	activePorts       probe.PortRange
	// secrets are masked wherever they appear in the saved pcapng.
	secrets []string

	mu     sync.Mutex
	live   *capture.Live
	reason string // why there is no capture (auto mode)
	remedy string
}

// validateCaptureFlags checks --capture and --pcap together.
func validateCaptureFlags(mode, pcap string) (string, error) {
	switch mode {
	case captureAuto, captureOn, captureOff:
	default:
		return "", usageError("--capture: unknown mode %q (want auto, on or off)", mode)
	}
	if pcap != "" {
		if mode == captureOff {
			return "", usageError("--pcap needs a capture; it cannot be used with --capture off")
		}
		// Asking for a file is asking for a capture: fail rather than
		// silently writing nothing.
		mode = captureOn
	}
	return mode, nil
}

// start is the probe's BeforeConnect hook.
func (c *captureRun) start(ctx context.Context, server netip.AddrPort, zero time.Time) error {
	if c.mode == captureOff {
		c.reason = "capture turned off (--capture off)"
		return nil
	}
	cfg := capture.Config{
		Interface:   c.iface,
		Servers:     []netip.Addr{server.Addr()},
		ControlPort: server.Port(),
		Start:       zero,
		PcapPath:    c.pcap,
		Secrets:     c.secrets,
	}
	if r := c.activePorts; r.Min != 0 {
		for p := int(r.Min); p <= int(r.Max) && len(cfg.ActivePorts) < maxWatchedRange; p++ {
			cfg.ActivePorts = append(cfg.ActivePorts, uint16(p))
		}
	}
	live, err := capture.Start(ctx, cfg)
	if err != nil {
		if c.mode == captureOn {
			if errors.Is(err, capture.ErrPermission) {
				return fmt.Errorf("%w (%s)", err, capture.RemedyHint)
			}
			return err
		}
		c.reason = err.Error()
		if errors.Is(err, capture.ErrPermission) {
			c.remedy = capture.Remedy
		}
		return nil
	}
	c.mu.Lock()
	c.live = live
	c.mu.Unlock()
	return nil
}

// watch is the probe's OnListen hook: an active-mode port joins the filter.
func (c *captureRun) watch(port uint16) {
	c.mu.Lock()
	live := c.live
	c.mu.Unlock()
	if live != nil {
		live.WatchPort(port)
	}
}

// keepWhole is the probe's OnDataTLS hook: a data connection about to run
// its TLS handshake is captured whole (its hellos say whether it resumed
// the control session). Without a live capture, or when the filter cannot
// take it, the connection stays cut to headers and its TLS facts unseen.
func (c *captureRun) keepWhole(local netip.AddrPort) func() {
	c.mu.Lock()
	live := c.live
	c.mu.Unlock()
	if live == nil {
		return func() {}
	}
	release, err := live.KeepWhole(local.Port())
	if err != nil {
		return func() {}
	}
	return release
}

// watchSYN is the probe's WatchSYN hook: without a live capture the
// channel never fires and the probe waits for its timeouts.
func (c *captureRun) watchSYN(dst netip.AddrPort) (<-chan struct{}, func()) {
	c.mu.Lock()
	live := c.live
	c.mu.Unlock()
	if live == nil {
		return nil, func() {}
	}
	return live.SYNRetransmitted(dst)
}

// Late packets (the peer's last ACK, a RST after close, an ICMP error)
// come within a round trip or two of the last FIN: the capture waits
// graceRTTs round trips of the control connection, within these bounds.
const (
	graceRTTs = 3
	minGrace  = 100 * time.Millisecond
	maxGrace  = time.Second
)

// graceFor returns how long to keep capturing after the probe ended, from
// the control connection's measured connect time (about one RTT).
func graceFor(res *probe.Result) time.Duration {
	rtt := time.Duration(0)
	for _, m := range res.Modes {
		if m.Connect.OK() {
			d := time.Duration((m.Connect.T - m.Connect.T0) * float64(time.Second))
			rtt = max(rtt, d)
		}
	}
	return min(max(graceRTTs*rtt, minGrace), maxGrace)
}

// stop ends the capture and returns its evidence; a capture that never
// started gives "unavailable" evidence with the reason. res, when known,
// sets how long to wait for late packets.
func (c *captureRun) stop(res *probe.Result) (*capture.Evidence, error) {
	c.mu.Lock()
	live := c.live
	c.mu.Unlock()
	if live != nil && res != nil {
		live.SetGrace(graceFor(res))
	}
	if live == nil {
		reason := c.reason
		if reason == "" {
			reason = "no connection was attempted"
		}
		return capture.Unavailable(reason, c.remedy), nil
	}
	return live.Stop()
}

// runCaptured runs the probe with cr capturing beside it, and masks the
// password in the evidence as the probe did in its result. err is the
// probe's own (it could not run: no evidence then); captureErr is a capture
// that failed while the probe ran (the evidence then says so).
func runCaptured(ctx context.Context, t probe.Target, opts probe.Options, cr *captureRun) (res *probe.Result, ev *capture.Evidence, captureErr, err error) {
	cr.activePorts = opts.ActivePorts
	if t.Password != "" {
		cr.secrets = []string{t.Password}
	}
	opts.BeforeConnect = func(server netip.AddrPort, zero time.Time) error {
		return cr.start(ctx, server, zero)
	}
	opts.OnListen = cr.watch
	opts.OnDataTLS = cr.keepWhole
	opts.WatchSYN = cr.watchSYN
	res, err = probe.Run(ctx, t, opts)
	if err != nil {
		cr.stop(nil)
		return res, nil, nil, err
	}
	ev, captureErr = cr.stop(res)
	if t.PasswordSource != "anonymous" {
		probe.MaskSecret(ev, t.Password) // as the probe did its result
	}
	return res, ev, captureErr, nil
}
