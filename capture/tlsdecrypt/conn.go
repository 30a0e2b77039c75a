package tlsdecrypt

import (
	"crypto/cipher"
	"encoding/hex"
	"fmt"
)

// Status is what the decryption of one connection did.
type Status struct {
	// Version and Suite are the ServerHello's choice ("" before one was
	// read).
	Version string
	Suite   string
	// Records counts the records decrypted, both ways.
	Records int
	// Stopped says why decryption stopped or never started; "" while
	// every record was decrypted.
	Stopped string
}

// Conn decrypts both directions of one TLS connection. Each direction's
// bytes are fed in stream order, from its first byte (the ClientHello
// and the ServerHello name and choose the keys).
type Conn struct {
	keys   *KeyLog
	dir    [2]direction // 0: from the client, 1: from the server
	random []byte       // the ClientHello's
	sh     *serverHello
	suite  *suite
	sec    *secrets
	st     Status
}

// direction is one way's record layer state.
type direction struct {
	buf    []byte // the record not yet whole
	hs     hsReader
	open   *opener // nil until the direction is encrypted
	secret []byte  // TLS 1.3: the current traffic secret
	// next is set when the record being read ends a key's use (TLS 1.3
	// Finished or KeyUpdate): the secret that follows.
	next     []byte
	finished bool // the encrypted Finished was read
	// pending: TLS 1.2, the direction is encrypted (its ChangeCipherSpec
	// came) and the master secret is still to be found (trialOpen).
	pending bool
}

// NewConn returns a Conn that looks its secrets up in keys.
func NewConn(keys *KeyLog) *Conn { return &Conn{keys: keys} }

// Status returns what the decryption did so far.
func (c *Conn) Status() Status { return c.st }

// Stopped reports whether decryption stopped: what follows is unread.
func (c *Conn) Stopped() bool { return c.st.Stopped != "" }

// Lost tells the Conn that bytes of one direction's stream are missing
// from the capture: record boundaries and sequence numbers are lost, so
// decryption stops.
func (c *Conn) Lost(fromClient bool) {
	c.stop("the capture lost bytes of the TLS stream from the %s: the records after them cannot be read", side(fromClient))
}

// Feed takes the next bytes of one direction and returns the
// application data of the records they complete.
func (c *Conn) Feed(fromClient bool, b []byte) []byte {
	if c.Stopped() || len(b) == 0 {
		return nil
	}
	i := 1
	if fromClient {
		i = 0
	}
	d := &c.dir[i]
	d.buf = append(d.buf, b...)
	recs, rest, err := records(d.buf)
	var out []byte
	for _, r := range recs {
		p, ok := c.record(d, fromClient, r)
		if !ok {
			return out
		}
		out = append(out, p...)
	}
	if err != nil {
		c.stop("the stream from the %s holds %v", side(fromClient), err)
		return out
	}
	if len(recs) > 0 {
		d.buf = append(d.buf[:0:0], rest...) // not to pin the records read
	}
	return out
}

// record handles one record; ok is false once decryption stopped.
func (c *Conn) record(d *direction, fromClient bool, r record) ([]byte, bool) {
	if d.pending {
		return c.trialOpen(d, fromClient, r)
	}
	if d.open == nil {
		return nil, c.clearRecord(d, fromClient, r)
	}
	if c.suite.tls13 && (r.typ == typeChangeCipherSpec || r.typ == typeAlert) {
		return nil, true // compatibility CCS; an alert sent in the clear
	}
	typ, pt, err := d.open.open(r)
	if err != nil {
		c.stop("record %d from the %s did not authenticate with the key log's secrets (a key log of another session, or a capture altered)", d.open.seq+1, side(fromClient))
		return nil, false
	}
	c.st.Records++
	switch typ {
	case typeApplicationData:
		return pt, true
	case typeHandshake:
		return nil, c.encryptedHandshake(d, fromClient, pt)
	}
	return nil, true // alerts: close_notify, or the peer's complaint
}

