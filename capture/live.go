package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Config sets up a live capture.
type Config struct {
	Interface   string        // "" = the one that routes to Servers[0]
	Servers     []netip.Addr  // the server's address(es)
	ControlPort uint16        // default 21
	ActivePorts []uint16      // known up front (may be empty)
	Start       time.Time     // zero time of the timeline (the probe's); zero: now
	PcapPath    string        // "" = write nothing to disk
	Grace       time.Duration // wait after Stop before closing; default DefaultGrace
	StallAfter  time.Duration // default DefaultStallAfter
	// Secrets (the password) are masked wherever they appear on the
	// control connection in the saved pcapng, both ways: a server may echo
	// them. PASS and ACCT arguments are masked whatever this holds.
	Secrets []string
}

// DefaultGrace is how long Stop waits for late packets (a last ACK, a RST
// after close, an ICMP error) before closing the capture.
const DefaultGrace = 300 * time.Millisecond

// ErrPermission is matched (errors.Is) by Start's error when the process
// may not capture packets (no CAP_NET_RAW, or no access to the capture
// device).
var ErrPermission = errors.New("not permitted to capture packets")

// Unavailable returns the Evidence of a run without capture: reason says
// why, remedy the one command that would allow it.
func Unavailable(reason, remedy string) *Evidence {
	return &Evidence{Available: false, Reason: reason, Remedy: remedy, Conns: []*Conn{}}
}

// source is a live packet source, one backend per system, each in its own
// file: the AF_PACKET ring on Linux (ring_linux.go, with a plain packet
// socket as fallback, live_linux.go), a BPF device on macOS
// (bsdbpf_darwin.go), Npcap on Windows (live_pcap.go, wpcap.dll loaded at
// run time; libpcap elsewhere with -tags pcap and cgo). Every backend
// feeds the same decoder, tracker and writer (Live.loop).
type source interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	setFilter(prog []bpf.RawInstruction) error
	drops() (uint64, error) // cumulative since open
	linkType() layers.LinkType
	close() error
	// dropOutgoing says whether the filter must drop outgoing copies.
	dropOutgoing() bool
}

// offloadAware is a source that knows, per packet, whether the kernel
// handed it over before its checksum was computed (checksum offload: the
// NIC, or nobody on loopback and veth, fills it in after the tap).
type offloadAware interface {
	checksumPending() bool
}

// pendingChecksum reports whether the packet src last returned carries a
// checksum still to be filled in.
func pendingChecksum(src source) bool {
	o, ok := src.(offloadAware)
	return ok && o.checksumPending()
}

// Live is a running capture. Start it before the probe's first SYN, call
// WatchPort as active-mode ports open, and Stop it after the last FIN.
type Live struct {
	cfg  Config
	src  source
	lt   layers.LinkType
	name string

	mu       sync.Mutex // guards spec and the attached filter
	spec     filterSpec
	attached time.Time // packets stamped earlier predate the filter

	tracker  *Tracker
	synWatch synWatch    // early "filtered" signals for the probe
	keeper   wholeKeeper // data connections kept whole (keepwhole.go)
	red      *Redactor
	w        *pcapWriter
	done     chan struct{}
	loopErr  error

	haltOnce  sync.Once
	halting   atomic.Bool
	dropCount uint64
	dropErr   error

	grace    atomic.Int64 // nanoseconds Stop waits for late packets
	stopOnce sync.Once
	ev       *Evidence
	stopErr  error
}

