package capture

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// The TLS handshake as the wire shows it, without keys: the hellos in
// clear, the records' types and lengths afterwards (RFC 5246, RFC 8446).
// Every length read from the wire is checked against the bytes that hold
// it; nothing here allocates more than the message it was given.

// TLSFacts is what the wire showed of the TLS on one connection: the
// hellos, whether the session was resumed, whether the handshake
// completed, alerts, and what flowed after. Facts only.
type TLSFacts struct {
	// ClientSide is the end that sent the ClientHello (initiator or
	// responder: in active-mode FTPS the server opens the connection and
	// the FTP client is still the TLS client).
	ClientSide Side         `json:"client_side"`
	Client     *ClientHello `json:"client_hello,omitempty"`
	// HelloRetry is set when the server answered a first ClientHello with
	// a HelloRetryRequest (TLS 1.3); Client is then the second one.
	HelloRetry bool         `json:"hello_retry,omitempty"`
	Server     *ServerHello `json:"server_hello,omitempty"`
	// Resumption is how the session was set up: "psk" (TLS 1.3
	// pre_shared_key selected), "session-id" (TLS 1.2 and older: the
	// server echoed the client's session ID and skipped its certificate),
	// "ticket" (RFC 5077: an offered ticket accepted), "none" (a full
	// handshake), "" when the capture does not show it.
	Resumption string `json:"resumption,omitempty"`
	// Completed is set when both sides finished the handshake: TLS 1.2,
	// each side's ChangeCipherSpec followed by its Finished; TLS 1.3,
	// the server's encrypted flight and a client record after it.
	Completed   bool       `json:"completed"`
	CompletedAt *PacketRef `json:"completed_at,omitempty"`
	// Records of application data (content type 23) after the handshake,
	// and their bytes (record lengths, with their encryption overhead),
	// from each TLS side. In TLS 1.3 the server's session tickets travel
	// in such records too.
	AppRecordsFromClient int   `json:"app_records_from_client"`
	AppRecordsFromServer int   `json:"app_records_from_server"`
	AppBytesFromClient   int64 `json:"app_bytes_from_client"`
	AppBytesFromServer   int64 `json:"app_bytes_from_server"`
	// Alerts are the alert records seen (at most maxFacts).
	Alerts []TLSAlert `json:"alerts,omitempty"`
	// Unreadable says why the records could not be followed to the end
	// ("" when they were): a hole in the capture, bytes that are no TLS
	// record, a message over the parse bounds.
	Unreadable string `json:"unreadable,omitempty"`
}

// ClientHello is what a ClientHello offered.
type ClientHello struct {
	PacketRef
	// Versions offered: the supported_versions extension when present
	// (TLS 1.3 clients), else the legacy version field alone.
	Versions []string `json:"versions"`
	// SessionIDLen and SessionID (a short hash of its bytes, to compare
	// with other connections'): the legacy session ID offered. In TLS
	// 1.2 a non-empty one the server knows resumes that session; TLS 1.3
	// clients send a random one for compatibility.
	SessionIDLen int    `json:"session_id_len"`
	SessionID    string `json:"session_id,omitempty"`
	// Ticket is set when the session_ticket extension was sent; TicketLen
	// is its length (0: "send me a ticket", more: a ticket offered for
	// resumption), TicketHash a short hash of the ticket.
	Ticket     bool   `json:"session_ticket,omitempty"`
	TicketLen  int    `json:"session_ticket_len,omitempty"`
	TicketHash string `json:"session_ticket_hash,omitempty"`
	// PSKIdentities counts the pre_shared_key identities offered (TLS
	// 1.3 resumption); PSKIdentity hashes the first.
	PSKIdentities int    `json:"psk_identities,omitempty"`
	PSKIdentity   string `json:"psk_identity,omitempty"`
	// ExtendedMasterSecret: the extended_master_secret extension (RFC
	// 7627), which some servers (Windows since 2019) demand on resumption.
	ExtendedMasterSecret bool   `json:"extended_master_secret,omitempty"`
	ServerName           string `json:"server_name,omitempty"`
}

