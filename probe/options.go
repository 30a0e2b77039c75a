package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Defaults for Options; each is a wait a person would accept before calling
// a step failed on a LAN or the Internet.
const (
	DefaultConnectTimeout = 5 * time.Second  // TCP connect of the control connection
	DefaultDataTimeout    = 5 * time.Second  // data connect/accept and each data read
	DefaultReplyTimeout   = 10 * time.Second // each control reply (servers may do reverse DNS)
	// DefaultRetrBytes is how much of a file is read before ABOR: a listing
	// is usually one small segment, 256 KiB is some 180 full-size segments,
	// enough to meet a path-MTU black hole.
	DefaultRetrBytes = 256 << 10
	// DefaultStallTimeout is how long a transfer that has started may make
	// no progress before it counts as stalled: longer than TCP's first few
	// retransmissions (1 s, 2 s), short enough to answer in seconds.
	DefaultStallTimeout = 3 * time.Second
	// DefaultTransferTimeout bounds one whole LIST, RETR or STOR, so a
	// server that trickles a byte now and then cannot hold the probe.
	DefaultTransferTimeout = 60 * time.Second
	// maxRetrCandidate is the size under which a listed file is small enough
	// to download.
	maxRetrCandidate = 1 << 20
	// maxListBytes caps a LIST; a listing that never ends is aborted there.
	maxListBytes = 4 << 20
	// maxListKeep is how much of a listing is kept to pick a file.
	maxListKeep = 256 << 10
)

// Dialer opens TCP connections (net.Dialer satisfies it).
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Listener opens the listening socket active mode needs (net.ListenConfig
// satisfies it).
type Listener interface {
	Listen(ctx context.Context, network, address string) (net.Listener, error)
}

// Resolver resolves host names (net.Resolver satisfies it).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// PortRange is an inclusive range of local ports for active mode.
type PortRange struct{ Min, Max uint16 }

// String renders the range as "A-B" ("" when unset).
func (r PortRange) String() string {
	if r.Min == 0 {
		return ""
	}
	return fmt.Sprintf("%d-%d", r.Min, r.Max)
}

// ParsePortRange parses "A-B" (or a single port).
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, found := strings.Cut(s, "-")
	if !found {
		hi = lo
	}
	a, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	b, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if err1 != nil || err2 != nil || a == 0 || b < a {
		return PortRange{}, fmt.Errorf("bad port range %q: want A-B with 1 <= A <= B <= 65535", s)
	}
	return PortRange{Min: uint16(a), Max: uint16(b)}, nil
}

