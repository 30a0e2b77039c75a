package ftp

import "strings"

// Step is where a reply stands in its command's sequence (RFC 959 §5.4,
// RFC 2228, RFC 2428, RFC 3659): what the client must do next.
type Step string

// The steps of a command-reply sequence.
const (
	// StepPreliminary: a 1xx the command allows; another reply follows.
	StepPreliminary Step = "preliminary"
	// StepSuccess: the command completed (2xx, or the 1xx...2xx pair).
	StepSuccess Step = "success"
	// StepIntermediate: a 3xx the command allows (USER -> PASS, PASS ->
	// ACCT, REST, RNFR, AUTH -> ADAT); the client sends the next command.
	StepIntermediate Step = "intermediate"
	// StepTransient: a 4xx; the same command may work later.
	StepTransient Step = "transient"
	// StepPermanent: a 5xx; the same command will not work as sent.
	StepPermanent Step = "permanent"
	// StepViolation: a code the command's sequence does not allow (a 3xx
	// to RETR or PORT, a 1xx to PASV, a code outside 100-599).
	StepViolation Step = "violation"
)

// Failed reports a negative completion (transient or permanent).
func (s Step) Failed() bool { return s == StepTransient || s == StepPermanent }

// Meaning is what a reply says beyond its step, from a closed set. Rules in
// the report read meanings, never reply text: a new server's wording is a
// new row in the wording table, not a new rule.
type Meaning string

// The meanings. MeaningNone says the code and text tell nothing more than
// the step.
const (
	MeaningNone Meaning = ""
	// MeaningNotImplemented: the server does not know or implement the
	// command (500/502 "command not understood", 504 for a parameter).
	MeaningNotImplemented Meaning = "not-implemented"
	// MeaningDisabled: the server implements the command and refuses it
	// by configuration (vsftpd port_enable=NO "550 Permission denied.",
	// ProFTPD <Limit PORT> "501 PORT: Operation not permitted").
	MeaningDisabled Meaning = "disabled"
	// MeaningAddressRefused: PORT/EPRT refused for the address it names
	// (vsftpd "500 Illegal PORT command.", a client behind NAT).
	MeaningAddressRefused Meaning = "address-refused"
	// MeaningProtocolUnsupported: EPRT/EPSV for a network protocol the
	// server does not serve (RFC 2428 522).
	MeaningProtocolUnsupported Meaning = "protocol-unsupported"
	// MeaningTLSRequired: the server demands TLS (or a protection level)
	// before this command.
	MeaningTLSRequired Meaning = "tls-required"
	// MeaningTLSReuseRequired: a data connection's TLS did not resume the
	// control session and the server demands it.
	MeaningTLSReuseRequired Meaning = "tls-reuse-required"
	// MeaningTLSUnavailable: AUTH/PBSZ/PROT refused: the server has no TLS.
	MeaningTLSUnavailable Meaning = "tls-unavailable"
	// MeaningConnectionLimit: too many sessions (overall, per host or per
	// user), whatever the code (421, 530).
	MeaningConnectionLimit Meaning = "connection-limit"
	// MeaningServiceClosing: 421 without a limit wording: the server is
	// shutting the session (idle timeout, shutdown, overload).
	MeaningServiceClosing Meaning = "service-closing"
	// MeaningServerError: the server failed on its side ("500 OOPS: ...",
	// "451 Requested action aborted: local error"): a configuration or
	// server problem, not the client's and not the network's.
	MeaningServerError Meaning = "server-error"
	// MeaningAuthFailed: the credentials were rejected.
	MeaningAuthFailed Meaning = "auth-failed"
	// MeaningAccountNeeded: 332 / 532: an ACCT is required.
	MeaningAccountNeeded Meaning = "account-needed"
	// MeaningLoginRequired: the command needs a logged-in session (530
	// "Please login with USER and PASS").
	MeaningLoginRequired Meaning = "login-required"
	// MeaningFileRefused: the file operation was refused (no such file,
	// permission denied, not a plain file, quota): not a network problem.
	MeaningFileRefused Meaning = "file-refused"
	// MeaningDataConnectionFailed: the server could not open or keep the
	// data connection (425, 426 without a TLS wording).
	MeaningDataConnectionFailed Meaning = "data-connection-failed"
	// MeaningTransient: a 4xx that names nothing more specific; retrying
	// later may work.
	MeaningTransient Meaning = "transient"
)

// Interpretation is the one meaning of one reply to one command.
type Interpretation struct {
	Step    Step    `json:"step"`
	Meaning Meaning `json:"meaning,omitempty"`
	// Source names the wording-table row that decided Meaning, with the
	// server it was taken from ("vsftpd 3.0.3: 500 Illegal PORT command."),
	// empty when the code alone decided.
	Source string `json:"source,omitempty"`
}

// Greeting is the pseudo-verb Interpret takes for the reply to connecting
// (the 220 banner, or 120 then 220, or 421).
const Greeting = ""

// Interpret decides what rep means as the answer to verb (case-insensitive;
// Greeting for the connection greeting). It is the one place in ftpdiag
// where a reply gets its meaning: the probe, the capture rebuild and every
// report rule call it. afterPreliminary is true when rep follows a 1xx to
// the same command (the final reply of a transfer).
func Interpret(verb string, rep Reply, afterPreliminary bool) Interpretation {
	verb = strings.ToUpper(strings.TrimSpace(verb))
	step := sequenceStep(verb, rep.Code, afterPreliminary)
	in := Interpretation{Step: step}
	if m, src, ok := matchWording(verb, rep); ok {
		in.Meaning, in.Source = m, src
		return in
	}
	in.Meaning = codeMeaning(verb, rep.Code, step)
	return in
}