// start is Start with the platform's way to open a source.
func start(ctx context.Context, cfg Config, open func(ifname string) (source, error)) (*Live, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("capture: no server address to capture for")
	}
	if cfg.ControlPort == 0 {
		cfg.ControlPort = 21
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	name := cfg.Interface
	if name == "" {
		var err error
		if name, err = RouteInterface(cfg.Servers[0]); err != nil {
			return nil, err
		}
	}
	src, err := open(name)
	if err != nil {
		return nil, err
	}
	l := &Live{
		cfg:  cfg,
		src:  src,
		lt:   src.linkType(),
		name: name,
		spec: filterSpec{servers: cfg.Servers, controlPort: cfg.ControlPort, activePorts: slices.Clone(cfg.ActivePorts)},
		red:  NewRedactor(cfg.ControlPort, cfg.Secrets...),
		done: make(chan struct{}),
	}
	l.grace.Store(int64(cfg.Grace))
	if err := l.attach(); err != nil {
		src.close()
		return nil, err
	}
	l.tracker = NewTracker(TrackerConfig{
		Start:       cfg.Start,
		ControlPort: cfg.ControlPort,
		StallAfter:  cfg.StallAfter,
		ActivePorts: cfg.ActivePorts,
		LocalAddrs:  localAddrs(),
	})
	if cfg.PcapPath != "" {
		if l.w, err = newPcapWriter(cfg.PcapPath, l.lt, name, l.spec.String()); err != nil {
			src.close()
			return nil, err
		}
	}
	go l.loop()
	go func() {
		select {
		case <-ctx.Done():
			l.halt()
		case <-l.done:
		}
	}()
	return l, nil
}

// attach (re)builds the kernel filter from l.spec; l.mu is held or l is
// not yet shared.
func (l *Live) attach() error {
	prog, err := l.spec.program(l.lt, l.src.dropOutgoing())
	if err != nil {
		return err
	}
	if err := l.src.setFilter(prog); err != nil {
		return fmt.Errorf("capture: set filter on %s: %w", l.name, err)
	}
	if l.attached.IsZero() {
		l.attached = time.Now()
	}
	return nil
}

// SetGrace changes how long Stop waits for late packets, e.g. to a few
// round-trip times once the caller has measured one.
func (l *Live) SetGrace(d time.Duration) {
	if d > 0 {
		l.grace.Store(int64(d))
	}
}

// WatchPort adds an active-mode listening port: the kernel filter is
// re-attached to keep TCP from or to it, from any address.
func (l *Live) WatchPort(port uint16) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if port == 0 || slices.Contains(l.spec.activePorts, port) {
		return nil
	}
	l.spec.activePorts = append(l.spec.activePorts, port)
	if l.halting.Load() {
		return nil
	}
	return l.attach()
}

// KeepWhole keeps TCP between the local port and the servers whole in the
// kernel filter (a data connection about to run its TLS handshake, whose
// segments are otherwise cut to headerSnap) until release is called or
// the connection's first wholeBudget bytes have passed. It fails, leaving
// the capture as it was, when maxWholePorts connections are kept whole
// already or the filter cannot be attached.
func (l *Live) KeepWhole(port uint16) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if port == 0 || port == l.cfg.ControlPort || slices.Contains(l.spec.wholePorts, port) {
		return func() {}, nil
	}
	if len(l.spec.wholePorts) >= maxWholePorts {
		return func() {}, fmt.Errorf("capture: %d data connections are kept whole already", maxWholePorts)
	}
	if l.halting.Load() {
		return func() {}, nil
	}
	l.spec.wholePorts = append(l.spec.wholePorts, port)
	if err := l.attach(); err != nil {
		l.spec.wholePorts = slices.DeleteFunc(l.spec.wholePorts, func(p uint16) bool { return p == port })
		return func() {}, err
	}
	var once sync.Once
	return func() { once.Do(func() { l.unkeep(port) }) }, nil
}

// unkeep stops keeping the given ports whole in the kernel filter.
func (l *Live) unkeep(ports ...uint16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.spec.wholePorts)
	l.spec.wholePorts = slices.DeleteFunc(l.spec.wholePorts, func(p uint16) bool { return slices.Contains(ports, p) })
	if len(l.spec.wholePorts) == n || l.halting.Load() {
		return
	}
	// A filter that cannot be attached leaves the old one: the budget
	// still cuts the connection's segments in user space.
	_ = l.attach()
}

