package report

import (
	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// fellBack returns the IPv4 set-up (PASV, PORT) that a captured client
// sent after the server refused its extended one (EPSV, EPRT) as a command
// it does not implement, on the same control connection, when the server
// accepted it: the fallback curl and tnftp make on their own against
// Twisted ("502 Command 'EPSV' not implemented", then PASV). The refusal
// failed no transfer the client asked for: epsv-unsupported and
// active-unsupported say so as warnings, the fallback rule does not count
// the mode as failed, and the verdict judges the modes the client used.
// Whether the IPv4 set-up then carried its transfer is for the other
// rules; it counts even when the capture does not show its data
// connection (an unseen set-up is no mode of the result). nil when the
// mode is no such refusal. The probe (in.an == nil) tests each mode on its
// own control connection and never falls back: there the refused mode
// fails.
func (in *input) fellBack(mr *probe.ModeResult) *capture.FTPExchange {
	if in.an == nil || mr == nil {
		return nil
	}
	var sibling probe.Mode
	switch mr.Mode {
	case probe.ModeEPSV:
		sibling = probe.ModePASV
	case probe.ModeEPRT:
		sibling = probe.ModePORT
	default:
		return nil
	}
	s, ok := in.firstFailure(mr)
	if !ok || !s.answered() || s.verb != setupVerb(mr.Mode) {
		return nil
	}
	if m := s.interp().Meaning; m != ftp.MeaningNotImplemented && m != ftp.MeaningProtocolUnsupported {
		return nil
	}
	for _, sess := range in.an.group {
		if sess.Client.String() != mr.ControlLocal {
			continue
		}
		for _, ds := range sess.Data {
			if x := ds.Setup; ds.Mode == string(sibling) && x != nil && x.Unknown == "" && x.T > s.st.T && in.setupReplyAccepted(string(sibling), x) {
				return x
			}
		}
	}
	return nil
}

// setupReplyAccepted reports whether the server took a captured set-up:
// its last reply completes the command (a 227 to PASV, a 200 to PORT), or
// says the connection the server then dialled failed (Twisted's "425
// Can't open data connection." to PORT: it implements the command).
func (in *input) setupReplyAccepted(verb string, x *capture.FTPExchange) bool {
	if len(x.Replies) == 0 {
		return false
	}
	it := in.meanings.interpret(verb, x.Replies[len(x.Replies)-1].Reply, false)
	return it.Step == ftp.StepSuccess || it.Meaning == ftp.MeaningDataConnectionFailed
}

// exchangeFact is a fact of a captured exchange: "PASV: reply 227 ...".
func exchangeFact(what string, x *capture.FTPExchange) Fact {
	r := x.Replies[len(x.Replies)-1]
	return Fact{T: r.T, Text: what + ": reply " + replyLine(&r.Reply)}
}
