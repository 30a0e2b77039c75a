package probe

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// FTPS: explicit TLS (RFC 4217: AUTH TLS on the plain control port, then
// PBSZ 0 and PROT P), implicit TLS (the handshake starts as soon as TCP
// connects, port 990), data connections whose TLS session resumes the
// control connection's (vsftpd require_ssl_reuse, ProFTPD and FileZilla
// Server demand it), and the certificate facts the report shows.

// TLSMode says whether and how the control connection uses TLS.
type TLSMode string

// The TLS modes.
const (
	// TLSOff runs plain FTP.
	TLSOff TLSMode = "off"
	// TLSAuto tries AUTH TLS and uses TLS when the server offers it, plain
	// FTP when it refuses; when both work the passive modes are probed both
	// ways (see Result.Plain), which is what reveals an FTP ALG.
	TLSAuto TLSMode = "auto"
	// TLSExplicit demands AUTH TLS on the control port (ftpes://).
	TLSExplicit TLSMode = "explicit"
	// TLSImplicit starts TLS as soon as TCP connects (ftps://, port 990).
	TLSImplicit TLSMode = "implicit"
)

// DefaultImplicitPort is the IANA port of implicit FTPS (ftps://).
const DefaultImplicitPort = 990

// ParseTLSMode parses a --tls value.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case TLSOff, TLSAuto, TLSExplicit, TLSImplicit:
		return m, nil
	}
	return "", fmt.Errorf("unknown TLS mode %q (want auto, off, explicit or implicit)", s)
}

// Protection levels for PROT: P (private: TLS on data connections) and C
// (clear: data connections in plain text, control still encrypted).
const (
	ProtPrivate = "P"
	ProtClear   = "C"
)

// ParseProt parses a protection level, P or C in either case; "" is P.
func ParseProt(s string) (string, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", ProtPrivate:
		return ProtPrivate, nil
	case ProtClear:
		return ProtClear, nil
	}
	return "", fmt.Errorf("unknown protection level %q (want C or P)", s)
}

