package report

import (
	"fmt"
	"slices"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// The server's passive port range, inferred from the ports it announced in
// its passive replies (227 and 229) and nothing else: never the ports of
// active-mode connections, which are this client's or the server's
// ephemeral ports. A port below 1024, or one far from all the others, is
// not folded into the range: it is reported (pasv-port-suspicious), so that
// no fix ever opens a privileged port or a span reaching down to one.

// minPassivePort is the lowest port a passive range may hold: below it are
// the privileged ports of other services (22 SSH, 25 SMTP...).
const minPassivePort = 1024

// outlierFloor is the least distance, in ports, from every other sample
// that makes a sample an outlier; outlierFactor scales the others' span.
const (
	outlierFloor  = 1024
	outlierFactor = 8
)

// pasvSample is one port the server announced in a passive reply: a data
// setup's (name, rep) or an extra sample's (announced).
type pasvSample struct {
	port      uint16
	t         float64
	mode      string
	name      string
	rep       *ftp.Reply
	announced string
}

// what describes the sample: "EPSV LIST: 229 Entering Extended Passive
// Mode (|||1|)". Written only for a sample reported: written for every
// sample, as the range is asked for by several rules, it was 4% of the
// 3,000-session benchmark's allocations.
func (s pasvSample) what() string {
	if s.rep == nil {
		return fmt.Sprintf("%s (range sample): announced %s", s.mode, s.announced)
	}
	return fmt.Sprintf("%s %s: %s", s.mode, s.name, replyLine(s.rep))
}

// passiveSamples lists every port announced in a passive reply of the
// run's passive modes (each data setup and each extra sample), and of the
// plain-text comparison when plain is true.
func (in *input) passiveSamples(plain bool) []pasvSample {
	out := in.arena.samples.take(in.sampleRoom(plain))[:0]
	add := func(mr *probe.ModeResult) {
		if !mr.Mode.Passive() || !controlUp(mr) {
			return
		}
		for a := range eachAttempt(mr) {
			rep := a.dc.Setup.Reply
			if !a.dc.Setup.OK() || rep == nil || (rep.Code != 227 && rep.Code != 229) {
				continue
			}
			if p := portOf(a.dc.Announced); p != 0 {
				out = append(out, pasvSample{port: p, t: a.dc.Setup.T, mode: string(mr.Mode), name: a.name, rep: rep})
			}
		}
		for _, sm := range mr.PasvSamples {
			if p := portOf(sm.Announced); p != 0 {
				out = append(out, pasvSample{port: p, t: sm.T, mode: string(mr.Mode), announced: sm.Announced})
			}
		}
	}
	for _, mr := range in.modes() {
		add(mr)
	}
	if plain && in.r != nil {
		for i := range in.r.Plain {
			add(&in.r.Plain[i])
		}
	}
	return out
}

// sampleRoom is the most samples passiveSamples(plain) may list: each
// mode's attempts and extra samples.
func (in *input) sampleRoom(plain bool) int {
	n := 0
	for _, mr := range in.modes() {
		n += maxAttempts + len(mr.PasvSamples)
	}
	if plain && in.r != nil {
		for i := range in.r.Plain {
			n += maxAttempts + len(in.r.Plain[i].PasvSamples)
		}
	}
	return n
}

// splitPassive is splitSamples(in.passiveSamples(plain)), found once:
// several rules ask for the range, and a mode does not change while the
// rules run. The lists are read only.
func (in *input) splitPassive(plain bool) (kept, suspicious []pasvSample) {
	m := &in.pasv[0]
	if plain {
		m = &in.pasv[1]
	}
	if !m.done {
		ss := in.passiveSamples(plain)
		m.kept, m.suspicious = splitInto(in.arena.samples.take(len(ss))[:0], ss)
		m.done = true
	}
	return m.kept, m.suspicious
}

// pasvSplit is splitPassive's result, done once found.
type pasvSplit struct {
	kept, suspicious []pasvSample
	done             bool
}

// splitSamples keeps the samples a range may be inferred from and returns
// the suspicious ones apart: below minPassivePort, or (with at least two
// others to compare with) farther from every other kept sample than
// outlierFactor times the others' span and outlierFloor.
func splitSamples(ss []pasvSample) (kept, suspicious []pasvSample) {
	return splitInto(make([]pasvSample, 0, len(ss)), ss)
}

// splitInto is splitSamples, kept appended to kept (room for ss).
func splitInto(kept, ss []pasvSample) (_, suspicious []pasvSample) {
	for _, s := range ss {
		if s.port < minPassivePort {
			suspicious = append(suspicious, s)
		} else {
			kept = append(kept, s)
		}
	}
	var far []int
	for i, s := range kept {
		lo, hi, n := othersSpan(kept, i)
		if n < 2 {
			continue
		}
		gap := min(abs(int(s.port)-lo), abs(int(s.port)-hi))
		if int(s.port) >= lo && int(s.port) <= hi {
			gap = 0
		}
		if gap > max(outlierFloor, outlierFactor*(hi-lo)) {
			far = append(far, i)
		}
	}
	for i := len(far) - 1; i >= 0; i-- {
		suspicious = append(suspicious, kept[far[i]])
		kept = slices.Delete(kept, far[i], far[i]+1)
	}
	return kept, suspicious
}

// othersSpan is the lowest and the highest port of the samples other
// than ss[i] and its port, and how many those are (without listing them:
// a list per sample, and kept grown by appends, were 2% of the
// 3,000-session benchmark's allocations).
func othersSpan(ss []pasvSample, i int) (lo, hi, n int) {
	for j, o := range ss {
		if j == i || o.port == ss[i].port {
			continue
		}
		p := int(o.port)
		if n == 0 || p < lo {
			lo = p
		}
		hi = max(hi, p)
		n++
	}
	return lo, hi, n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// passiveRange infers the server's passive port range from the ports its
// passive replies announced (suspicious ones left out). n is the number of
// samples it rests on; 0 when none: then no range may be opened.
func (in *input) passiveRange() (lo, hi uint16, n int) {
	kept, _ := in.splitPassive(false)
	return keptRange(kept)
}

// passiveRangeWithPlain is passiveRange with the plain-text comparison's
// replies as samples too.
func (in *input) passiveRangeWithPlain() (lo, hi uint16, n int) {
	kept, _ := in.splitPassive(true)
	return keptRange(kept)
}

// rangeOf is the range of the samples splitSamples keeps of ss.
func rangeOf(ss []pasvSample) (lo, hi uint16, n int) {
	kept, _ := splitSamples(ss)
	return keptRange(kept)
}

// keptRange is the range of samples already kept (splitSamples).
func keptRange(kept []pasvSample) (lo, hi uint16, n int) {
	for _, s := range kept {
		if n == 0 || s.port < lo {
			lo = s.port
		}
		hi = max(hi, s.port)
		n++
	}
	return lo, hi, n
}

// rulePasvPortSuspicious: a passive reply announced a port that cannot be
// part of a passive range. Decision (splitSamples): a port below 1024, or
// one far from every other announced port. Warning: the mode may still
// have worked; what must not happen is a firewall opened to it.
// Against an ftpdiag responder only a port below 1024 counts: it has no
// passive range (it listens on the system's ephemeral ports).
func rulePasvPortSuspicious(in *input) []Finding {
	kept, sus := in.splitPassive(true)
	if in.isResponder() {
		// An ftpdiag responder has no passive range: it listens on the
		// system's ephemeral ports, which are spread at random, so only
		// a port below 1024 is suspicious there. (A copy: the split is
		// read only.)
		sus = slices.DeleteFunc(slices.Clone(sus), func(s pasvSample) bool { return s.port >= minPassivePort })
	}
	if len(sus) == 0 {
		return nil
	}
	var facts []Fact
	var ports []string
	var modes []string
	for _, s := range sus {
		facts = append(facts, Fact{T: s.t, Text: s.what()})
		if p := fmt.Sprint(s.port); !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
		if !slices.Contains(modes, s.mode) {
			modes = append(modes, s.mode)
		}
	}
	others := "no other passive port to compare with"
	if lo, hi, n := rangeOf(kept); n > 0 {
		others = fmt.Sprintf("its other passive replies announced ports %d-%d", lo, hi)
	}
	return []Finding{{
		ID:       "pasv-port-suspicious",
		Severity: SeverityWarning,
		Title:    fmt.Sprintf("The server's passive replies announced %s, which no passive range holds", portWord(ports)),
		Explanation: fmt.Sprintf("The server's passive replies announced %s (%s). A port below 1024 belongs to another service (22 is SSH), and a port far from all the others is not part of a configured range: this is a misconfigured or broken server, or something rewriting its replies to point clients at another service (the FTP bounce pattern). It was left out of the inferred passive range, and no firewall should be opened to it.",
			portWord(ports), others),
		Action:   "set the server's passive range explicitly; open no port below 1024 for FTP data",
		Modes:    modes,
		Evidence: facts,
		Fixes: append(pick(in.sw, map[string]Fix{
			"vsftpd":           {Text: "Set the passive range explicitly in vsftpd.conf (pasv_min_port, pasv_max_port, both 1024 or above) and restart vsftpd."},
			"proftpd":          {Text: "Set the passive range explicitly in proftpd.conf (PassivePorts, 1024 or above)."},
			"pure-ftpd":        {Text: "Set the passive range explicitly (-p or PassivePortRange, 1024 or above)."},
			"filezilla-server": {Text: "Set a custom passive port range (1024 or above) under Server > Configure > Passive mode settings."},
			"iis":              {Text: "Set the data channel port range (1024 or above) in IIS Manager > FTP Firewall Support."},
		}),
			Fix{For: "generic-firewall", Text: fmt.Sprintf("Do not open %s for FTP data connections; open only the server's configured passive range.", portWord(ports))},
			Fix{For: "client", Text: "Compare with another client (curl -v shows the 227/229 reply): the same port there means the server announces it."},
		),
	}}
}

// portWord names ports: "port 22", "ports 1 and 22".
func portWord(ports []string) string {
	if len(ports) == 1 {
		return "port " + ports[0]
	}
	return "ports " + joinAnd(ports)
}
