package probe

import (
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// Mode names a data-connection mode. The four modes are probed on separate
// control connections so that one mode's failure cannot spoil another's.
type Mode string

// The data modes, in the order they are probed and reported.
const (
	ModeEPSV Mode = "EPSV"
	ModePASV Mode = "PASV"
	ModeEPRT Mode = "EPRT"
	ModePORT Mode = "PORT"
)

// AllModes lists the data modes in report order.
var AllModes = []Mode{ModeEPSV, ModePASV, ModeEPRT, ModePORT}

// Passive reports whether the server listens and the client dials (EPSV, PASV).
func (m Mode) Passive() bool { return m == ModeEPSV || m == ModePASV }

// Outcome is the classified result of one step. The set is closed: every
// network failure maps to one of these values at the place it is observed.
type Outcome string

// The closed outcome vocabulary.
const (
	OutcomeOK              Outcome = "ok"             // the step did what it should
	OutcomeTimeout         Outcome = "timeout"        // no answer before the deadline
	OutcomeRefused         Outcome = "refused"        // RST in answer to SYN (ECONNREFUSED)
	OutcomeReset           Outcome = "reset"          // RST on an established connection
	OutcomeUnreachable     Outcome = "unreachable"    // ICMP unreachable / no route
	OutcomeClosed          Outcome = "closed"         // the peer closed (EOF) before the step ended
	OutcomeReply           Outcome = "reply"          // the server answered with a negative reply; see Step.Reply
	OutcomeProtocol        Outcome = "protocol-error" // the server sent something that is not FTP (bad code, giant line)
	OutcomeDNS             Outcome = "dns-failed"     // the host name did not resolve
	OutcomeTLS             Outcome = "tls"            // a TLS failure
	OutcomeNotApplicable   Outcome = "not-applicable" // the step does not apply (PASV/PORT on IPv6)
	OutcomeSkipped         Outcome = "skipped"        // an earlier step failed, so this one did not run
	OutcomeRefusedByPolicy Outcome = "not-dialled"    // the probe refused to dial the address the server gave
	OutcomeError           Outcome = "error"          // an unclassified local error; Step.Error says what
	OutcomeStalled         Outcome = "stalled"        // a transfer started, then made no progress for the stall timeout
)

// The TLS outcomes, part of the same closed vocabulary.
const (
	OutcomeTLSHandshake   Outcome = "tls-handshake"   // the TLS handshake failed (alert, version, cipher, not TLS)
	OutcomeTLSCertificate Outcome = "tls-certificate" // the server's certificate did not verify (and --insecure was not given)
	OutcomeTLSResumption  Outcome = "tls-resumption"  // a data connection's TLS session did not resume the control session, as the server requires
	OutcomeTLSRequired    Outcome = "tls-required"    // the server refused a plain-text step and asked for TLS
)

// Outcomes is the closed vocabulary as a list, for whoever must check a
// value read back from a saved report (report.Diagnosis.Validate). A new
// Outcome constant goes here too: report's TestVocabularyOutcomes fails
// until it does.
var Outcomes = []Outcome{
	OutcomeOK, OutcomeTimeout, OutcomeRefused, OutcomeReset, OutcomeUnreachable,
	OutcomeClosed, OutcomeReply, OutcomeProtocol, OutcomeDNS, OutcomeTLS,
	OutcomeNotApplicable, OutcomeSkipped, OutcomeRefusedByPolicy, OutcomeError, OutcomeStalled,
	OutcomeTLSHandshake, OutcomeTLSCertificate, OutcomeTLSResumption, OutcomeTLSRequired,
	OutcomeInterrupted,
}

// Step is one timed thing the probe did, with its classified outcome.
// Times are seconds since the probe's zero time (Result.StartedAt), read
// from the monotonic clock, so steps and captured packets share a timeline.
type Step struct {
	Outcome Outcome    `json:"outcome"`
	T0      float64    `json:"t0"`
	T       float64    `json:"t"`
	Reply   *ftp.Reply `json:"reply,omitempty"`
	// Meaning is ftp.Interpret's reading of Reply as the answer to the
	// step's command: report rules read it instead of the code.
	Meaning *ftp.Interpretation `json:"meaning,omitempty"`
	Error   string              `json:"error,omitempty"`
}

// OK reports whether the step succeeded.
func (s Step) OK() bool { return s.Outcome == OutcomeOK }

// Ran reports whether the step was attempted at all.
func (s Step) Ran() bool {
	return s.Outcome != "" && s.Outcome != OutcomeSkipped && s.Outcome != OutcomeNotApplicable
}

// Exchange is one command sent on the control connection and the reply it got.
type Exchange struct {
	T       float64    `json:"t"`
	Command string     `json:"command"` // as sent; PASS arguments are redacted
	Reply   *ftp.Reply `json:"reply,omitempty"`
	// ReplyT is when Reply came, for a reply to Command (T is when the
	// command was sent); 0 for an entry without a command, whose T is
	// the reply's time.
	ReplyT float64 `json:"reply_t,omitempty"`
	// Meaning is ftp.Interpret's reading of Reply as the answer to Command
	// (to the greeting when Command is empty, to the transfer command when
	// it follows its 1xx); nil for a reply the probe could not tie to a
	// command (a late reply after ABOR).
	Meaning *ftp.Interpretation `json:"meaning,omitempty"`
}

// Target is what the probe was pointed at. The password is never stored here.
type Target struct {
	URL      string `json:"url"` // without any password
	Scheme   string `json:"scheme"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Path     string `json:"path,omitempty"`
	Password string `json:"-"`
	// PasswordSource says where the password came from (anonymous, env,
	// stdin, netrc, prompt, url); the password itself never leaves the probe.
	PasswordSource string `json:"password_source"`
}

// Address returns host:port for dialling.
func (t Target) Address() string { return joinHostPort(t.Host, t.Port) }

// Server is what the probe learnt about the server software.
type Server struct {
	Banner string         `json:"banner,omitempty"`
	Syst   string         `json:"syst,omitempty"`
	Feat   []string       `json:"feat,omitempty"`
	Info   ftp.ServerInfo `json:"info"`
}

// Transfer is one LIST or RETR on a data connection.
type Transfer struct {
	Command string `json:"command"`         // "LIST" or "RETR name"
	Step    Step   `json:"step"`            // ok when the final reply was 2xx (or we aborted on purpose after Limit)
	Bytes   int64  `json:"bytes"`           // bytes read from the data connection
	Limit   int64  `json:"limit,omitempty"` // read cap; reaching it ends the read with ABOR
	Aborted bool   `json:"aborted,omitempty"`
	// LargestRead is the largest single read from the data connection
	// (a hint of the segment sizes that got through).
	LargestRead int `json:"largest_read,omitempty"`
	// Final is the completion reply (226, 426, 451...) when one arrived.
	Final *ftp.Reply `json:"final,omitempty"`
	// Preliminary is the 1xx reply that opened the transfer (nil when none
	// came).
	Preliminary *ftp.Reply `json:"preliminary,omitempty"`
	// Times are the moments of the transfer, so that a rule (and the join
	// with the capture) can tell a server that never answered from one
	// that sent everything and never closed the data connection.
	Times TransferTimes `json:"times"`
}

// TransferTimes are the moments of one transfer, in seconds since the
// probe's zero time; each is nil when it did not happen.
type TransferTimes struct {
	// Preliminary: the 1xx reply arrived.
	Preliminary *float64 `json:"preliminary,omitempty"`
	// FirstByte and LastByte: the first and the last read that returned
	// data on the data connection.
	FirstByte *float64 `json:"first_byte,omitempty"`
	LastByte  *float64 `json:"last_byte,omitempty"`
	// ServerClosed: the server closed the data connection (end of file
	// read); nil when the probe closed it first (read cap, timeout, stall,
	// a final reply that never came with the close).
	ServerClosed *float64 `json:"server_closed,omitempty"`
	// Final: the completion (or failure) reply to the transfer command.
	Final *float64 `json:"final,omitempty"`
}

// DataConn is one data connection attempt: which endpoint the server
// announced (passive) or we announced (active), which one was dialled or
// listened on, and how it went.
type DataConn struct {
	// Announced is the endpoint in the 227/229 reply (passive) or the PORT/EPRT
	// argument we sent (active).
	Announced string `json:"announced,omitempty"`
	// Dialled is the endpoint the probe connected to (passive).
	Dialled string `json:"dialled,omitempty"`
	// Listened is the local endpoint the probe accepted on (active).
	Listened string `json:"listened,omitempty"`
	// Peer is the remote endpoint of the data connection once established
	// (for active mode: where the server called back from).
	Peer string `json:"peer,omitempty"`
	// Local is the local endpoint of the data connection once established.
	Local string `json:"local,omitempty"`
	// AddressPolicy explains what the probe did when the announced address
	// differed from the control peer: "same", "control-peer" (dialled the
	// control peer's address with the announced port), "trusted" (dialled
	// the announced address because --trust-pasv-address), "refused".
	AddressPolicy string `json:"address_policy,omitempty"`
	// Setup is the PASV/EPSV/PORT/EPRT exchange.
	Setup Step `json:"setup"`
	// Connect is the data connection itself: dial (passive) or accept (active).
	Connect Step `json:"connect"`
	// Socket is what this host's TCP stack said of a passive data
	// connection's socket while it failed to connect (no capture needed);
	// nil when it connected, for active modes, or where the system cannot
	// say.
	Socket *SocketFacts `json:"socket,omitempty"`
	// TLS is the data connection's TLS handshake (PROT P only).
	TLS *DataTLS `json:"tls,omitempty"`
	// CallbackWait is how long an active attempt waited for the server's
	// connection, and why (active.go); nil for passive modes.
	CallbackWait *CallbackWait `json:"callback_wait,omitempty"`
	// SetupWatch is what an active attempt's listener saw while the
	// PORT/EPRT reply was awaited (activesetup.go); nil for passive modes.
	SetupWatch *SetupWatch `json:"setup_watch,omitempty"`
}

// ModeResult is everything one data mode's control connection did.
type ModeResult struct {
	Mode Mode `json:"mode"`
	// Applicable is false for PASV/PORT on an IPv6 control connection.
	Applicable bool `json:"applicable"`
	// ControlLocal/ControlRemote are the control connection's endpoints.
	ControlLocal  string `json:"control_local,omitempty"`
	ControlRemote string `json:"control_remote,omitempty"`
	Connect       Step   `json:"connect"` // TCP connect of the control connection
	Banner        Step   `json:"banner"`  // the 220 greeting
	Login         Step   `json:"login"`   // USER/PASS
	// TLS is the control connection's TLS (AUTH TLS, handshake, PBSZ/PROT);
	// nil when the session ran in plain text.
	TLS *ModeTLS `json:"tls,omitempty"`
	// List and Retr each ran on their own data connection.
	ListData DataConn  `json:"list_data"`
	List     Transfer  `json:"list"`
	RetrData *DataConn `json:"retr_data,omitempty"`
	Retr     *Transfer `json:"retr,omitempty"`
	// Transcript is the control dialogue (PASS redacted).
	Transcript []Exchange `json:"transcript"`
	// Responder is what an ftpdiag responder recorded of this control
	// connection (responder.go); nil when the server is not one.
	Responder *ResponderView `json:"responder,omitempty"`
	// Works is true when the data connection opened and LIST succeeded.
	Works bool `json:"works"`
	// PasvSamples are extra passive replies asked for only to sample the
	// server's passive port range (Options.PasvSamples).
	PasvSamples []PasvSample `json:"pasv_samples,omitempty"`
	// RetriedSerially is set when the server turned this mode's first
	// connection away for a connection limit (a 421, or a 530 naming the
	// limit) and the probe ran it again after the others; FirstAttempt is
	// that refusal. FirstAttemptAlone: it was the run's first session, and
	// no other session of the run was open when it was turned away.
	RetriedSerially   bool  `json:"retried_serially,omitempty"`
	FirstAttempt      *Step `json:"first_attempt,omitempty"`
	FirstAttemptAlone bool  `json:"first_attempt_alone,omitempty"`
}

// Result is what one probe run did and was told. It holds no rendered text.
type Result struct {
	Target    Target       `json:"target"`
	StartedAt time.Time    `json:"started_at"`
	Duration  float64      `json:"duration"` // seconds
	Resolve   Step         `json:"resolve"`
	Addresses []string     `json:"addresses,omitempty"` // what the host resolved to
	Server    Server       `json:"server"`
	Options   OptionsEcho  `json:"options"`
	Modes     []ModeResult `json:"modes"`
	// RetrFile is the file chosen for RETR ("" when none could be chosen).
	RetrFile string `json:"retr_file,omitempty"`
	// Notes are facts about the run itself (e.g. a password given in the URL).
	Notes []string `json:"notes,omitempty"`
	// Upload is the --upload test (nil when not asked for); see upload.go.
	Upload *Upload `json:"upload,omitempty"`
	// TLS is what the run learnt about TLS (nil for a plain run).
	TLS *TLSResult `json:"tls,omitempty"`
	// Pacing says whether the modes ran at once or one after another, and
	// what the probe saw of the server's speed (pacing.go); nil when the
	// first mode did not log in.
	Pacing *Pacing `json:"pacing,omitempty"`
	// Interrupted is set when the run was cancelled or reached its overall
	// deadline before every step ran (interrupt.go).
	Interrupted *Interruption `json:"interrupted,omitempty"`
	// Plain holds the passive modes probed again in plain text when --tls
	// auto ran them under TLS: the comparison that reveals an FTP ALG.
	Plain []ModeResult `json:"plain,omitempty"`
}

// Mode returns the result for mode m, or nil.
func (r *Result) Mode(m Mode) *ModeResult {
	for i := range r.Modes {
		if r.Modes[i].Mode == m {
			return &r.Modes[i]
		}
	}
	return nil
}

// OptionsEcho records the options that shaped the run, for the report.
type OptionsEcho struct {
	ConnectTimeout   float64 `json:"connect_timeout"`
	DataTimeout      float64 `json:"data_timeout"`
	TrustPasvAddress bool    `json:"trust_pasv_address"`
	ActivePortRange  string  `json:"active_port_range,omitempty"`
	RetrBytes        int64   `json:"retr_bytes"`
	StallTimeout     float64 `json:"stall_timeout,omitempty"`
	Upload           bool    `json:"upload,omitempty"`
}