func (l *Live) loop() {
	defer close(l.done)
	for {
		data, ci, err := l.src.ZeroCopyReadPacketData()
		if err != nil {
			if l.halting.Load() {
				return
			}
			if isTemporary(err) {
				continue
			}
			l.loopErr = fmt.Errorf("capture: read from %s: %w", l.name, err)
			return
		}
		if ci.Timestamp.Before(l.attached) {
			continue // queued before the filter was in place
		}
		packet := 0
		if l.w != nil {
			packet = l.w.n + 1
		}
		n, spent := l.keeper.keep(l.lt, data, l.cfg.ControlPort)
		data = data[:n]
		if spent != nil {
			l.unkeep(spent...)
		}
		v := l.tracker.add(l.lt, data, ci.Timestamp, packet)
		l.synWatch.check(l.tracker, v)
		if l.w == nil {
			continue
		}
		if v != nil {
			l.red.redact(v)
			if pendingChecksum(l.src) {
				fixOffloaded(v)
			}
		}
		if _, err := l.w.write(ci, data[:writeLen(v, data)]); err != nil {
			l.loopErr = err
			l.halt()
			return
		}
	}
}

// halt reads the drop counter and closes the source, once.
func (l *Live) halt() {
	l.haltOnce.Do(func() {
		l.dropCount, l.dropErr = l.src.drops()
		l.halting.Store(true)
		l.src.close()
	})
}

// Stop waits the grace period, stops the capture, saves the pcapng (PASS
// and ACCT arguments and Config.Secrets masked) if one was asked for, and
// returns the Evidence.
func (l *Live) Stop() (*Evidence, error) {
	l.stopOnce.Do(func() {
		if !l.halting.Load() {
			time.Sleep(time.Duration(l.grace.Load()))
		}
		l.halt()
		<-l.done
		l.mu.Lock()
		for _, p := range l.spec.activePorts {
			l.tracker.WatchPort(p)
		}
		filter := l.spec.String()
		l.mu.Unlock()
		ev := l.tracker.Finish(time.Now())
		ev.Interface, ev.Filter, ev.KernelDrops = l.name, filter, l.dropCount
		err := l.loopErr
		if l.w != nil {
			if werr := l.w.close(true); werr != nil && err == nil {
				err = werr
			} else if werr == nil {
				ev.PcapFile = l.cfg.PcapPath
			}
		}
		if err == nil && l.dropErr != nil {
			err = fmt.Errorf("capture: read drop counter: %w", l.dropErr)
		}
		l.ev, l.stopErr = ev, err
	})
	return l.ev, l.stopErr
}

// RouteInterface names the interface holding the local address the kernel
// would use to reach server. It sends nothing: connecting a UDP socket
// only picks a route.
func RouteInterface(server netip.Addr) (string, error) {
	local, err := routeLocalAddr(server)
	if err != nil {
		return "", err
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return "", fmt.Errorf("capture: list interfaces: %w", err)
	}
	for _, ifc := range ifs {
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == local {
					return ifc.Name, nil
				}
			}
		}
	}
	return "", fmt.Errorf("capture: no interface holds %s, the local address towards %s", local, server)
}

// routeLocalAddr returns the local address the kernel would use to reach
// server, from a connected UDP socket (no packet is sent).
func routeLocalAddr(server netip.Addr) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(server, 9)))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("capture: no route to %s: %w", server, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap().WithZone(""), nil
}

// localAddrs lists this host's addresses, for "inbound to a local port".
func localAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}

// temporary marks a source's read error worth retrying.
type temporary struct{ error }

func (temporary) Temporary() bool { return true }
func (t temporary) Unwrap() error { return t.error }

// isTemporary reports a read error worth retrying (EINTR, EAGAIN, a
// libpcap read timeout).
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}