// clearRecord handles a record sent before the direction's keys.
func (c *Conn) clearRecord(d *direction, fromClient bool, r record) bool {
	switch r.typ {
	case typeHandshake:
		msgs, err := d.hs.add(r.body)
		for _, m := range msgs {
			if !c.clearMessage(d, fromClient, m) {
				return false
			}
		}
		if err != nil {
			c.stop("the %s sent %v", side(fromClient), err)
			return false
		}
	case typeChangeCipherSpec:
		if c.suite == nil || c.suite.tls13 {
			return true // TLS 1.3's compatibility CCS, or before a ServerHello
		}
		return c.start12(d, fromClient)
	case typeApplicationData:
		c.stop("the %s sent encrypted records before the ServerHello chose keys (0-RTT early data, or a capture started inside the handshake)", side(fromClient))
		return false
	}
	return true // an alert in the clear: the handshake failed
}

// clearMessage reads a handshake message sent in the clear.
func (c *Conn) clearMessage(d *direction, fromClient bool, m message) bool {
	switch {
	case fromClient && m.typ == msgClientHello:
		r, err := clientRandom(m.body)
		if err != nil {
			c.stop("the ClientHello does not parse")
			return false
		}
		if c.random == nil {
			c.random = r
		}
	case !fromClient && m.typ == msgServerHello:
		sh, err := parseServerHello(m.body)
		if err != nil {
			c.stop("the ServerHello does not parse")
			return false
		}
		if sh.retry {
			return true // HelloRetryRequest: another ServerHello follows
		}
		return c.serverHello(d, sh)
	}
	return true
}

// serverHello notes the server's choice and looks the keys up.
func (c *Conn) serverHello(d *direction, sh serverHello) bool {
	c.sh = &sh
	c.st.Version, c.st.Suite = versionName(sh.version), suiteName(sh.suite)
	s := suites[sh.suite]
	switch {
	case sh.version != 0x0303 && sh.version != 0x0304:
		c.stop("%s is not decrypted (TLS 1.2 and 1.3 are)", versionName(sh.version))
		return false
	case s == nil || s.tls13 != (sh.version == 0x0304):
		c.stop("cipher suite %s is not decrypted (AES-GCM and ChaCha20-Poly1305 suites are)", suiteName(sh.suite))
		return false
	case c.random == nil:
		c.stop("the ClientHello is not in the capture: its random names the session in the key log")
		return false
	}
	c.suite = s
	c.sec = c.keys.lookup(c.random)
	if !s.tls13 {
		if c.sec == nil || c.sec.master == nil {
			if c.keys.masters(1) == nil {
				c.stop("the key log has no CLIENT_RANDOM line for this session (client random %s)", c.randomHex())
				return false
			}
			c.sec = nil // resumed, maybe: trialOpen
		}
		return true
	}
	if c.sec == nil || c.sec.clientHS == nil || c.sec.serverHS == nil {
		c.stop("the key log has no CLIENT_HANDSHAKE_TRAFFIC_SECRET and SERVER_HANDSHAKE_TRAFFIC_SECRET lines for this session (client random %s)", c.randomHex())
		return false
	}
	// TLS 1.3: every record after the ServerHello is encrypted, each way
	// under its handshake traffic secret.
	if !c.key13(&c.dir[0], c.sec.clientHS) || !c.key13(d, c.sec.serverHS) {
		return false
	}
	return true
}

// maxTrials bounds the master secrets tried on a resumed session.
const maxTrials = 4096

// trialOpen finds the master secret of a TLS 1.2 session the key log has
// no CLIENT_RANDOM line for: an abbreviated handshake resumes a session
// and its master secret, and some clients (Go's crypto/tls) log only full
// handshakes, under the first session's client random. The direction's
// first encrypted record is opened with the keys each logged master
// secret gives for this session's randoms: the one whose AEAD tag
// verifies is the session's (other keys fail authentication), no guess.
func (c *Conn) trialOpen(d *direction, fromClient bool, r record) ([]byte, bool) {
	if c.sec == nil {
		masters := c.keys.masters(maxTrials)
		for _, m := range masters {
			o, err := c.opener12(m, fromClient)
			if err != nil {
				break
			}
			if _, _, err := o.open(r); err == nil {
				c.sec = &secrets{master: m}
				break
			}
		}
		if c.sec == nil {
			c.stop("the key log has no CLIENT_RANDOM line for this session (client random %s), and none of the %d master secrets it holds opens its records (the session it resumed is not in the key log)", c.randomHex(), len(masters))
			return nil, false
		}
	}
	for i := range c.dir {
		if c.dir[i].pending {
			c.dir[i].pending = false
			if !c.start12(&c.dir[i], i == 0) {
				return nil, false
			}
		}
	}
	return c.record(d, fromClient, r)
}

