package report

import (
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/capture"
)

// captureNotes are the lines the capture report's header adds about the
// capture as a whole: what the reader put right without damage. They are
// facts of the file, not findings.
func captureNotes(ev *capture.Evidence) []string {
	var notes []string
	if ev.Reordered > 0 {
		notes = append(notes, fmt.Sprintf("%s stepped back in time, by at most %s (a multi-queue network card, or files merged from several interfaces): they were read in timestamp order",
			plural(ev.Reordered, "packet's timestamp", "packets' timestamps"), durationText(ev.ReorderedMax)))
	}
	if ev.NotFTPCount > 0 {
		notes = append(notes, notFTPNote(ev))
	}
	return notes
}

// notFTPNote says which connections on control ports were not FTP.
func notFTPNote(ev *capture.Evidence) string {
	count := map[string]int{}
	var order []string
	for _, n := range ev.NotFTP {
		if count[n.Protocol] == 0 {
			order = append(order, n.Protocol)
		}
		count[n.Protocol]++
	}
	var what []string
	for _, p := range order {
		name := map[string]string{"ssh": "SSH", "smtp": "SMTP", "http": "HTTP", "unknown": "neither FTP commands nor FTP replies"}[p]
		if name == "" {
			name = p
		}
		what = append(what, fmt.Sprintf("%s %d", name, count[p]))
	}
	listed := ""
	if ev.NotFTPCount > len(ev.NotFTP) {
		listed = fmt.Sprintf(" (the first %d: ", len(ev.NotFTP))
	} else {
		listed = " ("
	}
	return fmt.Sprintf("%s on a control port or opening with a 220 greeting did not behave like FTP%s%s): not reported as sessions",
		plural(ev.NotFTPCount, "connection", "connections"), listed, strings.Join(what, ", "))
}

// durationText says a short duration in the unit that reads best.
func durationText(s float64) string {
	switch {
	case s < 0.001:
		return fmt.Sprintf("%.0f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}