// ServerHello is what the server chose.
type ServerHello struct {
	PacketRef
	Version      string `json:"version"`
	SessionIDLen int    `json:"session_id_len"`
	SessionID    string `json:"session_id,omitempty"`
	// SessionIDEchoed: the session ID is the client's own, non-empty. In
	// TLS 1.2 that is a resumption; TLS 1.3 servers always echo it.
	SessionIDEchoed bool `json:"session_id_echoed,omitempty"`
	// PSKSelected: the pre_shared_key extension (TLS 1.3: resumed).
	PSKSelected bool `json:"psk_selected,omitempty"`
	// Ticket: the session_ticket extension (TLS 1.2: a ticket follows).
	Ticket               bool `json:"session_ticket,omitempty"`
	ExtendedMasterSecret bool `json:"extended_master_secret,omitempty"`
	// Certificate: the server sent its certificate in clear (TLS 1.2 and
	// older): a full handshake.
	Certificate bool `json:"certificate,omitempty"`
	// NewTicket hashes the ticket of a NewSessionTicket sent in clear
	// (TLS 1.2), to compare with what later connections offer.
	NewTicket string `json:"new_ticket,omitempty"`
}

// TLSAlert is one alert record. An encrypted one (after ChangeCipherSpec
// in TLS 1.2) shows its record type only; TLS 1.3 alerts look like data.
type TLSAlert struct {
	PacketRef
	From        Side   `json:"from"`
	Encrypted   bool   `json:"encrypted,omitempty"`
	Level       int    `json:"level,omitempty"`
	Description int    `json:"description,omitempty"`
	Text        string `json:"text"`
}

// Resumed reports whether the wire shows the session resumed.
func (f *TLSFacts) Resumed() bool {
	return f != nil && (f.Resumption == "psk" || f.Resumption == "session-id" || f.Resumption == "ticket")
}

// Version is the version the server chose, "" when no ServerHello.
func (f *TLSFacts) Version() string {
	if f == nil || f.Server == nil {
		return ""
	}
	return f.Server.Version
}

// TLS record content types and handshake message types.
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23

	hsClientHello      = 1
	hsServerHello      = 2
	hsNewSessionTicket = 4
	hsCertificate      = 11

	// maxRecordLen is the longest record any version allows
	// (TLSCiphertext: 2^14 + 2048).
	maxRecordLen = 1<<14 + 2048
	// maxHelloLen bounds a hello or ticket message kept for parsing: real
	// ones are a few hundred bytes (post-quantum key shares, 2 KB).
	maxHelloLen = 16 << 10
)

// Extension numbers read.
const (
	extServerName           = 0
	extExtendedMasterSecret = 23
	extSessionTicket        = 35
	extPreSharedKey         = 41
	extSupportedVersions    = 43
)

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest
// (RFC 8446, 4.1.3).
var helloRetryRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// versionName names a protocol version ("TLS 1.2"); GREASE and unknown
// values by their number.
func versionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// isGrease reports a GREASE value (RFC 8701): 0x?a?a.
func isGrease(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// shortHash is a short, stable name for opaque bytes (a session ID, a
// ticket): equal bytes, equal names; the bytes themselves are not kept.
func shortHash(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:6])
}

// reader reads big-endian fields with bounds checks: a short read sets
// bad and returns zeros, so a parse checks ok() once at the end.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) u8() int {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() int {
	if len(r.b) < 2 {
		r.bad = true
		r.b = nil
		return 0
	}
	v := int(r.b[0])<<8 | int(r.b[1])
	r.b = r.b[2:]
	return v
}

// bytes takes n bytes (a sub-slice, not a copy).
func (r *reader) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// vec8 and vec16 take a vector with a 1- or 2-byte length.
func (r *reader) vec8() []byte  { return r.bytes(r.u8()) }
func (r *reader) vec16() []byte { return r.bytes(r.u16()) }

func (r *reader) ok() bool { return !r.bad }

// extensions calls fn for each extension of a hello's extension block
// (absent: none). It reports false when the block is malformed.
func extensions(r *reader, fn func(typ int, body []byte)) bool {
	if len(r.b) == 0 {
		return r.ok()
	}
	all := reader{b: r.vec16()}
	if !r.ok() {
		return false
	}
	for len(all.b) > 0 && all.ok() {
		typ := all.u16()
		body := all.vec16()
		if all.ok() {
			fn(typ, body)
		}
	}
	return all.ok()
}