// opener12 returns one direction's TLS 1.2 opener for a master secret.
func (c *Conn) opener12(master []byte, fromClient bool) (*opener, error) {
	k := keyBlock12(c.suite, master, c.random, c.sh.random)
	key, iv := k.serverKey, k.serverIV
	if fromClient {
		key, iv = k.clientKey, k.clientIV
	}
	aead, err := c.suite.newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &opener{aead: aead, iv: iv}, nil
}

// start12 turns a TLS 1.2 direction's encryption on at its
// ChangeCipherSpec.
func (c *Conn) start12(d *direction, fromClient bool) bool {
	if c.sec == nil {
		d.pending = true // the master secret is found at its first record
		return true
	}
	o, err := c.opener12(c.sec.master, fromClient)
	if err != nil {
		c.stop("cannot key %s: %v", c.suite.name, err)
		return false
	}
	d.open = o
	return true
}

// key13 keys a TLS 1.3 direction with a traffic secret.
func (c *Conn) key13(d *direction, secret []byte) bool {
	if len(secret) != c.suite.hash().Size() {
		c.stop("the key log's secret for this session has the wrong length for %s", c.suite.name)
		return false
	}
	key, iv, err := trafficKeys13(c.suite, secret)
	var aead cipher.AEAD
	if err == nil {
		aead, err = c.suite.newAEAD(key)
	}
	if err != nil {
		c.stop("cannot key %s: %v", c.suite.name, err)
		return false
	}
	d.open, d.secret = &opener{aead: aead, iv: iv, tls13: true}, secret
	return true
}

// encryptedHandshake reads handshake messages sent under encryption: the
// Finished that ends a TLS 1.3 handshake key's use, a KeyUpdate.
func (c *Conn) encryptedHandshake(d *direction, fromClient bool, pt []byte) bool {
	msgs, err := d.hs.add(pt)
	if err != nil {
		c.stop("the %s sent %v", side(fromClient), err)
		return false
	}
	for _, m := range msgs {
		if !c.suite.tls13 {
			if d.finished {
				c.stop("the %s renegotiated the session: the new keys are not followed", side(fromClient))
				return false
			}
			d.finished = m.typ == msgFinished
			continue
		}
		switch m.typ {
		case msgFinished:
			if d.finished {
				continue
			}
			d.finished = true
			next := c.apSecret(fromClient)
			if next == nil {
				c.stop("the key log has no %s line for this session (client random %s)", apLabel(fromClient), c.randomHex())
				return false
			}
			d.next = next
		case msgKeyUpdate:
			next, err := nextSecret13(c.suite, d.secret)
			if err != nil {
				c.stop("cannot follow the %s's KeyUpdate: %v", side(fromClient), err)
				return false
			}
			d.next = next
		}
	}
	if d.next != nil {
		if !d.hs.empty() {
			c.stop("the %s changed keys inside a handshake message", side(fromClient))
			return false
		}
		next := d.next
		d.next = nil
		return c.key13(d, next)
	}
	return true
}

// apSecret is a direction's first application traffic secret.
func (c *Conn) apSecret(fromClient bool) []byte {
	if fromClient {
		return c.sec.clientAP
	}
	return c.sec.serverAP
}

func apLabel(fromClient bool) string {
	if fromClient {
		return labelClientAP
	}
	return labelServerAP
}

// randomHex abbreviates the client random for messages.
func (c *Conn) randomHex() string {
	return hex.EncodeToString(c.random[:8]) + "…"
}

// stop ends decryption (the first reason is kept).
func (c *Conn) stop(format string, args ...any) {
	if c.st.Stopped == "" {
		c.st.Stopped = fmt.Sprintf(format, args...)
	}
	c.dir = [2]direction{}
}

func side(fromClient bool) string {
	if fromClient {
		return "client"
	}
	return "server"
}
