package report

import (
	"sort"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Schema names the JSON layout; it changes only when a field changes meaning
// or disappears (adding fields keeps it).
const Schema = "ftpdiag/v1"

// Severity grades a finding.
type Severity string

// The severities. Any error finding makes the exit code 1.
const (
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// Fact is one piece of evidence on the run's timeline: T is seconds since
// the probe's zero time and Packet the 1-based packet number in the saved
// pcapng (0 when the fact comes from the probe, not the wire).
type Fact struct {
	T      float64 `json:"t"`
	Packet int     `json:"packet,omitempty"`
	Text   string  `json:"text"`
}

// Fix is one way to remove the cause of a finding, for one audience: a
// server software ("vsftpd", "proftpd", "pure-ftpd", "filezilla-server",
// "iis", "pyftpdlib", "twisted"), "server" (in general terms, for a server
// no key names), a firewall ("iptables", "nftables", "firewalld", "ufw",
// "generic-firewall") or the "client".
type Fix struct {
	For   string   `json:"for"`
	Text  string   `json:"text"`
	Lines []string `json:"lines,omitempty"` // configuration lines or commands, one per element
}

// Finding is one diagnosed fact about the run. ID never changes meaning.
type Finding struct {
	ID          string   `json:"id"`
	Severity    Severity `json:"severity"`
	Title       string   `json:"title"`
	Explanation string   `json:"explanation"`
	// Action is the one thing to do, in a few words (used by the verdict).
	Action string   `json:"action,omitempty"`
	Modes  []string `json:"modes,omitempty"`
	// Inferred is true when the finding needs the wire to be certain but no
	// capture backs it: it rests on the client's view alone.
	Inferred bool   `json:"inferred,omitempty"`
	Evidence []Fact `json:"evidence"`
	Fixes    []Fix  `json:"fixes"`
	// Source is "capture" when the finding was made by `ftpdiag analyze`
	// from a capture file rather than by a probe (analyze.go).
	Source string `json:"source,omitempty"`
}

// MatrixRow is one data mode's line in the mode matrix.
type MatrixRow struct {
	Mode       string `json:"mode"`
	Applicable bool   `json:"applicable"`
	Works      bool   `json:"works"`
	// Reply is the server's answer to PASV/EPSV/PORT/EPRT ("" when the
	// command was not sent); Setup its classified outcome.
	Reply string `json:"reply,omitempty"`
	Setup string `json:"setup"`
	// Announced is the data endpoint in the 227/229 reply (passive) or in
	// our PORT/EPRT (active); Endpoint the one dialled (passive) or listened
	// on (active); EndpointKind says which ("dialled", "listened").
	Announced     string `json:"announced,omitempty"`
	Endpoint      string `json:"endpoint,omitempty"`
	EndpointKind  string `json:"endpoint_kind,omitempty"`
	AddressPolicy string `json:"address_policy,omitempty"`
	// Interrupted: the run was cut short (Ctrl-C, --timeout) before this
	// mode finished.
	Interrupted bool `json:"interrupted,omitempty"`
	// NotDue (analyze): the server refused the transfer command itself
	// before any data connection was due: the capture shows nothing of
	// the mode's data connection, neither working nor failing.
	NotDue bool `json:"not_due,omitempty"`
	// ListCommand and RetrCommand (analyze) are the verbs of the transfer
	// commands the client sent on the mode's data connections (LIST, NLST,
	// MLSD, RETR, STOR, STOU, APPE, or "no transfer"): the List and Retr
	// cells hold the first and the second transfer, whatever their verb.
	ListCommand string `json:"list_command,omitempty"`
	RetrCommand string `json:"retr_command,omitempty"`
	// Connect is the outcome of the LIST data connection.
	Connect string `json:"connect"`
	// List and Retr are the transfer outcomes, with bytes read and the
	// final reply.
	List      string `json:"list"`
	ListBytes int64  `json:"list_bytes"`
	ListReply string `json:"list_reply,omitempty"`
	Retr      string `json:"retr"`
	RetrBytes int64  `json:"retr_bytes"`
	RetrReply string `json:"retr_reply,omitempty"`
	// ListAborted and RetrAborted (analyze): the transfer is ok as far as
	// the client let it go, then the client interrupted it (its ABOR, or
	// its own close of the data connection): the cells say "aborted by
	// client" rather than "ok".
	ListAborted bool `json:"list_aborted,omitempty"`
	RetrAborted bool `json:"retr_aborted,omitempty"`
}

// LadderEvent is one arrow in a ladder diagram.
type LadderEvent struct {
	T float64 `json:"t"`
	// From is "client" or "server": the side that sent it.
	From string `json:"from"`
	// Conn is "control" or "data".
	Conn  string `json:"conn"`
	Label string `json:"label"`
	// Lost marks a packet that never got an answer: the diagram draws an X
	// where it died.
	Lost   bool `json:"lost,omitempty"`
	Packet int  `json:"packet,omitempty"`
}

// Ladder is the whiteboard drawing of one mode's connections.
type Ladder struct {
	Mode   string        `json:"mode"`
	Client string        `json:"client"`
	Server string        `json:"server"`
	Events []LadderEvent `json:"events"`
}

// ServerSummary is the detected server software and what it was detected from.
type ServerSummary struct {
	Software string `json:"software"`
	Version  string `json:"version,omitempty"`
	Banner   string `json:"banner,omitempty"`
}

// CaptureSummary says whether packets back the findings.
type CaptureSummary struct {
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	Remedy    string `json:"remedy,omitempty"`
	PcapFile  string `json:"pcap_file,omitempty"`
	Packets   int    `json:"packets"`
}

// Diagnosis is the whole report: verdict, findings, matrix and ladders,
// with the inputs it was made from.
type Diagnosis struct {
	Schema   string         `json:"schema"`
	Version  string         `json:"version"`
	Target   string         `json:"target,omitempty"`
	Verdict  string         `json:"verdict"`
	Server   ServerSummary  `json:"server"`
	Capture  CaptureSummary `json:"capture"`
	Findings []Finding      `json:"findings"`
	Matrix   []MatrixRow    `json:"matrix"`
	Ladders  []Ladder       `json:"ladders"`
	// Outside is what an ftpdiag responder saw of the run (nil when the
	// server was not one): schema_outside.go.
	Outside *OutsideRecord `json:"outside,omitempty"`
	// Session describes the captured FTP session this diagnosis explains
	// (`ftpdiag analyze` only; see analyze.go).
	Session *SessionInfo `json:"session,omitempty"`
	// Probe and Evidence record the inputs in the report's own schema
	// (schema_convert.go). For a capture, Probe is rebuilt from the
	// captured dialogue and Evidence holds the session's connections only.
	Probe    *ProbeRecord    `json:"probe,omitempty"`
	Evidence *EvidenceRecord `json:"evidence,omitempty"`
}

// rule is one diagnostic rule: a pure function of the input.
type rule func(in *input) []Finding

// rules run in this order; the order is the one place where precedence
// between findings is decided: it says which finding explains a mode first
// and so the verdict. Rules that read a reply's meaning (ftp.Interpret)
// select a mode by its first failed step, which has one meaning only, so
// they need no conditions against each other. Control problems come first
// (nothing else can run without a control connection): the connection,
// the greeting, the server's own state, TLS, the login. Then a reply that
// breaks the protocol (before the data rules, so that a 3xx to PORT or
// RETR is never taken as acceptance or success), then the data modes, the
// transfers and the capture itself.
var rules = []rule{
	ruleRunInterrupted,        // interrupted.go (first: a cut run is partial)
	ruleDNSFailed,             // control.go
	ruleControlConnect,        // control.go
	ruleControlNoGreeting,     // greeting.go
	ruleControlClosed,         // closed.go
	ruleServerBusy,            // serverstate.go (a 421 or 530 naming a limit)
	ruleServerClosing,         // serverstate.go (a 421 naming none)
	ruleServerError,           // serverstate.go ("500 OOPS", 451 local error)
	ruleServerSerial,          // serial.go (info: the probe paced a slow or serial server)
	ruleTLSRequired,           // tls.go
	ruleTLSUnavailable,        // tls.go
	ruleTLSCertInvalid,        // tls.go
	ruleLoginFailed,           // control.go
	ruleLoginAccountNeeded,    // control.go
	ruleResponderChallenge,    // challenge.go (an ftpdiag responder not given its secret)
	ruleProtocolViolation,     // hostile.go
	rulePassiveDisabled,       // passive.go
	ruleALGFTPSConflict,       // tls.go (before the address rules: the verdict names the ALG)
	rulePasvAddress,           // passive.go
	rulePasvPortSuspicious,    // passiverange.go
	rulePassiveConnect,        // passive.go (before epsv-unsupported: when PASV fails too, its cause is the verdict's)
	ruleEPSVUnsupported,       // passive.go
	ruleActiveRefused,         // active.go
	ruleActiveCallback,        // active.go
	ruleDataTLSNotResumed,     // tlsresume.go (before data-tls-failed: a refusal for not resuming is its finding alone)
	ruleDataTLSFailed,         // tls.go
	ruleTransferDenied,        // transfer.go
	ruleTransferNoReply,       // transfer.go (the split: stall.go)
	ruleTransferNoData,        // transfer.go
	ruleTransferStalled,       // transfer.go
	ruleDataNotClosed,         // transfer.go
	ruleTransferTooSlow,       // transfer.go
	ruleActiveUnexpectedPeer,  // hostile.go
	ruleTLSSession,            // tls.go (info)
	ruleALGRewrotePasv,        // alg.go (seen from a responder)
	ruleALGRewrotePort,        // alg.go (info)
	ruleALGActivePlainOnly,    // callback_rules.go (seen from a responder, plain text and TLS)
	ruleCallbackSourcePort,    // callback_rules.go (seen from a responder)
	ruleSNATMultipleAddresses, // clientnat.go
	ruleClientBehindNAT,       // clientnat.go (info)
	ruleCaptureIncomplete,     // observe_capture.go (info: analyze, what the capture lacks)
	ruleCaptureUnavailable,    // capture.go
	ruleControlEncrypted,      // analyze.go (info: analyze, the control channel under TLS)
}

// Diagnose turns a probe result and capture evidence (either may be nil)
// into a Diagnosis. It is pure and deterministic.
func Diagnose(r *probe.Result, ev *capture.Evidence) *Diagnosis {
	if r == nil && ev != nil && len(ev.Sessions) > 0 {
		return DiagnoseCapture(ev).Combined()
	}
	in := newInput(r, ev)
	d := &Diagnosis{
		Schema:   Schema,
		Probe:    probeRecord(r),
		Evidence: evidenceRecord(ev),
		Server:   in.serverSummary(),
		Capture:  captureSummary(ev),
		Findings: []Finding{},
		Matrix:   []MatrixRow{},
		Ladders:  []Ladder{},
	}
	if r != nil {
		d.Target = r.Target.URL
	}
	for _, rl := range rules {
		d.Findings = append(d.Findings, rl(in)...)
	}
	d.Outside = outsideRecord(in)
	d.Findings = append(d.Findings, fallback(in, d.Findings)...)
	finishDiagnosis(d, in, "", false)
	return d
}

// finishDiagnosis normalises the findings (empty lists, not null; source
// set when given), orders them (errors first, then warnings, then info;
// rule order within a severity), and derives the matrix, the ladders and
// the verdict. Diagnose and the capture diagnosis share it. summaryOnly
// leaves out the ladders, which the capture's summary table does not need.
func finishDiagnosis(d *Diagnosis, in *input, source string, summaryOnly bool) {
	for i := range d.Findings {
		f := &d.Findings[i]
		if source != "" {
			f.Source = source
		}
		if f.Evidence == nil {
			f.Evidence = []Fact{}
		}
		if f.Fixes == nil {
			f.Fixes = []Fix{}
		}
	}
	sort.SliceStable(d.Findings, func(i, j int) bool {
		return d.Findings[i].Severity.rank() < d.Findings[j].Severity.rank()
	})
	d.Matrix = matrix(in)
	if !summaryOnly {
		d.Ladders = ladders(in)
	}
	d.Verdict = verdict(in, d.Findings)
}

// ExitCode is 1 when any finding is an error, else 0.
func (d *Diagnosis) ExitCode() int {
	if d == nil {
		return 0
	}
	for _, f := range d.Findings {
		if f.Severity == SeverityError {
			return 1
		}
	}
	return 0
}

func captureSummary(ev *capture.Evidence) CaptureSummary {
	if ev == nil {
		return CaptureSummary{Reason: "no capture was taken"}
	}
	return CaptureSummary{Available: ev.Available, Reason: ev.Reason, Remedy: ev.Remedy, PcapFile: ev.PcapFile, Packets: ev.Packets}
}

// Notes are the probe's remarks on the run itself (a password given in
// the URL, modes retried one at a time after a 421...), for the renderers.
func (d *Diagnosis) Notes() []string {
	if d.Probe == nil {
		return nil
	}
	return d.Probe.Notes
}
