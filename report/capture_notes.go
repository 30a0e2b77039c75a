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
	if ev.Snaplen > 0 {
		notes = append(notes, snaplenNote(ev))
	}
	if ev.NotFTPCount > 0 {
		notes = append(notes, notFTPNote(ev))
	}
	if ev.UntrackedPackets > 0 {
		notes = append(notes, fmt.Sprintf("%s of connections beyond the %d held at once were not read: sessions on them are not in this report",
			plural(ev.UntrackedPackets, "packet", "packets"), capture.DefaultMaxConns))
	}
	if ev.LatePackets > 0 {
		notes = append(notes, fmt.Sprintf("%s came on connections more than %.0f s after their last packet, once their session was over (such as a FIN or a SYN sent again, or an ICMP error about one): counted, not read",
			plural(ev.LatePackets, "packet", "packets"), capture.SettleQuiet()))
	}
	if ev.KernelDrops > 0 {
		notes = append(notes, fmt.Sprintf("the capturing system dropped %s that never reached the file (its interface statistics count them): a packet missing from a session may be one of them, not lost on the network",
			plural(int(min(ev.KernelDrops, 1<<31)), "packet", "packets")))
	}
	return notes
}

// snaplenNote says that the capture was cut to a snap length and what
// that hides.
func snaplenNote(ev *capture.Evidence) string {
	all, control := ev.SlicedSegments()
	if control == 0 {
		return fmt.Sprintf("the capture was taken with a snap length of %d bytes: %s cut short, none on an FTP control connection: the dialogues are whole, and the cut segments' byte counts come from their IP headers",
			ev.Snaplen, plural(all, "TCP segment was", "TCP segments were"))
	}
	return fmt.Sprintf("the capture was taken with a snap length of %d bytes: %s cut short (%d on FTP control connections); control text is incomplete, so each session's dialogue is read only up to its first cut segment (capture again with tcpdump -s 0)",
		ev.Snaplen, plural(all, "TCP segment was", "TCP segments were"), control)
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
		name := map[string]string{"ssh": "SSH", "smtp": "SMTP", "http": "HTTP", "unknown": "neither FTP commands nor FTP replies", "none": "only their last packets, no SYN and no byte", "check": "opened and closed by the client at once with no byte (health checks, port scans)"}[p]
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

// seenText says what of a session the capture could not see: its start,
// its end, its control text past the snap length.
func seenText(s *SessionInfo) string {
	var parts []string
	if s.StartedBefore {
		parts = append(parts, "the capture started inside the session (no SYN, no greeting)")
	}
	if s.OpenAtEnd {
		parts = append(parts, "a control connection was still open when the capture ended")
	}
	if s.SlicedAt > 0 {
		parts = append(parts, fmt.Sprintf("the snap length cut control text from packet %d on: the dialogue is read up to there", s.SlicedAt))
	}
	return strings.Join(parts, "; ")
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
