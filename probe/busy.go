package probe

import (
	"fmt"
	"strings"
)

// serverBusy reports whether a mode's control connection was turned away
// with 421 (vsftpd max_per_ip / max_clients, ProFTPD MaxClientsPerHost...):
// the server limits concurrent connections from one client.
func serverBusy(m *ModeResult) bool {
	for _, st := range []Step{m.Banner, m.Login} {
		if st.Reply != nil && st.Reply.Code == 421 {
			return true
		}
	}
	return false
}

// retrySerially runs again, one at a time, the modes the server turned away
// for too many connections, and records that it did.
func (r *runner) retrySerially(modes []*ModeResult) {
	var busy []*ModeResult
	for _, m := range modes {
		if serverBusy(m) {
			busy = append(busy, m)
		}
	}
	if len(busy) == 0 || r.ctx.Err() != nil {
		return
	}
	names := make([]string, 0, len(busy))
	for _, m := range busy {
		first := m.Banner
		if first.Reply == nil || first.Reply.Code != 421 {
			first = m.Login
		}
		names = append(names, string(m.Mode))
		*m = ModeResult{Mode: m.Mode, Applicable: true, RetriedSerially: true, FirstAttempt: &first}
		r.probeMode(m, nil)
	}
	r.mu.Lock()
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(
		"the server refused concurrent control connections (421); %s retried one at a time after the others", strings.Join(names, ", ")))
	r.mu.Unlock()
}
