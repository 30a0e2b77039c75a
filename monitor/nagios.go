package monitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/ftpdiag/ftpdiag/report"
)

// CheckStatus is a Nagios/Icinga plugin state; its value is the exit code.
type CheckStatus int

// The plugin states of the Nagios plugin API.
const (
	StatusOK       CheckStatus = 0
	StatusWarning  CheckStatus = 1
	StatusCritical CheckStatus = 2
	StatusUnknown  CheckStatus = 3
)

func (s CheckStatus) String() string {
	switch s {
	case StatusOK:
		return "OK"
	case StatusWarning:
		return "WARNING"
	case StatusCritical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// Thresholds are the check's --warning and --critical limits on the whole
// probe's duration (zero: none).
type Thresholds struct {
	Warning, Critical time.Duration
}

// maxStatusText bounds the text before the perfdata: some monitoring
// systems cut the first line at a few hundred bytes.
const maxStatusText = 300

// Check turns one probe's outcome into the plugin's state and its one
// output line: "FTP STATE - text | perfdata". An error finding is
// CRITICAL, a warning finding or a duration over --warning WARNING, a
// probe that could not run to its end UNKNOWN.
func Check(o Outcome, th Thresholds) (CheckStatus, string) {
	st, text := checkState(o, th)
	if len(text) > maxStatusText {
		text = text[:maxStatusText-3] + "..."
	}
	line := "FTP " + st.String() + " - " + text
	if pd := perfdata(o, th); pd != "" {
		line += " | " + pd
	}
	return st, line
}

func checkState(o Outcome, th Thresholds) (CheckStatus, string) {
	if o.Failed != "" || o.Diagnosis == nil {
		why := o.Failed
		if why == "" {
			why = "the probe gave no result"
		}
		return StatusUnknown, sanitize(why)
	}
	d := o.Diagnosis
	took := time.Duration(o.Seconds * float64(time.Second))
	if errs := findingsOf(d, report.SeverityError); len(errs) > 0 {
		return StatusCritical, summary(errs, d)
	}
	if th.Critical > 0 && took > th.Critical {
		return StatusCritical, fmt.Sprintf("the probe took %.2fs (critical above %s); %s", o.Seconds, th.Critical, modesLine(o))
	}
	if warns := findingsOf(d, report.SeverityWarning); len(warns) > 0 {
		return StatusWarning, summary(warns, d)
	}
	if th.Warning > 0 && took > th.Warning {
		return StatusWarning, fmt.Sprintf("the probe took %.2fs (warning above %s); %s", o.Seconds, th.Warning, modesLine(o))
	}
	return StatusOK, modesLine(o)
}

func findingsOf(d *report.Diagnosis, sev report.Severity) []report.Finding {
	var out []report.Finding
	for _, f := range d.Findings {
		if f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}

// summary is the first finding's id and title, the count of the others.
func summary(fs []report.Finding, d *report.Diagnosis) string {
	s := fs[0].ID + ": " + fs[0].Title
	if len(fs) > 1 {
		s += fmt.Sprintf(" (and %d more: %s)", len(fs)-1, idsOf(fs[1:]))
	}
	return sanitize(s)
}

func idsOf(fs []report.Finding) string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return strings.Join(ids, ", ")
}

// modesLine says which data modes work.
func modesLine(o Outcome) string {
	var works, fails []string
	for _, m := range o.Result.Modes {
		if !m.Applicable {
			continue
		}
		if m.Works {
			works = append(works, string(m.Mode))
		} else {
			fails = append(fails, string(m.Mode))
		}
	}
	switch {
	case len(fails) == 0 && len(works) > 0:
		return "data modes work: " + strings.Join(works, ", ")
	case len(works) == 0:
		return "no data mode works"
	}
	return "data modes work: " + strings.Join(works, ", ") + "; fail: " + strings.Join(fails, ", ")
}

// perfdata is the plugin performance data: the whole probe's time with
// the thresholds, each phase's time, and the working modes out of those
// that apply.
func perfdata(o Outcome, th Thresholds) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("time=%.3fs;%s;%s;0", o.Seconds, thresh(th.Warning), thresh(th.Critical)))
	if o.Result == nil {
		return strings.Join(parts, " ")
	}
	if m := phaseSource(o.Result); m != nil {
		for _, p := range phases {
			if d, ok := phaseSeconds(m, p); ok {
				parts = append(parts, fmt.Sprintf("%s=%.3fs;;;0", p, d))
			}
		}
	}
	works, applicable := 0, 0
	for _, m := range o.Result.Modes {
		if m.Applicable {
			applicable++
			if m.Works {
				works++
			}
		}
	}
	parts = append(parts, fmt.Sprintf("modes_working=%d;;;0;%d", works, applicable))
	return strings.Join(parts, " ")
}

func thresh(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf("%g", d.Seconds())
}

// sanitize keeps the status text on one line and free of '|', which
// starts the perfdata.
func sanitize(s string) string {
	s = strings.ReplaceAll(s, "|", "/")
	return oneLine(s)
}
