package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpdiag/ftpdiag/probe"
)

// verdict is the one sentence that answers the ticket. Decision order:
// no probe; nothing ran past the control connection (the first error
// explains it); all modes work (mention a warning's action if any); passive
// works and active fails; active works and passive fails; mixed; nothing
// works.
func verdict(in *input, fs []Finding) string {
	v := modeVerdict(in, fs)
	if u := unseenClause(in); u != "" && len(in.modes()) > 0 {
		v += " " + u
	}
	return v
}

// unseenClause says which data connections set up in a captured session
// the capture does not show (observe_capture.go); "" when none.
func unseenClause(in *input) string {
	if in.an == nil || len(in.an.unseen) == 0 {
		return ""
	}
	var cmds, cut, hole, sliced, tls, gaveUp, oneWay []string
	for _, u := range in.an.unseen {
		switch {
		case u.OneWay:
			oneWay = append(oneWay, sentence(upperFirst(strings.TrimPrefix(u.Text, u.Command+": "))+" (see capture-incomplete)"))
		case u.GaveUp:
			// Who ended which connection when: the step's own words.
			if d := "during " + u.Command + ", " + strings.TrimPrefix(u.Text, u.Command+": "); !slices.Contains(gaveUp, d) {
				gaveUp = append(gaveUp, d)
			}
		case u.TLS:
			if !slices.Contains(tls, u.Command) {
				tls = append(tls, u.Command)
			}
		case u.Sliced:
			if !slices.Contains(sliced, u.Command) {
				sliced = append(sliced, u.Command)
			}
		case u.Hole:
			if !slices.Contains(hole, u.Command) {
				hole = append(hole, u.Command)
			}
		case u.Cut && !slices.Contains(cut, u.Command):
			cut = append(cut, u.Command)
		case !u.Cut && !slices.Contains(cmds, u.Command):
			cmds = append(cmds, u.Command)
		}
	}
	out := oneWay
	if len(cmds) > 0 {
		out = append(out, sentence(fmt.Sprintf("The data connections set up with %s are not in the capture and no reply tells how they went: their fate cannot be seen (see capture-incomplete)", joinAnd(cmds))))
	}
	if len(hole) > 0 {
		out = append(out, sentence(fmt.Sprintf("Holes in the capture hide how %s went (see capture-incomplete)", joinAnd(hole))))
	}
	if len(tls) > 0 {
		out = append(out, sentence(fmt.Sprintf("Whether %s worked is in the encrypted control channel: its TLS did not resume the control session, which servers that demand reuse refuse (see data-tls-not-resumed)", joinAnd(tls))))
	}
	if len(sliced) > 0 {
		out = append(out, sentence(fmt.Sprintf("The capture's snap length cut the control dialogue during %s: how %s went is not in the file (see capture-incomplete)", joinAnd(sliced), word(len(sliced), "it", "they"))))
	}
	if len(gaveUp) > 0 {
		for _, g := range gaveUp {
			out = append(out, sentence(upperFirst(g)+" (see capture-incomplete)"))
		}
	}
	if len(cut) > 0 {
		out = append(out, sentence(fmt.Sprintf("The capture ends during %s, the connection still open: how %s ended is not in the file (see capture-incomplete)", joinAnd(cut), word(len(cut), "it", "they"))))
	}
	return strings.Join(out, " ")
}

