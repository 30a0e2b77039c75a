package responder

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"time"
)

// Explicit FTPS (RFC 4217): AUTH TLS upgrades the control connection,
// PBSZ and PROT set the data connections' protection. Implicit FTPS runs
// the handshake before the greeting (server.go).

func (s *session) cmdAuth(_ context.Context, arg string) bool {
	switch {
	case s.cfg.TLS == nil:
		return s.reply(502, "Security scheme is not implemented: no certificate configured.", "")
	case s.rec.Control.TLS != nil:
		return s.reply(503, "TLS is already on.", "")
	}
	switch strings.ToUpper(strings.TrimSpace(arg)) {
	case "TLS", "TLS-C", "SSL":
	default:
		return s.reply(504, "AUTH TLS only.", "")
	}
	if s.br.Buffered() > 0 {
		// Commands sent before the handshake would be taken as sent
		// under TLS (the STARTTLS injection): refuse and end.
		s.reply(503, "Commands after AUTH TLS before the handshake.", "pipelined after AUTH")
		s.ended = "pipelined after AUTH TLS"
		return false
	}
	if !s.reply(234, "Proceed with negotiation.", "") {
		return false
	}
	if !s.handshake("explicit") {
		return false
	}
	s.br = bufio.NewReaderSize(s.conn, maxLineBytes)
	return true
}

// handshake runs TLS on the control connection within IdleTimeout.
func (s *session) handshake(mode string) bool {
	tc := tls.Server(s.raw, s.cfg.TLS)
	use := &TLSUse{Mode: mode}
	s.rec.Control.TLS = use
	if !s.tlsHandshake(tc, use, s.cfg.IdleTimeout) {
		s.ended = "TLS handshake failed"
		return false
	}
	s.conn = tc
	return true
}

// tlsHandshake runs a handshake with a deadline and records it in use.
func (s *session) tlsHandshake(tc *tls.Conn, use *TLSUse, limit time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		use.Error = oneLine(err.Error())
		return false
	}
	st := tc.ConnectionState()
	use.Version = tls.VersionName(st.Version)
	use.Resumed = st.DidResume
	return true
}

func (s *session) cmdPbsz(_ context.Context, _ string) bool {
	if s.rec.Control.TLS == nil {
		return s.reply(503, "PBSZ needs TLS first.", "")
	}
	return s.reply(200, "PBSZ=0", "")
}

func (s *session) cmdProt(_ context.Context, arg string) bool {
	if s.rec.Control.TLS == nil {
		return s.reply(503, "PROT needs TLS first.", "")
	}
	switch strings.ToUpper(strings.TrimSpace(arg)) {
	case "P":
		s.protP = true
		return s.reply(200, "Protection level set to P.", "")
	case "C":
		s.protP = false
		return s.reply(200, "Protection level set to C.", "")
	}
	return s.reply(536, "PROT C or P only.", "")
}

// protectData runs TLS on a data connection under PROT P.
func (s *session) protectData(c net.Conn, rec *Conn) (net.Conn, bool) {
	if !s.protP {
		return c, true
	}
	tc := tls.Server(c, s.cfg.TLS)
	rec.TLS = &TLSUse{Mode: "data"}
	return tc, s.tlsHandshake(tc, rec.TLS, s.cfg.DataTimeout)
}

func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
