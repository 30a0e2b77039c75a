package tlswire

import "fmt"

// TLS record content types.
const (
	RecordChangeCipherSpec = 20
	RecordAlert            = 21
	RecordHandshake        = 22
	RecordApplicationData  = 23
)

// Handshake message types.
const (
	TypeClientHello      = 1
	TypeServerHello      = 2
	TypeNewSessionTicket = 4
	TypeCertificate      = 11
	TypeFinished         = 20
	TypeKeyUpdate        = 24
)

// Extension numbers read.
const (
	ExtServerName           = 0
	ExtExtendedMasterSecret = 23
	ExtSessionTicket        = 35
	ExtPreSharedKey         = 41
	ExtSupportedVersions    = 43
)

// HelloRetryRandom is the ServerHello.random of a HelloRetryRequest (RFC
// 8446, 4.1.3).
var HelloRetryRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// VersionName names a protocol version ("TLS 1.2"); ok is false for a
// value that names none (GREASE, unknown), named by its number.
func VersionName(v uint16) (name string, ok bool) {
	switch v {
	case 0x0300:
		return "SSL 3.0", true
	case 0x0301:
		return "TLS 1.0", true
	case 0x0302:
		return "TLS 1.1", true
	case 0x0303:
		return "TLS 1.2", true
	case 0x0304:
		return "TLS 1.3", true
	}
	return fmt.Sprintf("0x%04x", v), false
}

// IsGrease reports a GREASE value (RFC 8701): 0x?a?a.
func IsGrease(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// ClientHello is what a ClientHello body holds of interest.
type ClientHello struct {
	LegacyVersion uint16
	Random        []byte
	// SessionID is the legacy session ID offered (at most 32 bytes).
	SessionID []byte
	// Versions lists the supported_versions extension's values, GREASE
	// left out, in order; nil without the extension.
	Versions []uint16
	// Ticket is set when the session_ticket extension was sent;
	// TicketData is its body (empty: "send me a ticket").
	Ticket     bool
	TicketData []byte
	// PSKIdentities are the pre_shared_key identities offered (TLS 1.3
	// resumption).
	PSKIdentities [][]byte
	// ExtendedMasterSecret: the extended_master_secret extension (RFC 7627).
	ExtendedMasterSecret bool
	// ServerName is the server_name extension's host_name when printable,
	// else "".
	ServerName string
}

// ParseClientHello reads a ClientHello body (after the 4-byte handshake
// header); ok is false when it is malformed.
func ParseClientHello(body []byte) (ch ClientHello, ok bool) {
	r := &reader{b: body}
	ch.LegacyVersion = uint16(r.u16())
	ch.Random = r.bytes(32)
	ch.SessionID = r.vec8()
	r.vec16() // cipher suites
	r.vec8()  // compression methods
	if !r.ok() || len(ch.SessionID) > 32 {
		return ClientHello{}, false
	}
	good := extensions(r, func(typ int, b []byte) {
		switch typ {
		case ExtSupportedVersions:
			e := reader{b: b}
			list := reader{b: e.vec8()}
			ch.Versions = []uint16{}
			for len(list.b) >= 2 {
				if v := uint16(list.u16()); !IsGrease(v) {
					ch.Versions = append(ch.Versions, v)
				}
			}
		case ExtSessionTicket:
			ch.Ticket, ch.TicketData = true, b
		case ExtPreSharedKey:
			e := reader{b: b}
			ids := reader{b: e.vec16()}
			for len(ids.b) > 0 && ids.ok() {
				id := ids.vec16()
				ids.bytes(4) // obfuscated_ticket_age
				if ids.ok() {
					ch.PSKIdentities = append(ch.PSKIdentities, id)
				}
			}
		case ExtExtendedMasterSecret:
			ch.ExtendedMasterSecret = true
		case ExtServerName:
			ch.ServerName = serverName(b)
		}
	})
	if !good {
		return ClientHello{}, false
	}
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

// ServerHello is what a ServerHello (or HelloRetryRequest) body holds of
// interest.
type ServerHello struct {
	LegacyVersion uint16
	// Version is the version chosen: the supported_versions extension's
	// when it holds one, else LegacyVersion.
	Version     uint16
	Random      []byte
	SessionID   []byte
	CipherSuite uint16
	// Retry: a HelloRetryRequest (its random is HelloRetryRandom).
	Retry bool
	// PSKSelected: the pre_shared_key extension (TLS 1.3: resumed).
	PSKSelected bool
	// Ticket: the session_ticket extension (TLS 1.2: a ticket follows).
	Ticket               bool
	ExtendedMasterSecret bool
}

// ParseServerHello reads a ServerHello body (after the 4-byte handshake
// header); ok is false when it is malformed.
func ParseServerHello(body []byte) (sh ServerHello, ok bool) {
	r := &reader{b: body}
	sh.LegacyVersion = uint16(r.u16())
	sh.Random = r.bytes(32)
	sh.SessionID = r.vec8()
	sh.CipherSuite = uint16(r.u16())
	r.u8() // compression method
	if !r.ok() || len(sh.SessionID) > 32 {
		return ServerHello{}, false
	}
	sh.Version = sh.LegacyVersion
	sh.Retry = [32]byte(sh.Random) == HelloRetryRandom
	good := extensions(r, func(typ int, b []byte) {
		switch typ {
		case ExtSupportedVersions:
			if len(b) == 2 {
				sh.Version = uint16(b[0])<<8 | uint16(b[1])
			}
		case ExtPreSharedKey:
			sh.PSKSelected = true
		case ExtSessionTicket:
			sh.Ticket = true
		case ExtExtendedMasterSecret:
			sh.ExtendedMasterSecret = true
		}
	})
	if !good {
		return ServerHello{}, false
	}
	return sh, true
}

// ParseNewSessionTicket returns the ticket of a TLS 1.2 NewSessionTicket
// body (RFC 5077: lifetime hint, then the ticket).
func ParseNewSessionTicket(body []byte) ([]byte, bool) {
	r := &reader{b: body}
	r.bytes(4)
	t := r.vec16()
	return t, r.ok()
}