// modeVerdict is the verdict on the modes the result holds.
func modeVerdict(in *input, fs []Finding) string {
	if in.r == nil {
		return "No probe was run: only the capture's facts are shown."
	}
	if in.r.Interrupted != nil {
		return interruptedVerdict(in, fs) // interrupted.go
	}
	firstErr, firstWarn := (*Finding)(nil), (*Finding)(nil)
	for i := range fs {
		switch {
		case fs[i].Severity == SeverityError && firstErr == nil:
			firstErr = &fs[i]
		case fs[i].Severity == SeverityWarning && firstWarn == nil:
			firstWarn = &fs[i]
		}
	}
	if v := notLoggedIn(in); v != "" && firstErr == nil {
		return v // nologin.go
	}
	var work, fail, pasOK, pasFail, actOK, actFail []string
	up, fell, due := false, false, false
	for _, mr := range distinctModes(in.modes()) {
		if controlUp(mr) {
			up = true
		}
		m := string(mr.Mode)
		switch {
		case notDue(mr):
			// Its transfer was refused before a data connection was
			// due: the mode neither works nor fails.
			due = true
		case in.fellBack(mr) != nil:
			// The client went on from its refused EPSV or EPRT with PASV
			// or PORT (fellback.go): neither works nor fails.
			fell = true
		case modeWorks(mr):
			work = append(work, m)
			if mr.Mode.Passive() {
				pasOK = append(pasOK, m)
			} else {
				actOK = append(actOK, m)
			}
		default:
			fail = append(fail, m)
			if mr.Mode.Passive() {
				pasFail = append(pasFail, m)
			} else {
				actFail = append(actFail, m)
			}
		}
	}
	why := func(f *Finding) string {
		if f == nil {
			return "see the findings"
		}
		if f.Action != "" {
			return f.Title + ": " + f.Action
		}
		return f.Title
	}
	switch {
	case !up && firstErr != nil:
		return sentence(why(firstErr))
	case len(fail) == 0 && len(work) > 0 && unseenClause(in) != "" && firstErr == nil:
		// Not "the data connection is not the problem": some are unseen.
		return sentence(fmt.Sprintf("%s %s", joinAnd(work), word(len(work), "works", "work")))
	case len(fail) == 0 && len(work) > 0:
		// A captured session's client used its modes; nothing was probed.
		how := "probed"
		if in.an != nil {
			how = "used"
		}
		all := fmt.Sprintf("All %s data modes work", numberWord(len(work)))
		if len(work) == 2 {
			all = "Both data modes " + how + " work"
		} else if len(work) == 1 {
			all = "The one data mode " + how + " works"
		}
		if firstErr != nil {
			return sentence(all + ", but " + lowerFirst(why(firstErr)))
		}
		if firstWarn != nil {
			return sentence(all + ", but " + lowerFirst(firstWarn.Title) + ": " + firstWarn.Action)
		}
		return sentence(all + ": the data connection is not the problem")
	case len(pasOK) > 0 && len(pasFail) == 0 && len(actFail) > 0 && len(actOK) == 0:
		return sentence("Passive mode works and active mode fails (" + lowerFirst(errTitle(firstErr, fs, actFail)) + "): tell users to use passive mode")
	case len(actOK) > 0 && len(actFail) == 0 && len(pasFail) > 0 && len(pasOK) == 0:
		f := errFor(fs, pasFail)
		return sentence("Active mode works and passive mode fails (" + lowerFirst(errTitle(f, fs, pasFail)) + "): " + actionOr(f, "see the findings") + "; until then users can use active mode")
	case len(work) > 0:
		f := errFor(fs, fail)
		return sentence(fmt.Sprintf("%s %s and %s %s: %s", joinAnd(work), word(len(work), "works", "work"), joinAnd(fail), word(len(fail), "fails", "fail"), lowerFirst(why(f))))
	}
	if len(fail) == 0 && fell && !due && firstWarn != nil {
		// Only the refused set-up the client fell back from is in the
		// result: what became of the fallback's data connection is the
		// unseen clause's (verdict).
		return sentence(why(firstNonNil(firstErr, firstWarn)))
	}
	if len(fail) == 0 && up {
		return sentence("No data connection was due: the server refused the transfer commands themselves (" + lowerFirst(why(firstNonNil(firstErr, firstWarn))) + ")")
	}
	if unseenClause(in) != "" {
		// Some modes are not in the result: the capture does not show
		// how they went, so not "no data mode works".
		return sentence(fmt.Sprintf("%s %s: %s", joinAnd(fail), word(len(fail), "fails", "fail"), lowerFirst(why(errFor(fs, fail)))))
	}
	return sentence("No data mode works: " + lowerFirst(why(errFor(fs, fail))))
}

// firstNonNil returns a, or b when a is nil.
func firstNonNil(a, b *Finding) *Finding {
	if a != nil {
		return a
	}
	return b
}

// errFor is the first error finding naming any of the modes.
func errFor(fs []Finding, modes []string) *Finding {
	for i := range fs {
		if fs[i].Severity != SeverityError {
			continue
		}
		for _, m := range modes {
			if hasMode(fs[i].Modes, m) {
				return &fs[i]
			}
		}
	}
	return nil
}

func errTitle(f *Finding, fs []Finding, modes []string) string {
	if g := errFor(fs, modes); g != nil {
		f = g
	}
	if f == nil {
		return "see the findings"
	}
	return f.Title
}

func actionOr(f *Finding, def string) string {
	if f == nil || f.Action == "" {
		return def
	}
	return f.Action
}

func numberWord(n int) string {
	if n >= 1 && n <= 4 {
		return []string{"one", "two", "three", "four"}[n-1]
	}
	return fmt.Sprint(n)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	// Keep acronyms and names (PASV, EPSV, TLS, ProFTPD) as they are.
	w, _, _ := strings.Cut(s, " ")
	if len(w) > 1 && strings.ToUpper(w[:2]) == w[:2] {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

// distinctModes keeps one result per mode, a failing one when any fails:
// a result rebuilt from a capture holds one per data connection set up
// (analyze.go); a probe's holds one per mode already.
func distinctModes(mrs []*probe.ModeResult) []*probe.ModeResult {
	var out []*probe.ModeResult
	at := map[probe.Mode]int{}
	for _, mr := range mrs {
		i, ok := at[mr.Mode]
		switch {
		case !ok:
			at[mr.Mode] = len(out)
			out = append(out, mr)
		case notDue(out[i]) && !notDue(mr), modeWorks(out[i]) && !modeWorks(mr) && !notDue(mr):
			out[i] = mr
		}
	}
	return out
}

// upperFirst capitalizes the first letter of a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