// Options shape a probe run. The zero value is usable: network seams
// default to the real network and timeouts to the Default constants.
type Options struct {
	ConnectTimeout time.Duration
	DataTimeout    time.Duration
	ReplyTimeout   time.Duration
	// TrustPasvAddress allows dialling an address announced in a 227 reply
	// that differs from the control peer.
	TrustPasvAddress bool
	// ActivePorts restricts the local ports listened on for EPRT/PORT.
	ActivePorts PortRange
	// RetrBytes caps how much of the chosen file is read before ABOR.
	RetrBytes int64
	// StallTimeout is how long a started transfer may make no progress
	// before it is reported as stalled (DefaultStallTimeout when 0).
	StallTimeout time.Duration
	// TransferTimeout bounds one whole transfer (DefaultTransferTimeout).
	TransferTimeout time.Duration
	// CallbackWait, when positive, fixes how long active mode waits for the
	// server's connection (at most DataTimeout), and for the PORT/EPRT
	// reply while nothing has reached the listener (at most ReplyTimeout);
	// 0 scales both waits by the measured round trips (active.go,
	// activesetup.go).
	CallbackWait time.Duration
	// RunTimeout bounds the whole run (DefaultRunTimeout when 0): when it
	// passes, every wait ends and the result says the run was cut short.
	RunTimeout time.Duration
	// Upload runs the STOR/SIZE/DELE test (upload.go) on one working mode.
	Upload bool
	// PasvSamples is how many passive replies each passive mode collects
	// to infer the passive port range (DefaultPasvSamples when 0; negative
	// means no extra samples).
	PasvSamples int
	// Modes to probe; nil means AllModes.
	Modes []Mode
	// TLS: explicit/implicit FTPS, protection level, certificate trust.
	TLS TLSOptions
	// ResponderSecret is the shared secret of an ftpdiag responder
	// (responder.go); never sent, only used for the challenge's HMAC.
	ResponderSecret []byte

	Dialer   Dialer
	Listener Listener
	Resolver Resolver
	// Now is the clock; time.Now when nil (its monotonic reading is used).
	Now func() time.Time
	// BeforeConnect is called once the server's address is known, before
	// the first packet is sent to it, with the probe's zero time (a capture
	// starts here so that it sees every SYN, on the same timeline). An
	// error aborts the run before any connection: Run returns it.
	BeforeConnect func(server netip.AddrPort, zero time.Time) error
	// WatchSYN, when a capture runs beside the probe, returns a channel
	// closed once a SYN to dst has been retransmitted without answer, and a
	// function to stop watching. The probe then ends that data connection
	// attempt as filtered instead of waiting for the data timeout.
	WatchSYN func(dst netip.AddrPort) (<-chan struct{}, func())
	// SocketReader reads a connecting passive data socket's TCP state
	// (SYN retransmissions) so that, without a capture, a SYN resent with
	// no answer ends the attempt as filtered before the data timeout.
	// ReadSocket (the platform's) when nil; it needs no privilege and
	// applies only when Dialer is a *net.Dialer.
	SocketReader SocketReader
	// OnListen is called with each local port opened for active mode, before
	// the PORT/EPRT command is sent (a capture uses it to watch the port).
	OnListen func(port uint16)
	// OnDataTLS is called with a data connection's local address before
	// its TLS handshake starts (a capture keeps the connection's segments
	// whole so that its handshake can be read); the probe calls release
	// when it closes the connection.
	OnDataTLS func(local netip.AddrPort) (release func())
	// OnProgress is called when a mode starts a stage ("connect", "login",
	// "LIST", "RETR", "done"); it must not block.
	OnProgress func(m Mode, stage string)
}

func (o Options) withDefaults() (Options, error) {
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.DataTimeout == 0 {
		o.DataTimeout = DefaultDataTimeout
	}
	if o.ReplyTimeout == 0 {
		o.ReplyTimeout = DefaultReplyTimeout
	}
	if o.RetrBytes == 0 {
		o.RetrBytes = DefaultRetrBytes
	}
	if o.StallTimeout == 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	if o.TransferTimeout == 0 {
		o.TransferTimeout = DefaultTransferTimeout
	}
	if o.RunTimeout == 0 {
		o.RunTimeout = DefaultRunTimeout
	}
	if o.StallTimeout < 0 || o.TransferTimeout < 0 || o.CallbackWait < 0 || o.RunTimeout < 0 {
		return o, errors.New("the stall, transfer, callback and run timeouts must not be negative")
	}
	if o.ConnectTimeout < 0 || o.DataTimeout < 0 || o.ReplyTimeout < 0 || o.RetrBytes < 0 {
		return o, errors.New("timeouts and byte limits must not be negative")
	}
	if o.PasvSamples == 0 {
		o.PasvSamples = DefaultPasvSamples
	}
	if len(o.Modes) == 0 {
		o.Modes = AllModes
	}
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{}
	}
	if o.Listener == nil {
		o.Listener = &net.ListenConfig{}
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SocketReader == nil {
		o.SocketReader = ReadSocket
	}
	if o.OnListen == nil {
		o.OnListen = func(uint16) {}
	}
	if o.OnProgress == nil {
		o.OnProgress = func(Mode, string) {}
	}
	return o, nil
}