// ParseTLSMax parses the highest TLS version to offer, "1.2" or "1.3", into
// TLSOptions.MaxVersion; "" is 0 (no limit).
func ParseTLSMax(s string) (uint16, error) {
	switch strings.TrimSpace(s) {
	case "":
		return 0, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("unknown TLS version %q (want 1.2 or 1.3)", s)
}

// TLSOptions shape the TLS side of a run. The zero value follows the URL
// scheme: ftp:// plain, ftpes:// explicit, ftps:// implicit, PROT P,
// certificates verified against the system roots.
type TLSOptions struct {
	// Mode; "" means "from the URL scheme".
	Mode TLSMode
	// Prot is the data protection level, ProtPrivate (default) or ProtClear.
	Prot string
	// Insecure continues when the certificate does not verify (explicit
	// and implicit modes; auto always continues: the alternative is plain
	// text, which is no safer).
	Insecure bool
	// RootCAs verifies the certificate instead of the system roots.
	RootCAs *x509.CertPool
	// RootsName says where RootCAs came from, for the report ("" = system).
	RootsName string
	// MaxVersion caps the TLS version (0: the Go default, TLS 1.3).
	MaxVersion uint16
	// AllowPlainLogin lets the plain-text comparison of auto mode log in
	// with the user's own USER and PASS, in clear. Without it that
	// comparison logs in anonymously, or is skipped (comparePlain).
	AllowPlainLogin bool
	// KeyLog, when set, receives the secrets of every TLS connection in
	// the NSS key log format (tls.Config.KeyLogWriter), so that a capture
	// of the run can be decrypted (ftpdiag analyze --tls-keylog). Whoever
	// has it and the capture can read the session, password included.
	KeyLog io.Writer

	// shared is the per-run state: the session cache that data connections
	// resume from and the certificate seen first.
	shared *tlsShared
}

// LoadCAFile reads PEM certificates to verify the server against: a
// regular file of at most MaxCAFileBytes (ReadSmallFile).
func LoadCAFile(ctx context.Context, path string) (*x509.CertPool, error) {
	b, err := ReadSmallFile(ctx, path, MaxCAFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read CA file %s: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("read CA file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// knownScheme reports whether ParseTarget accepts the URL scheme.
func knownScheme(s string) bool { return s == "ftp" || s == "ftps" || s == "ftpes" }

// defaultPort is the control port a scheme implies.
func defaultPort(scheme string) int {
	if scheme == "ftps" {
		return DefaultImplicitPort
	}
	return DefaultPort
}

// resolveTLSMode combines the scheme and the requested mode; a request that
// contradicts the scheme (ftps:// with --tls explicit) is an error.
func resolveTLSMode(scheme string, m TLSMode) (TLSMode, error) {
	var implied TLSMode
	switch scheme {
	case "ftps":
		implied = TLSImplicit
	case "ftpes":
		implied = TLSExplicit
	default:
		if m == "" {
			return TLSOff, nil
		}
		return m, nil
	}
	if m == "" || m == TLSAuto || m == implied {
		return implied, nil
	}
	return "", fmt.Errorf("--tls %s contradicts the %s:// scheme (which means %s TLS)", m, scheme, implied)
}

// TLSResult is what the run learnt about TLS.
type TLSResult struct {
	// Requested is the mode the run was asked for (after the URL scheme).
	Requested TLSMode `json:"requested"`
	// Mode is what ran on the control connections: off, explicit, implicit.
	Mode TLSMode `json:"mode"`
	// Auth is the reply to AUTH TLS (explicit and auto): what the server
	// offers.
	Auth *ftp.Reply `json:"auth,omitempty"`
	// Version and CipherSuite of the first control handshake.
	Version     string `json:"version,omitempty"`
	CipherSuite string `json:"cipher_suite,omitempty"`
	// Prot is the data protection level asked for (P or C).
	Prot string `json:"prot,omitempty"`
	// Insecure echoes --insecure.
	Insecure bool `json:"insecure,omitempty"`
	// Certificate is the server's leaf certificate, as seen first.
	Certificate *Certificate `json:"certificate,omitempty"`
	// Fallback says why the run was repeated with TLS 1.2 at most (a server
	// that requires session reuse and does not resume Go's TLS 1.3
	// sessions); "" when it was not.
	Fallback string `json:"fallback,omitempty"`
	// PlainLogin is whose login the plain-text comparison (Result.Plain)
	// used: "anonymous", or "user" (the user's own, --allow-plain-login).
	PlainLogin string `json:"plain_login,omitempty"`
	// PlainSkipped says why there is no plain-text comparison although
	// TLS was in use in auto mode ("" when there is one or none was due).
	PlainSkipped string `json:"plain_skipped,omitempty"`
}

// Certificate holds the facts about a server certificate the report shows.
type Certificate struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	DNSNames    []string  `json:"dns_names,omitempty"`
	IPAddresses []string  `json:"ip_addresses,omitempty"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	SHA256      string    `json:"sha256"`
	// ServerName is the name (or address) the certificate was checked
	// against: the host in the URL.
	ServerName  string `json:"server_name"`
	NameMatches bool   `json:"name_matches"`
	Expired     bool   `json:"expired"`
	NotYetValid bool   `json:"not_yet_valid,omitempty"`
	// Trusted: the chain leads to a trusted root (Roots), validity dates
	// apart (those are Expired and NotYetValid).
	Trusted bool `json:"trusted"`
	// Roots names the trust anchors: "system" or the CA file.
	Roots string `json:"roots"`
	// SelfSigned: the leaf is its own issuer.
	SelfSigned bool `json:"self_signed,omitempty"`
	// VerifyError is the verification error ("" when valid).
	VerifyError string `json:"verify_error,omitempty"`
}

// Valid reports whether the certificate passes every check.
func (c *Certificate) Valid() bool {
	return c != nil && c.Trusted && c.NameMatches && !c.Expired && !c.NotYetValid
}

// ModeTLS is the TLS side of one control connection.
type ModeTLS struct {
	// Handshake covers AUTH TLS (explicit) and the TLS handshake.
	Handshake Step   `json:"handshake"`
	Version   string `json:"version,omitempty"`
	// Prot covers PBSZ 0 and PROT; Level is the level in force afterwards.
	Prot  Step   `json:"prot"`
	Level string `json:"level,omitempty"`
}

// DataTLS is the TLS side of one data connection.
type DataTLS struct {
	Handshake Step   `json:"handshake"`
	Version   string `json:"version,omitempty"`
	// Resumed: the data session resumed the control connection's session.
	Resumed bool `json:"resumed"`
}

// tlsShared is what the connections of one run share.
type tlsShared struct {
	cache      tls.ClientSessionCache
	serverName string
	mu         sync.Mutex
	cert       *Certificate
	certErr    error
	version    uint16
	suite      uint16
}

// clock is the time crypto/tls sees. Go never resumes a session whose
// certificate has expired, even with verification off, so a server that
// requires session reuse would fail every data connection of a run that
// goes on past an expired certificate (--insecure, auto): then crypto/tls
// is shown the certificate's last valid second. Ticket lifetimes and ages
// are computed on that same clock; certificates are verified by
// inspectCertificate on the real one.
func (sh *tlsShared) clock(now func() time.Time) func() time.Time {
	return func() time.Time {
		t := now()
		sh.mu.Lock()
		defer sh.mu.Unlock()
		if sh.cert != nil && sh.cert.Expired && t.After(sh.cert.NotAfter) {
			return sh.cert.NotAfter.Add(-time.Second)
		}
		return t
	}
}

// certError is a certificate that failed verification in strict mode.
type certError struct{ err error }

func (e *certError) Error() string { return "certificate not accepted: " + e.err.Error() }
func (e *certError) Unwrap() error { return e.err }

// sessionCacheSize holds the tickets of one run: one key (the server
// name), a few tickets at most.
const sessionCacheSize = 16

// prepareTLS resolves the mode and sets up the run's shared TLS state.
func prepareTLS(t Target, o TLSOptions) (TLSOptions, error) {
	m, err := resolveTLSMode(t.Scheme, o.Mode)
	if err != nil {
		return o, err
	}
	o.Mode = m
	switch strings.ToUpper(o.Prot) {
	case "", ProtPrivate:
		o.Prot = ProtPrivate
	case ProtClear:
		o.Prot = ProtClear
	default:
		return o, fmt.Errorf("unknown protection level %q (want C or P)", o.Prot)
	}
	o.shared = &tlsShared{cache: tls.NewLRUClientSessionCache(sessionCacheSize), serverName: t.Host}
	return o, nil
}

// strict reports whether a bad certificate stops the run.
func (o TLSOptions) strict() bool {
	return !o.Insecure && (o.Mode == TLSExplicit || o.Mode == TLSImplicit)
}

// config returns the client configuration. The data connections use the
// same session cache and server name, so that Go's cache key (the server
// name) is the same and their handshakes resume the control session.
func (o TLSOptions) config(now func() time.Time) *tls.Config {
	sh := o.shared
	return &tls.Config{
		Time:               sh.clock(now),
		ServerName:         sh.serverName,
		ClientSessionCache: sh.cache,
		MaxVersion:         o.MaxVersion,
		MinVersion:         tls.VersionTLS12,
		KeyLogWriter:       o.KeyLog,
		// Verification is done in VerifyConnection, so that the facts of
		// a bad certificate are recorded and --insecure can go on.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			cert, verr := inspectCertificate(cs.PeerCertificates, sh.serverName, o.RootCAs, o.RootsName, now())
			sh.mu.Lock()
			if sh.cert == nil {
				sh.cert, sh.certErr = cert, verr
			}
			sh.mu.Unlock()
			if verr != nil && o.strict() {
				return &certError{verr}
			}
			return nil
		},
	}
}

// inspectCertificate checks the chain (dates apart), the dates and the
// name separately, so the report can say which one failed.
func inspectCertificate(chain []*x509.Certificate, name string, roots *x509.CertPool, rootsName string, now time.Time) (*Certificate, error) {
	leaf := chain[0]
	sum := sha256.Sum256(leaf.Raw)
	c := &Certificate{
		Subject:     leaf.Subject.String(),
		Issuer:      leaf.Issuer.String(),
		DNSNames:    leaf.DNSNames,
		NotBefore:   leaf.NotBefore.UTC(),
		NotAfter:    leaf.NotAfter.UTC(),
		SHA256:      hex.EncodeToString(sum[:]),
		ServerName:  name,
		Expired:     now.After(leaf.NotAfter),
		NotYetValid: now.Before(leaf.NotBefore),
		Roots:       "system",
		SelfSigned:  leaf.Subject.String() == leaf.Issuer.String() && leaf.CheckSignatureFrom(leaf) == nil,
	}
	if rootsName != "" {
		c.Roots = rootsName
	}
	for _, ip := range leaf.IPAddresses {
		c.IPAddresses = append(c.IPAddresses, ip.String())
	}
	inter := x509.NewCertPool()
	for _, ic := range chain[1:] {
		inter.AddCert(ic)
	}
	// Verify at a moment inside the validity period, as close to now as
	// possible: trust and dates are separate facts.
	at := now
	if c.Expired {
		at = leaf.NotAfter.Add(-time.Second)
	}
	if c.NotYetValid {
		at = leaf.NotBefore.Add(time.Second)
	}
	var errs []error
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at}); err != nil {
		errs = append(errs, err)
	} else {
		c.Trusted = true
	}
	if err := leaf.VerifyHostname(name); err != nil {
		errs = append(errs, err)
	} else {
		c.NameMatches = true
	}
	if c.Expired {
		errs = append(errs, fmt.Errorf("certificate expired on %s", c.NotAfter.Format(time.DateOnly)))
	}
	if c.NotYetValid {
		errs = append(errs, fmt.Errorf("certificate not valid before %s", c.NotBefore.Format(time.DateOnly)))
	}
	if len(errs) > 0 {
		err := errors.Join(errs...)
		c.VerifyError = strings.ReplaceAll(err.Error(), "\n", "; ")
		return c, err
	}
	return c, nil
}

// classifyTLS classifies a handshake error: a refused certificate is
// tls-certificate, deadlines and resets keep their own outcome, anything
// else inside the handshake is tls-handshake.
func classifyTLS(err error) Outcome {
	var ce *certError
	if errors.As(err, &ce) {
		return OutcomeTLSCertificate
	}
	switch o := classify(err); o {
	case OutcomeTimeout, OutcomeRefused, OutcomeReset, OutcomeUnreachable:
		return o
	}
	return OutcomeTLSHandshake
}

// handshake runs a client handshake on conn under the deadline and
// returns the TLS connection.
func (s *session) handshake(conn net.Conn, timeout time.Duration) (*tls.Conn, error) {
	tc := tls.Client(conn, s.opts.TLS.config(s.opts.Now))
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tls handshake with %s: %w", conn.RemoteAddr(), err)
	}
	return tc, nil
}

// upgrade runs the handshake on the control connection and swaps the
// session over to the TLS stream.
func (s *session) upgrade(mt *ModeTLS, st Step) bool {
	tc, err := s.handshake(s.conn, s.opts.ReplyTimeout)
	if err != nil {
		mt.Handshake = s.clock.fail(st, err)
		mt.Handshake.Outcome = classifyTLS(err)
		s.broken = true
		return false
	}
	cs := tc.ConnectionState()
	mt.Handshake = s.clock.ok(st)
	mt.Version = tls.VersionName(cs.Version)
	s.stop()
	s.conn = tc
	s.r = ftp.NewReader(tc)
	s.stop = context.AfterFunc(s.ctx, func() { tc.NetConn().SetDeadline(time.Unix(1, 0)) })
	sh := s.opts.TLS.shared
	sh.mu.Lock()
	if sh.version == 0 {
		sh.version, sh.suite = cs.Version, cs.CipherSuite
	}
	sh.mu.Unlock()
	return true
}

// startTLS secures the control connection according to the mode. It runs
// after the banner (explicit, auto) and reports whether the session may go
// on to log in. In auto mode the first connection to ask (the lead: the
// others wait for its login) decides for the rest.
func (r *runner) startTLS(s *session, m *ModeResult) bool {
	mode := r.opts.TLS.Mode
	r.mu.Lock()
	decided := r.res.TLS
	lead := decided != nil && decided.Auth == nil
	if mode == TLSAuto && decided != nil && decided.Mode != TLSAuto {
		mode = decided.Mode
	}
	r.mu.Unlock()
	if mode == TLSOff || mode == TLSImplicit || mode == "" {
		return true
	}
	m.TLS = &ModeTLS{}
	st := r.clock.begin()
	rep, step := s.command("AUTH", "TLS")
	if lead && step.Reply != nil {
		r.mu.Lock()
		r.res.TLS.Auth = step.Reply
		r.mu.Unlock()
	}
	if !step.OK() || rep.Code != 234 {
		if step.OK() {
			step.Outcome = OutcomeReply
			step.Error = "AUTH TLS not accepted (expected 234)"
		}
		if mode == TLSAuto && step.Outcome == OutcomeReply {
			// The server does not offer TLS: go on in plain text.
			m.TLS = nil
			r.mu.Lock()
			r.res.TLS.Mode = TLSOff
			r.mu.Unlock()
			return true
		}
		m.TLS.Handshake = step
		m.Login = skipped("TLS was not established")
		return false
	}
	if !s.upgrade(m.TLS, st) {
		m.Login = skipped("TLS was not established")
		return false
	}
	if mode == TLSAuto {
		r.mu.Lock()
		r.res.TLS.Mode = TLSExplicit
		r.mu.Unlock()
	}
	return true
}

// implicitTLS runs the handshake right after TCP connect (ftps://). It
// reports whether the session may go on to read the banner.
func (r *runner) implicitTLS(s *session, m *ModeResult) bool {
	if r.opts.TLS.Mode != TLSImplicit {
		return true
	}
	m.TLS = &ModeTLS{}
	if s.upgrade(m.TLS, r.clock.begin()) {
		return true
	}
	m.markFrom(stageBanner, skipped("TLS was not established"))
	return false
}

// protect sends PBSZ 0 and PROT after login on a TLS control connection.
// A refused PROT P leaves the data connections in clear (the level the
// server accepted is recorded).
func (r *runner) protect(s *session, m *ModeResult) {
	if m.TLS == nil || !m.TLS.Handshake.OK() {
		return
	}
	st := r.clock.begin()
	if _, step := s.command("PBSZ", "0"); !step.OK() {
		step.T0 = st.T0
		m.TLS.Prot, m.TLS.Level = step, ProtClear
		return
	}
	_, step := s.command("PROT", r.opts.TLS.Prot)
	step.T0 = st.T0
	m.TLS.Prot = step
	m.TLS.Level = ProtClear
	if step.OK() {
		m.TLS.Level = r.opts.TLS.Prot
	}
}

// dataProtected reports whether data connections of this session use TLS.
func (s *session) dataProtected() bool {
	return s.mr.TLS != nil && s.mr.TLS.Level == ProtPrivate
}

// secureData runs the TLS handshake on a data connection once the server
// has answered the transfer command with 1xx (servers start their side of
// the handshake then). On failure it completes tr with the server's final
// reply (vsftpd: "522 SSL connection failed...") and returns false.
func (s *session) secureData(ch *dataChannel, dc *DataConn, tr *Transfer, st Step) bool {
	if !s.dataProtected() {
		return true
	}
	dc.TLS = &DataTLS{}
	if a, ok := ch.conn.LocalAddr().(*net.TCPAddr); ok && s.opts.OnDataTLS != nil && ch.release == nil {
		ch.release = s.opts.OnDataTLS(a.AddrPort())
	}
	hs := s.clock.begin()
	tc, err := s.handshake(ch.conn, s.opts.DataTimeout)
	if err == nil {
		cs := tc.ConnectionState()
		dc.TLS.Handshake = s.clock.ok(hs)
		dc.TLS.Version = tls.VersionName(cs.Version)
		dc.TLS.Resumed = cs.DidResume
		ch.conn = tc
		return true
	}
	dc.TLS.Handshake = s.clock.fail(hs, err)
	dc.TLS.Handshake.Outcome = classifyTLS(err)
	ch.conn.Close()
	tr.Step = dc.TLS.Handshake
	tr.Step.T0 = st.T0
	if fin, rerr := s.readReply(s.opts.ReplyTimeout); rerr == nil {
		tr.Final = &fin
		if reuseRequired(&fin) {
			dc.TLS.Handshake.Outcome = OutcomeTLSResumption
			tr.Step.Outcome = OutcomeTLSResumption
		}
	}
	return false
}

// checkDataTLS runs after a transfer on a protected data connection: a
// handshake that completed without resuming, followed by a reply that asks
// for session reuse, is a resumption failure (vsftpd checks reuse only
// after the handshake, then closes and answers 522).
func checkDataTLS(dc *DataConn, tr *Transfer) {
	if dc == nil || dc.TLS == nil || !dc.TLS.Handshake.OK() || tr.Step.OK() {
		return
	}
	if reuseRequired(tr.Final) || reuseRequired(tr.Step.Reply) {
		dc.TLS.Handshake.Outcome = OutcomeTLSResumption
		dc.TLS.Handshake.Error = "the data connection's TLS session did not resume the control session and the server requires it"
		tr.Step.Outcome = OutcomeTLSResumption
	}
}

// reuseRequired reports whether a reply demands TLS session reuse.
func reuseRequired(rep *ftp.Reply) bool {
	if rep == nil || rep.Code < 400 {
		return false
	}
	t := strings.ToLower(rep.Text())
	return strings.Contains(t, "reuse") || strings.Contains(t, "resum")
}

// resumptionFailed reports whether any data connection of the run failed
// because its session did not resume.
func resumptionFailed(res *Result) bool {
	for _, m := range res.Modes {
		for _, dc := range []*DataConn{&m.ListData, m.RetrData} {
			if dc != nil && dc.TLS != nil && dc.TLS.Handshake.Outcome == OutcomeTLSResumption {
				return true
			}
		}
	}
	return false
}

// finishTLS copies the shared facts into the result.
func finishTLS(res *Result, o TLSOptions) {
	if res.TLS == nil {
		return
	}
	sh := o.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.version != 0 {
		res.TLS.Version = tls.VersionName(sh.version)
		res.TLS.CipherSuite = tls.CipherSuiteName(sh.suite)
	}
	res.TLS.Certificate = sh.cert
}

// newTLSResult starts the TLS part of the result (nil for a plain run).
func newTLSResult(o TLSOptions) *TLSResult {
	if o.Mode == TLSOff {
		return nil
	}
	return &TLSResult{Requested: o.Mode, Mode: o.Mode, Prot: o.Prot, Insecure: o.Insecure}
}

// demandsTLS reports whether a negative reply asks for TLS: vsftpd "530
// Non-anonymous sessions must use encryption.", ProFTPD "550 SSL/TLS
// required on the control channel", Pure-FTPd "421 Sorry, cleartext
// sessions are not accepted", 534 (request denied for policy reasons).
func demandsTLS(rep *ftp.Reply) bool {
	if rep == nil || rep.Code < 400 {
		return false
	}
	if rep.Code == 534 {
		return true
	}
	t := strings.ToLower(rep.Text())
	for _, w := range []string{"tls", "ssl", "encrypt", "cleartext", "secure connection"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// noteTLSDemand turns a plain-text login refused with a demand for TLS
// into the tls-required outcome.
func noteTLSDemand(m *ModeResult) {
	if m.TLS == nil && m.Login.Outcome == OutcomeReply && demandsTLS(m.Login.Reply) {
		m.Login.Outcome = OutcomeTLSRequired
	}
}

// runTLS runs every mode and then what TLS adds: a retry capped at TLS 1.2
// when the server refused Go's TLS 1.3 data sessions for want of reuse,
// and, in auto mode, the passive modes again in plain text. It returns the
// runner whose options held in the end (the retry's), for what runs next.
func (r *runner) runTLS() *runner {
	r.run()
	if r.res.TLS == nil {
		return r
	}
	finishTLS(r.res, r.opts.TLS)
	sh := r.opts.TLS.shared
	if r.opts.TLS.MaxVersion == 0 && sh.version == tls.VersionTLS13 && resumptionFailed(r.res) && r.ctx.Err() == nil {
		note := "the server refused data connections whose TLS 1.3 session did not resume the control session; the run was repeated with TLS 1.2 at most"
		o := r.opts.TLS
		o.MaxVersion = tls.VersionTLS12
		o.shared = &tlsShared{cache: tls.NewLRUClientSessionCache(sessionCacheSize), serverName: sh.serverName}
		opts := r.opts
		opts.TLS = o
		res := r.res
		auth := res.TLS.Auth
		res.TLS = newTLSResult(o)
		res.TLS.Requested = r.opts.TLS.Mode
		res.TLS.Auth = auth
		for i := range res.Modes {
			if res.Modes[i].Applicable {
				res.Modes[i] = ModeResult{Mode: res.Modes[i].Mode, Applicable: true}
			}
		}
		r2 := &runner{ctx: r.ctx, target: r.target, server: r.server, opts: opts, clock: r.clock, res: res}
		r2.run()
		finishTLS(res, o)
		res.TLS.Fallback = note
		res.Notes = append(res.Notes, note)
		r = r2
	}
	r.comparePlain()
	return r
}

// The logins of the plain-text comparison (TLSResult.PlainLogin).
const (
	PlainLoginAnonymous = "anonymous"
	PlainLoginUser      = "user"
)

// comparePlain probes the passive modes again in plain text after an auto
// run that used TLS, so the report can compare the 227 replies and the
// data connections: an FTP ALG rewrites and opens only what it can read.
// It is skipped when no TLS session logged in (a wrong password is not
// tried twice). The user's own password never crosses the network in
// clear unless AllowPlainLogin: a named user's comparison logs in
// anonymously, and when the server refuses that, the comparison is dropped
// and the report says so.
func (r *runner) comparePlain() {
	if r.opts.TLS.Mode != TLSAuto || r.res.TLS.Mode != TLSExplicit || r.ctx.Err() != nil {
		return
	}
	var modes []ModeResult
	var which []Mode
	loggedIn := false
	for _, m := range r.res.Modes {
		loggedIn = loggedIn || m.Login.OK()
		if m.Applicable && m.Mode.Passive() {
			modes = append(modes, ModeResult{Mode: m.Mode, Applicable: true})
			which = append(which, m.Mode)
		}
	}
	if !loggedIn || len(modes) == 0 {
		return
	}
	target, login := r.plainTarget()
	opts := r.opts
	opts.TLS.Mode = TLSOff
	opts.Modes = which
	tmp := &Result{Target: r.res.Target, Modes: modes}
	pr := &runner{ctx: r.ctx, target: target, server: r.server, opts: opts, clock: r.clock, res: tmp}
	pr.run()
	if why := anonymousRefused(target, r.target, tmp.Modes); why != "" {
		r.res.TLS.PlainSkipped = why
		r.res.Notes = append(r.res.Notes, why)
		return
	}
	r.res.Plain = tmp.Modes
	r.res.TLS.PlainLogin = login
}

// plainTarget is the target the plain-text comparison logs in as: the
// user's own login only with AllowPlainLogin, else an anonymous one with
// the conventional anonymous password (never the user's).
func (r *runner) plainTarget() (Target, string) {
	t := r.target
	if r.opts.TLS.AllowPlainLogin && !t.Anonymous() {
		return t, PlainLoginUser
	}
	if !t.Anonymous() {
		t.User = "anonymous"
	}
	t.Password, t.PasswordSource = AnonymousPassword, "anonymous"
	return t, PlainLoginAnonymous
}

// anonymousRefused explains, when a named user's comparison fell back to
// an anonymous login that did not succeed, why there is no comparison ("" when
// there is one).
func anonymousRefused(used, asked Target, modes []ModeResult) string {
	if asked.Anonymous() || used.User == asked.User {
		return ""
	}
	for _, m := range modes {
		if m.Login.OK() {
			return ""
		}
	}
	how := "did not log in"
	for _, m := range modes {
		if m.Login.Ran() {
			how = "failed (" + string(m.Login.Outcome) + ")"
			if m.Login.Reply != nil {
				how = fmt.Sprintf("was refused (%d)", m.Login.Reply.Code)
			}
			break
		}
	}
	return fmt.Sprintf("the plain-text comparison of the passive modes (which reveals an FTP ALG) was skipped: "+
		"%s's password is not sent in clear text, and an anonymous login %s; --allow-plain-login runs it with your own login, in clear", asked.User, how)
}