// parseClientHello reads a ClientHello body (after the 4-byte handshake
// header).
func parseClientHello(body []byte) (*ClientHello, bool) {
	r := &reader{b: body}
	legacy := uint16(r.u16())
	r.bytes(32) // random
	sid := r.vec8()
	r.vec16() // cipher suites
	r.vec8()  // compression methods
	if !r.ok() || len(sid) > 32 {
		return nil, false
	}
	ch := &ClientHello{SessionIDLen: len(sid), SessionID: shortHash(sid)}
	var versions []string
	good := extensions(r, func(typ int, b []byte) {
		switch typ {
		case extSupportedVersions:
			e := reader{b: b}
			list := reader{b: e.vec8()}
			for len(list.b) >= 2 {
				if v := uint16(list.u16()); !isGrease(v) {
					versions = append(versions, versionName(v))
				}
			}
		case extSessionTicket:
			ch.Ticket, ch.TicketLen, ch.TicketHash = true, len(b), shortHash(b)
		case extPreSharedKey:
			e := reader{b: b}
			ids := reader{b: e.vec16()}
			for len(ids.b) > 0 && ids.ok() {
				id := ids.vec16()
				ids.bytes(4) // obfuscated_ticket_age
				if ids.ok() {
					if ch.PSKIdentities == 0 {
						ch.PSKIdentity = shortHash(id)
					}
					ch.PSKIdentities++
				}
			}
		case extExtendedMasterSecret:
			ch.ExtendedMasterSecret = true
		case extServerName:
			ch.ServerName = serverName(b)
		}
	})
	if !good {
		return nil, false
	}
	if len(versions) == 0 {
		versions = []string{versionName(legacy)}
	}
	ch.Versions = versions
	return ch, true
}

// serverName returns the host_name of a server_name extension when it is
// printable (a name, not bytes to be shown raw), else "".
func serverName(b []byte) string {
	e := reader{b: b}
	list := reader{b: e.vec16()}
	for len(list.b) > 0 && list.ok() {
		typ := list.u8()
		name := list.vec16()
		if !list.ok() || typ != 0 || len(name) == 0 || len(name) > 255 {
			continue
		}
		for _, c := range name {
			if c <= 0x20 || c >= 0x7f {
				return ""
			}
		}
		return string(name)
	}
	return ""
}

// parseServerHello reads a ServerHello body; retry reports a
// HelloRetryRequest.
func parseServerHello(body []byte, ch *ClientHello) (sh *ServerHello, retry, ok bool) {
	r := &reader{b: body}
	legacy := uint16(r.u16())
	random := r.bytes(32)
	sid := r.vec8()
	r.u16() // cipher suite
	r.u8()  // compression method
	if !r.ok() || len(sid) > 32 {
		return nil, false, false
	}
	retry = [32]byte(random) == helloRetryRandom
	sh = &ServerHello{Version: versionName(legacy), SessionIDLen: len(sid), SessionID: shortHash(sid)}
	good := extensions(r, func(typ int, b []byte) {
		switch typ {
		case extSupportedVersions:
			if len(b) == 2 {
				sh.Version = versionName(uint16(b[0])<<8 | uint16(b[1]))
			}
		case extPreSharedKey:
			sh.PSKSelected = true
		case extSessionTicket:
			sh.Ticket = true
		case extExtendedMasterSecret:
			sh.ExtendedMasterSecret = true
		}
	})
	if !good {
		return nil, false, false
	}
	sh.SessionIDEchoed = ch != nil && len(sid) > 0 && ch.SessionIDLen == len(sid) && ch.SessionID == sh.SessionID
	return sh, retry, true
}

// parseNewTicket returns the hash of the ticket of a TLS 1.2
// NewSessionTicket body (lifetime hint, then the ticket).
func parseNewTicket(body []byte) (string, bool) {
	r := &reader{b: body}
	r.bytes(4)
	t := r.vec16()
	return shortHash(t), r.ok()
}

// alertText names an alert (RFC 8446 6, RFC 5246 7.2).
func alertText(level, desc int) string {
	names := map[int]string{
		0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
		40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
		44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
		47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
		51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security",
		80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
		100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
		112: "unrecognized_name", 115: "unknown_psk_identity", 116: "certificate_required",
		120: "no_application_protocol",
	}
	name, ok := names[desc]
	if !ok {
		name = fmt.Sprintf("alert %d", desc)
	}
	switch level {
	case 1:
		return "warning " + name
	case 2:
		return "fatal " + name
	}
	return name
}
