package monitor

import (
	"math"
	"net"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/report"
)

// The phases of probe_ftp_phase_duration_seconds, in the order a session
// goes through them.
var phases = []string{"connect", "greeting", "tls", "login", "data_setup", "data_connect", "transfer"}

// Outcome is what one scrape's probe came to: the run and the rules'
// conclusions, or why no probe ran.
type Outcome struct {
	Result    *probe.Result
	Diagnosis *report.Diagnosis
	// Failed says why no probe ran or why it ended before its end (a bad
	// target, an interrupted run): probe_success is 0 and the reason goes
	// to the exporter's log, not into a label.
	Failed string
	// Seconds is how long the scrape's probe took (waits included).
	Seconds float64
}

// Success is probe_success: the probe ran to its end and the rules found
// no error (every data mode the module asks for works).
func (o Outcome) Success() bool {
	return o.Failed == "" && o.Diagnosis != nil && o.Diagnosis.ExitCode() == 0
}

// Registry returns a registry holding the metrics of one probe, for
// promhttp to serve.
func (o Outcome) Registry() *prometheus.Registry {
	reg := prometheus.NewPedanticRegistry()
	g := func(name, help string, v float64) {
		m := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		m.Set(v)
		reg.MustRegister(m)
	}
	g("probe_success", "Whether the probe ran to its end and found no error: every data mode the module asks for works.", boolFloat(o.Success()))
	g("probe_duration_seconds", "How long the probe took, in seconds.", micros(o.Seconds))
	if o.Result == nil {
		return reg
	}
	if exp, ok := certExpiry(o.Result); ok {
		g("probe_ssl_earliest_cert_expiry", "When the server's TLS certificate expires, in Unix seconds.", exp)
	}
	if v, ok := pasvMatches(o.Result); ok {
		g("probe_ftp_pasv_address_matches_control", "Whether the address in the 227 reply is the control connection's server address (0: NAT announcing another address).", boolFloat(v))
	}
	o.registerModes(reg)
	o.registerPhases(reg)
	o.registerFindings(reg)
	o.registerReplies(reg)
	return reg
}

func (o Outcome) registerModes(reg *prometheus.Registry) {
	works := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_ftp_data_mode_success",
		Help: "Whether a data mode's data connection opened and its LIST succeeded.",
	}, []string{"mode"})
	resumed := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_ftp_data_tls_resumed",
		Help: "Whether the data mode's TLS data connection resumed the control connection's TLS session.",
	}, []string{"mode"})
	anyTLS := false
	for _, m := range o.Result.Modes {
		if !m.Applicable || interrupted(o.Result, m) {
			continue
		}
		works.WithLabelValues(string(m.Mode)).Set(boolFloat(m.Works))
		if t := m.ListData.TLS; t != nil && t.Handshake.Ran() {
			resumed.WithLabelValues(string(m.Mode)).Set(boolFloat(t.Resumed))
			anyTLS = true
		}
	}
	reg.MustRegister(works)
	if anyTLS {
		reg.MustRegister(resumed)
	}
}

// interrupted: the run was cut short before this mode finished; its
// success is unknown, so it is not exported as a 0.
func interrupted(r *probe.Result, m probe.ModeResult) bool {
	if r.Interrupted == nil {
		return false
	}
	return !m.Works && !m.List.Step.Ran()
}

// registerPhases exports the phase times of one session: the first
// applicable mode, in the module's order, that worked, or else the first
// that was attempted.
func (o Outcome) registerPhases(reg *prometheus.Registry) {
	m := phaseSource(o.Result)
	if m == nil {
		return
	}
	vec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_ftp_phase_duration_seconds",
		Help: "Duration of each phase of one data mode's session (the first mode that worked), in seconds.",
	}, []string{"phase"})
	for _, p := range phases {
		if d, ok := phaseSeconds(m, p); ok {
			vec.WithLabelValues(p).Set(d)
		}
	}
	reg.MustRegister(vec)
}

func phaseSource(r *probe.Result) *probe.ModeResult {
	var first *probe.ModeResult
	for i := range r.Modes {
		m := &r.Modes[i]
		if !m.Applicable || !m.Connect.Ran() {
			continue
		}
		if m.Works {
			return m
		}
		if first == nil {
			first = m
		}
	}
	return first
}

