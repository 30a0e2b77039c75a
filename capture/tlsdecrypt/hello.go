package tlsdecrypt

import (
	"bytes"
	"errors"

	"github.com/ftpdiag/ftpdiag/capture/tlswire"
)

// Handshake message types (RFC 8446 section 4).
const (
	msgClientHello = tlswire.TypeClientHello
	msgServerHello = tlswire.TypeServerHello
	msgFinished    = tlswire.TypeFinished
	msgKeyUpdate   = tlswire.TypeKeyUpdate
)

// maxHandshakeMessage bounds one handshake message held for parsing
// (certificate chains are the longest, a few tens of KiB).
const maxHandshakeMessage = 256 << 10

// errHandshake is a handshake message this package cannot parse.
var errHandshake = errors.New("a handshake message that does not parse")

// message is one handshake message.
type message struct {
	typ  byte
	body []byte
}

// hsReader reassembles handshake messages, which may span records.
type hsReader struct{ buf []byte }

// add takes a handshake record's content and returns the messages it
// completes.
func (h *hsReader) add(p []byte) ([]message, error) {
	h.buf = append(h.buf, p...)
	var out []message
	for len(h.buf) >= 4 {
		n := int(h.buf[1])<<16 | int(h.buf[2])<<8 | int(h.buf[3])
		if n > maxHandshakeMessage {
			return out, errHandshake
		}
		if len(h.buf) < 4+n {
			break
		}
		out = append(out, message{typ: h.buf[0], body: bytes.Clone(h.buf[4 : 4+n])})
		h.buf = h.buf[4+n:]
	}
	if len(h.buf) == 0 {
		h.buf = nil
	}
	return out, nil
}

// empty reports whether no partial message is held (a key change must
// fall on a message boundary).
func (h *hsReader) empty() bool { return len(h.buf) == 0 }

// clientRandom returns a ClientHello's random.
func clientRandom(body []byte) ([]byte, error) {
	if len(body) < 34 {
		return nil, errHandshake
	}
	return bytes.Clone(body[2:34]), nil
}

// serverHello is what the decryption needs of a ServerHello.
type serverHello struct {
	random  []byte
	suite   uint16
	version uint16 // negotiated: supported_versions if present
	retry   bool   // a HelloRetryRequest
}

// parseServerHello reads a ServerHello body (RFC 5246 7.4.1.3, RFC 8446
// 4.1.3) with tlswire, the reader the handshake facts use too.
func parseServerHello(body []byte) (serverHello, error) {
	sh, ok := tlswire.ParseServerHello(body)
	if !ok {
		return serverHello{}, errHandshake
	}
	return serverHello{random: bytes.Clone(sh.Random), suite: sh.CipherSuite, version: sh.Version, retry: sh.Retry}, nil
}

// versionName names a TLS version.
func versionName(v uint16) string {
	if name, ok := tlswire.VersionName(v); ok {
		return name
	}
	return "unknown version"
}
