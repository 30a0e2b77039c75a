package probe

import (
	"fmt"
	"strings"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// busyStep returns the step at which a mode's control connection was turned
// away for a connection limit: a greeting or login reply that means one
// (vsftpd max_per_ip "421 There are too many connections...", ProFTPD
// MaxClientsPerHost "530 Sorry, the maximum number of clients...", answered
// at PASS), or a 421 greeting while the probe's other sessions were open.
func busyStep(m *ModeResult) (Step, bool) {
	for _, st := range []Step{m.Banner, m.Login} {
		if st.Meaning == nil {
			continue
		}
		if st.Meaning.Meaning == ftp.MeaningConnectionLimit {
			return st, true
		}
	}
	if in := m.Banner.Meaning; in != nil && in.Meaning == ftp.MeaningServiceClosing {
		return m.Banner, true
	}
	return Step{}, false
}

// retrySerially runs again, one at a time, the modes the server turned away
// for a connection limit, and records that it did.
func (r *runner) retrySerially(modes []*ModeResult) {
	var busy []*ModeResult
	var firsts []Step
	for _, m := range modes {
		if st, ok := busyStep(m); ok {
			busy = append(busy, m)
			firsts = append(firsts, st)
		}
	}
	if len(busy) == 0 || r.ctx.Err() != nil {
		return
	}
	names := make([]string, 0, len(busy))
	for i, m := range busy {
		first := firsts[i]
		names = append(names, string(m.Mode))
		r.retryBusy(m, first)
	}
	rep := firsts[0].Reply
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(
		"the server refused concurrent control connections (%d); %s retried one at a time after the others", rep.Code, strings.Join(names, ", ")))
	p := r.res.Pacing
	if p == nil {
		return
	}
	if !p.Serial {
		p.Serial, p.Trigger = true, PacingConnectionLimit
		p.Reason = fmt.Sprintf("the server turned %d session(s) away for a connection limit (reply %d) while others were open", len(busy), rep.Code)
	}
	for _, m := range busy {
		p.Modes = append(p.Modes, m.Mode)
	}
}

// A server may still count a session of the run for a moment after its
// QUIT (vsftpd's session process, with its namespaces, takes a while to
// end): a retry turned away again for the limit, with no other session of
// the run open, waits and tries again, at most busyRetries times.
const (
	busyRetries = 3
	busyBackoff = 250 * time.Millisecond
)

// retryBusy runs m again alone, recording first as the refused attempt.
func (r *runner) retryBusy(m *ModeResult, first Step) {
	for i := 0; ; i++ {
		*m = ModeResult{Mode: m.Mode, Applicable: true, RetriedSerially: true, FirstAttempt: &first}
		r.probeMode(m, nil, nil)
		if _, busy := busyStep(m); !busy || i+1 >= busyRetries {
			return
		}
		t := time.NewTimer(busyBackoff << i)
		select {
		case <-t.C:
		case <-r.ctx.Done():
			t.Stop()
			return
		}
	}
}

// retryLead runs the lead mode again when the server turned it away for a
// connection limit although no other session of the run was open: the
// limit counted sessions that had just ended (ProFTPD's scoreboard keeps a
// session for a moment after it closes) or another client's. It reports
// whether the lead then logged in, and notes the retry.
func (r *runner) retryLead(lead *ModeResult) bool {
	first, busy := busyStep(lead)
	if !busy || r.ctx.Err() != nil {
		return false
	}
	r.retryBusy(lead, first)
	lead.FirstAttemptAlone = true
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(
		"the server turned the first session (%s) away for a connection limit (%d) with no other session of this run open (sessions that had just ended, or another client's, still counted); retried after a pause", lead.Mode, first.Reply.Code))
	return lead.Login.OK()
}