func phaseSeconds(m *probe.ModeResult, phase string) (float64, bool) {
	var st probe.Step
	switch phase {
	case "connect":
		st = m.Connect
	case "greeting":
		st = m.Banner
	case "tls":
		if m.TLS == nil {
			return 0, false
		}
		st = m.TLS.Handshake
	case "login":
		st = m.Login
	case "data_setup":
		st = m.ListData.Setup
	case "data_connect":
		st = m.ListData.Connect
	case "transfer":
		st = m.List.Step
	}
	if !st.Ran() || st.T < st.T0 {
		return 0, false
	}
	return micros(st.T - st.T0), true
}

// micros rounds seconds to the microsecond: the probe's clock offsets
// are float seconds, and their differences carry float noise.
func micros(s float64) float64 { return math.Round(s*1e6) / 1e6 }

func (o Outcome) registerFindings(reg *prometheus.Registry) {
	vec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_ftp_finding",
		Help: "1 for each finding of the probe's diagnosis (ids: docs/findings.md).",
	}, []string{"id", "severity"})
	if o.Diagnosis != nil {
		for _, f := range o.Diagnosis.Findings {
			vec.WithLabelValues(f.ID, string(f.Severity)).Set(1)
		}
	}
	reg.MustRegister(vec)
}

// registerReplies exports, for each command verb the probe sent, the
// highest final reply code it got in this run (5xx over 4xx over 2xx: the
// worst answer is the one to alert on). The greeting is "greeting".
func (o Outcome) registerReplies(reg *prometheus.Registry) {
	codes := replyCodes(o.Result)
	if len(codes) == 0 {
		return
	}
	vec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_ftp_reply_code",
		Help: "The highest final reply code each command got in this probe (the greeting is command=\"greeting\").",
	}, []string{"command"})
	verbs := make([]string, 0, len(codes))
	for v := range codes {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	for _, v := range verbs {
		vec.WithLabelValues(v).Set(float64(codes[v]))
	}
	reg.MustRegister(vec)
}

// replyCodes walks the transcripts: a reply to a command counts for its
// verb, a reply that ends a 1xx counts for the command the 1xx answered.
func replyCodes(r *probe.Result) map[string]int {
	codes := map[string]int{}
	walk := func(tr []probe.Exchange) {
		verb := ""
		for i, ex := range tr {
			switch {
			case ex.Command != "":
				verb = commandVerb(ex.Command)
			case i == 0:
				verb = "greeting"
			}
			if ex.Reply == nil || verb == "" || !knownVerb(verb) {
				continue
			}
			if ex.Reply.Code/100 == 1 {
				continue // preliminary: the final reply follows
			}
			codes[verb] = max(codes[verb], ex.Reply.Code)
		}
	}
	for _, m := range r.Modes {
		walk(m.Transcript)
	}
	if r.Upload != nil {
		walk(r.Upload.Transcript)
	}
	return codes
}

// knownVerb keeps the label set closed: FTP verbs are three or four
// letters (the probe only sends real ones, but a transcript is data).
func knownVerb(v string) bool {
	if v == "greeting" {
		return true
	}
	if len(v) < 3 || len(v) > 4 {
		return false
	}
	return strings.IndexFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0
}

func commandVerb(shown string) string {
	verb, _, _ := strings.Cut(shown, " ")
	return strings.ToUpper(verb)
}

func certExpiry(r *probe.Result) (float64, bool) {
	if r.TLS == nil || r.TLS.Certificate == nil || r.TLS.Certificate.NotAfter.IsZero() {
		return 0, false
	}
	return float64(r.TLS.Certificate.NotAfter.Unix()), true
}

// pasvMatches: whether the PASV mode's 227 announced the control
// connection's server address; false when PASV did not get a 227.
func pasvMatches(r *probe.Result) (bool, bool) {
	m := r.Mode(probe.ModePASV)
	if m == nil || m.ListData.Announced == "" {
		return false, false
	}
	announced, _, err := net.SplitHostPort(m.ListData.Announced)
	if err != nil {
		return false, false
	}
	server, _, err := net.SplitHostPort(m.ControlRemote)
	if err != nil {
		return false, false
	}
	return announced == server, true
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// statusOf is a one-word summary of an outcome for the exporter's own
// probes_total counter and its log line.
func statusOf(o Outcome) string {
	switch {
	case o.Failed != "":
		return "failed"
	case o.Success():
		return "success"
	}
	return "findings"
}
