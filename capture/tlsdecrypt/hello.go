package tlsdecrypt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// Handshake message types (RFC 8446 section 4).
const (
	msgClientHello = 1
	msgServerHello = 2
	msgFinished    = 20
	msgKeyUpdate   = 24
)

// maxHandshakeMessage bounds one handshake message held for parsing
// (certificate chains are the longest, a few tens of KiB).
const maxHandshakeMessage = 256 << 10

// errHandshake is a handshake message this package cannot parse.
var errHandshake = errors.New("a handshake message that does not parse")

// hrrRandom is the ServerHello random of a HelloRetryRequest (RFC 8446
// section 4.1.3).
var hrrRandom = sha256.Sum256([]byte("HelloRetryRequest"))

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
// 4.1.3).
func parseServerHello(body []byte) (serverHello, error) {
	var sh serverHello
	b := body
	if len(b) < 35 {
		return sh, errHandshake
	}
	sh.version = binary.BigEndian.Uint16(b[:2])
	sh.random = bytes.Clone(b[2:34])
	sh.retry = bytes.Equal(sh.random, hrrRandom[:])
	sid := int(b[34])
	b = b[35:]
	if len(b) < sid+3 {
		return sh, errHandshake
	}
	b = b[sid:]
	sh.suite = binary.BigEndian.Uint16(b[:2])
	b = b[3:] // suite, compression method
	if len(b) < 2 {
		return sh, nil // no extensions
	}
	n := int(binary.BigEndian.Uint16(b[:2]))
	b = b[2:]
	if len(b) < n {
		return sh, errHandshake
	}
	b = b[:n]
	for len(b) >= 4 {
		typ, l := binary.BigEndian.Uint16(b[:2]), int(binary.BigEndian.Uint16(b[2:4]))
		if len(b) < 4+l {
			return sh, errHandshake
		}
		if typ == 43 && l == 2 { // supported_versions
			sh.version = binary.BigEndian.Uint16(b[4:6])
		}
		b = b[4+l:]
	}
	return sh, nil
}

// versionName names a TLS version.
func versionName(v uint16) string {
	switch v {
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	case 0x0300:
		return "SSL 3.0"
	}
	return "unknown version"
}
