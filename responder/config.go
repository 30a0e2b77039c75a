package responder

import (
	"crypto/tls"
	"errors"
	"io"
	"net/netip"
	"time"
)

// Defaults for Config. Each is a limit a legitimate ftpdiag probe stays far
// below, and low enough that a host on the Internet cannot tie the
// responder up.
const (
	// DefaultIdleTimeout bounds the wait for one command line: a person
	// typing by hand gets a minute, a slow-loris client no more.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultSessionTimeout bounds a whole control connection; a probe
	// needs seconds.
	DefaultSessionTimeout = 10 * time.Minute
	// DefaultDataTimeout bounds a data connection's connect, accept, TLS
	// handshake and transfer.
	DefaultDataTimeout = 30 * time.Second
	// DefaultMaxPerAddress is how many sessions one source address may
	// hold at once: the probe opens one per data mode (four), plus one.
	DefaultMaxPerAddress = 5
	// DefaultRatePerMinute is how many new sessions one source address may
	// open per minute (burst included): a probe run opens about five.
	DefaultRatePerMinute = 30
	// DefaultMaxSessions bounds all sessions together.
	DefaultMaxSessions = 128
	// DefaultCallbacksPerMinute is how many callbacks (SITE FTPDIAG
	// CALLBACK) one address may get per minute, burst included: a probe
	// run asks for two per passive mode, twice with TLS (eight).
	DefaultCallbacksPerMinute = 12
	// maxLineBytes bounds one command line: the longest legitimate one is
	// an EPRT with an IPv6 address (about 60 bytes) or a file name.
	maxLineBytes = 512
	// maxCommands bounds the commands of one session.
	maxCommands = 200
	// maxAuthFailures ends a session after this many wrong answers to the
	// challenge.
	maxAuthFailures = 3
	// writeTimeout bounds the write of one reply.
	writeTimeout = 30 * time.Second
)

// Config shapes a responder. The zero value of every limit means its
// Default constant.
type Config struct {
	// Version is announced in FEAT ("devel" when empty).
	Version string
	// Secret is the shared secret of the challenge; it must be set unless
	// Open is.
	Secret []byte
	// Open serves without the challenge (labs only).
	Open bool
	// TLS, when set, offers explicit FTPS (AUTH TLS) and is used by
	// listeners served with implicit TLS.
	TLS *tls.Config
	// Log receives one line per session (and nothing else); nil discards.
	Log io.Writer

	IdleTimeout    time.Duration
	SessionTimeout time.Duration
	DataTimeout    time.Duration
	MaxPerAddress  int
	RatePerMinute  int
	MaxSessions    int
	// CallbacksPerMinute bounds the callbacks to one address.
	CallbacksPerMinute int
	// LocalCallbacks lets a control connection that comes from this host
	// (a loopback address or one of the host's own) be called back: tests
	// and labs only. Off, a local user, or a proxy on this host relaying
	// clients, could have the responder connect to this host's services,
	// from port 20 when it may bind it.
	LocalCallbacks bool
	// ownAddr reports whether an address is one of this host's (tests
	// replace it; nil: isOwnAddr).
	ownAddr func(netip.Addr) bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// ErrNoSecret is returned by New when neither a secret nor Open is given.
var ErrNoSecret = errors.New("responder: no shared secret (give a secret file, or --open for a lab)")

// minSecretBytes is the shortest secret accepted: 128 bits.
const minSecretBytes = 16

// ErrShortSecret is returned by New for a secret under minSecretBytes.
var ErrShortSecret = errors.New("responder: the shared secret must be at least 16 bytes")

func (c Config) withDefaults() Config {
	if c.Version == "" {
		c.Version = "devel"
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ownAddr == nil {
		c.ownAddr = isOwnAddr
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.SessionTimeout, DefaultSessionTimeout)
	def(&c.DataTimeout, DefaultDataTimeout)
	defInt(&c.MaxPerAddress, DefaultMaxPerAddress)
	defInt(&c.RatePerMinute, DefaultRatePerMinute)
	defInt(&c.MaxSessions, DefaultMaxSessions)
	defInt(&c.CallbacksPerMinute, DefaultCallbacksPerMinute)
	return c
}

func (c Config) check() error {
	if c.Open {
		return nil
	}
	if len(c.Secret) == 0 {
		return ErrNoSecret
	}
	if len(c.Secret) < minSecretBytes {
		return ErrShortSecret
	}
	return nil
}
