package capture

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/ftpdiag/ftpdiag/capture/tlswire"
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

// TLS record content types and handshake message types (tlswire's).
const (
	recChangeCipherSpec = tlswire.RecordChangeCipherSpec
	recAlert            = tlswire.RecordAlert
	recHandshake        = tlswire.RecordHandshake
	recApplicationData  = tlswire.RecordApplicationData

	hsClientHello      = tlswire.TypeClientHello
	hsServerHello      = tlswire.TypeServerHello
	hsNewSessionTicket = tlswire.TypeNewSessionTicket
	hsCertificate      = tlswire.TypeCertificate

	// maxRecordLen is the longest record any version allows
	// (TLSCiphertext: 2^14 + 2048).
	maxRecordLen = 1<<14 + 2048
	// maxHelloLen bounds a hello or ticket message kept for parsing: real
	// ones are a few hundred bytes (post-quantum key shares, 2 KB).
	maxHelloLen = 16 << 10
)

// versionName names a protocol version ("TLS 1.2"); GREASE and unknown
// values by their number.
func versionName(v uint16) string {
	name, _ := tlswire.VersionName(v)
	return name
}

// shortHash is a short, stable name for opaque bytes (a session ID, a
// ticket): equal bytes, equal names; the bytes themselves are not kept.
func shortHash(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:6])
}

// parseClientHello reads a ClientHello body (after the 4-byte handshake
// header) into its facts.
func parseClientHello(body []byte) (*ClientHello, bool) {
	w, ok := tlswire.ParseClientHello(body)
	if !ok {
		return nil, false
	}
	ch := &ClientHello{SessionIDLen: len(w.SessionID), SessionID: shortHash(w.SessionID),
		ExtendedMasterSecret: w.ExtendedMasterSecret, ServerName: w.ServerName}
	if w.Ticket {
		ch.Ticket, ch.TicketLen, ch.TicketHash = true, len(w.TicketData), shortHash(w.TicketData)
	}
	if len(w.PSKIdentities) > 0 {
		ch.PSKIdentities, ch.PSKIdentity = len(w.PSKIdentities), shortHash(w.PSKIdentities[0])
	}
	for _, v := range w.Versions {
		ch.Versions = append(ch.Versions, versionName(v))
	}
	if len(ch.Versions) == 0 {
		ch.Versions = []string{versionName(w.LegacyVersion)}
	}
	return ch, true
}

// parseServerHello reads a ServerHello body into its facts; retry reports
// a HelloRetryRequest.
func parseServerHello(body []byte, ch *ClientHello) (sh *ServerHello, retry, ok bool) {
	w, ok := tlswire.ParseServerHello(body)
	if !ok {
		return nil, false, false
	}
	sh = &ServerHello{Version: versionName(w.Version), SessionIDLen: len(w.SessionID), SessionID: shortHash(w.SessionID),
		PSKSelected: w.PSKSelected, Ticket: w.Ticket, ExtendedMasterSecret: w.ExtendedMasterSecret}
	sh.SessionIDEchoed = ch != nil && len(w.SessionID) > 0 && ch.SessionIDLen == len(w.SessionID) && ch.SessionID == sh.SessionID
	return sh, w.Retry, true
}

// parseNewTicket returns the hash of the ticket of a TLS 1.2
// NewSessionTicket body (lifetime hint, then the ticket).
func parseNewTicket(body []byte) (string, bool) {
	t, ok := tlswire.ParseNewSessionTicket(body)
	return shortHash(t), ok
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
