package probe

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// A responder (`ftpdiag responder`, run outside the client's firewall)
// identifies itself in FEAT. Against one, every mode's control connection
// answers the responder's challenge after login (when a secret was given)
// and, once the mode has run, asks "SITE FTPDIAG REPORT" for what the
// responder saw of that connection: the report compares it with what the
// probe sent and received.

// Challenge outcomes (ResponderView.Challenge).
const (
	ChallengeAnswered = "answered" // the responder accepted the answer
	ChallengeRefused  = "refused"  // it did not: wrong secret
	ChallengeNoSecret = "no secret given"
	ChallengeNoNonce  = "no nonce" // this session's FEAT had no responder line
)

// ResponderView is what a responder recorded of one mode's control
// connection.
type ResponderView struct {
	// Version is the responder's, from FEAT.
	Version string `json:"version"`
	// Challenge says how the shared-secret challenge went.
	Challenge string `json:"challenge"`
	// Record is the responder's record of the session; nil when it could
	// not be had (Error says why).
	Record *ftp.ResponderRecord `json:"record,omitempty"`
	// Callbacks are the callbacks asked for on a passive mode's
	// connection (callback.go), as the probe saw them.
	Callbacks []CallbackTry `json:"callbacks,omitempty"`
	Error     string        `json:"error,omitempty"`
}

// responderStart runs after login on a control connection to a responder
// (recognised by the lead session's FEAT): the lead has this session's
// nonce already, any other session asks FEAT again for its own.
func (r *runner) responderStart(s *session, m *ModeResult, lead bool) {
	r.mu.Lock()
	version, nonce, ok := ftp.ResponderFeat(r.res.Server.Feat)
	r.mu.Unlock()
	if !ok {
		return
	}
	v := &ResponderView{Version: version}
	m.Responder = v
	if len(r.opts.ResponderSecret) == 0 {
		v.Challenge = ChallengeNoSecret
		return
	}
	if !lead {
		rep, st := s.command("FEAT", "")
		if !st.OK() {
			v.Challenge = ChallengeNoNonce
			return
		}
		if _, nonce, ok = ftp.ResponderFeat(ftp.ParseFeat(rep)); !ok {
			v.Challenge = ChallengeNoNonce
			return
		}
	}
	_, st := s.command("SITE", "FTPDIAG AUTH "+ftp.ResponderAnswer(r.opts.ResponderSecret, nonce))
	v.Challenge = ChallengeRefused
	if st.OK() && st.Meaning != nil && st.Meaning.Step == ftp.StepSuccess {
		v.Challenge = ChallengeAnswered
	}
}

// responderReport asks for the record once the mode has run. The exchange
// is kept out of the transcript: its reply is the record itself, shown in
// the report's own section.
func (r *runner) responderReport(s *session, m *ModeResult) {
	v := m.Responder
	if v == nil || v.Challenge == ChallengeRefused || v.Challenge == ChallengeNoNonce || s.broken {
		return
	}
	rep, err := s.unrecorded("SITE", "FTPDIAG REPORT")
	if err != nil {
		v.Error = fmt.Sprintf("SITE FTPDIAG REPORT: %v", err)
		return
	}
	rec, err := ftp.ParseResponderRecord(rep)
	if err != nil {
		v.Error = fmt.Sprintf("SITE FTPDIAG REPORT: %v", err)
		return
	}
	v.Record = &rec
}
