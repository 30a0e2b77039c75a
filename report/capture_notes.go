package report

import (
	"fmt"

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
	return notes
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
