package report

import (
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Analysis of a capture someone else took (`ftpdiag analyze`).
//
// The route is the probe's own: every FTP session in the capture becomes a
// probe.Result rebuilt from the wire (each data-connection setup seen, with
// its reply, announced endpoint, the connection's fate on the wire and the
// transfer's replies), and the same rules run on it, so that analyze and
// probe give the same finding ids for the same network. Findings are marked
// Source "capture" and their explanations say where the capture was taken.
//
// A "session" of the report is one client's FTP activity against one
// server: control connections from the same client address to the same
// server endpoint whose lifetimes overlap (a client that opens several at
// once, as ftpdiag's probe and FileZilla do, is one session). Sequential
// sessions are separate.

// modeControlOnly names the rebuilt result of a control connection whose
// session failed before any data connection was set up.
const modeControlOnly probe.Mode = "control"

// Caps on what one session's rebuilt result holds, so that a mirror job
// of thousands of transfers stays readable: every failed data connection
// up to maxFailedPerMode, and the first maxOKPerMode that worked.
const (
	maxFailedPerMode = 16
	maxOKPerMode     = 4
	// maxTranscript bounds the dialogue copied into one rebuilt mode.
	maxTranscript = 64
	// groupSlack joins control connections that start within this many
	// seconds of another's end into one session.
	groupSlack = 1.0
)

// SessionInfo is what a capture diagnosis says about the session itself.
type SessionInfo struct {
	ID     int    `json:"id"`
	Client string `json:"client"`
	Server string `json:"server"`
	// Controls are the session's control connections ("client -> server"
	// endpoints) and their capture session ids.
	Controls []string `json:"controls"`
	Start    float64  `json:"start"`
	End      float64  `json:"end"`
	// Vantage is where the capture seems to have been taken: "client",
	// "server", "middle" or "unknown"; VantageWhy says from what.
	Vantage    string `json:"vantage"`
	VantageWhy string `json:"vantage_why"`
	// DataConns counts data connections set up; Linked those seen on the
	// wire, and how each was linked.
	DataConns int            `json:"data_conns"`
	Linked    int            `json:"linked"`
	Matches   map[string]int `json:"matches,omitempty"`
	// Encrypted is true when a control connection ran under TLS and
	// records of it were left unread (no key log, or none that served).
	Encrypted bool `json:"encrypted,omitempty"`
	// ClearedByCCC is true when every such connection went back to clear
	// text (CCC): the dialogue after it is read.
	ClearedByCCC bool `json:"cleared_by_ccc,omitempty"`
	// Decrypted lists the control connections under TLS that the key log
	// (analyze --tls-keylog) decrypted, each as "capture session N: TLS
	// 1.3 TLS_AES_256_GCM_SHA384, 26 records" (how far when decryption
	// stopped: Encrypted is then set too).
	Decrypted []string `json:"decrypted,omitempty"`
	User      string   `json:"user,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
	GapBytes  int64    `json:"gap_bytes,omitempty"`
	// TextCut counts bytes of dialogue text read but not kept (the
	// capture's bounds on text kept per reply, session and capture).
	TextCut int64 `json:"text_cut,omitempty"`
	// SlicedAt is the packet of the first control segment the capture's
	// snap length cut short: the dialogue stops there. StartedBefore: the
	// capture started inside a control connection (no SYN, no greeting);
	// OpenAtEnd: one outlived the capture.
	SlicedAt      int  `json:"sliced_at,omitempty"`
	StartedBefore bool `json:"started_before,omitempty"`
	OpenAtEnd     bool `json:"open_at_end,omitempty"`
}

// SessionSummary is one line of a capture's summary table.
type SessionSummary struct {
	Session  int      `json:"session"`
	Client   string   `json:"client"`
	Server   string   `json:"server"`
	Start    float64  `json:"start"`
	Controls int      `json:"controls"`
	Modes    string   `json:"modes"` // e.g. "EPSV fails, PASV works"
	Vantage  string   `json:"vantage"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
	Verdict  string   `json:"verdict"`
}

// CaptureDiagnosis is the report of `ftpdiag analyze`: one Diagnosis per
// session and a summary table.
type CaptureDiagnosis struct {
	Schema  string `json:"schema"`
	Version string `json:"version"`
	Kind    string `json:"kind"` // "capture"
	// Files are the capture files read (as one timeline).
	Files []string `json:"files,omitempty"`
	// Sessions are the diagnoses, in Summary's order. A streaming
	// diagnosis (DiagnoseCaptureStream) leaves it nil and makes each one
	// while it is rendered; Each works on both.
	Sessions []*Diagnosis `json:"sessions"`
	// The members below come after the sessions in the JSON report: a
	// report written while the capture is read (CaptureWriter) writes
	// each session as soon as it is over, and these are known at the end.
	// ReadError is the damage met while reading the files, "" when none.
	ReadError string `json:"read_error,omitempty"`
	// Notes say what the reader put right or could not see in the capture
	// as a whole, without damage (capture_notes.go).
	Notes   []string `json:"notes,omitempty"`
	Packets int      `json:"packets"`
	Conns   int      `json:"conns"`
	// Summary has one line per session.
	Summary []SessionSummary `json:"summary"`

	ev     *capture.Evidence
	whole  wholeCapture
	groups [][]*capture.FTPSession
	// judged are the streamed sessions' findings and verdicts, in
	// Summary's order: rendering a session does not run the rules again.
	// Both are nil until the rules ran (judge, or the JSON report's one
	// pass); base+1 is then the number of groups[0] (Select).
	judged []judgement
	base   int
	// onMade, when set (tests), is called as each session is made for a
	// report (encodeEach).
	onMade func()
	// once: the diagnosis is rendered once (RenderOnce); spent once it
	// was, its sessions' facts let go.
	once, spent bool
}

// RenderOnce says that a streamed diagnosis will be rendered once: the
// facts of each session are let go as soon as the session is written, so
// that the memory the report holds falls as it is written instead of
// staying that of the whole capture to the end (analyze writes one
// report). The summary and ExitCode stay; rendering the diagnosis again
// is an error.
func (c *CaptureDiagnosis) RenderOnce() { c.once = true }

// ExitCode is 1 when any session has an error finding, else 0.
func (c *CaptureDiagnosis) ExitCode() int {
	c.judge()
	for _, s := range c.Summary {
		if len(s.Errors) > 0 {
			return 1
		}
	}
	return 0
}

// Len is the number of sessions.
func (c *CaptureDiagnosis) Len() int {
	if c.unjudged() {
		return len(c.groups)
	}
	return len(c.Summary)
}

// unjudged reports a streamed diagnosis whose rules have not run yet.
func (c *CaptureDiagnosis) unjudged() bool { return c.groups != nil && c.judged == nil }

// judge runs the rules on every session of a streamed diagnosis that has
// not been judged yet, for the summary (the sessions apart from each
// other, one per core); each session's facts are rebuilt again when it is
// rendered. The JSON report needs no such pass (encodeEach).
func (c *CaptureDiagnosis) judge() {
	if !c.unjudged() {
		return
	}
	c.startJudging()
	inParallel(len(c.groups), true, func(wk wholeCapture, i int) {
		c.record(i, groupDiagnosis(c.ev, wk, c.groups[i], c.base+i+1, nil, true))
	}, c.whole)
}

// startJudging makes room for the summary and the judgements of an
// unjudged streamed diagnosis, which record fills in.
func (c *CaptureDiagnosis) startJudging() {
	c.Summary = make([]SessionSummary, len(c.groups))
	c.judged = make([]judgement, len(c.groups))
}

// record keeps what the rules concluded of streamed session i.
func (c *CaptureDiagnosis) record(i int, d *Diagnosis) {
	c.judged[i] = judgement{findings: d.Findings, verdict: d.Verdict}
	c.Summary[i] = summarize(d, len(c.groups[i]))
}

// Each calls fn with each session's diagnosis in order. A streamed
// diagnosis makes them on every core as fn takes them (inOrder), never
// holding more than one per core.
func (c *CaptureDiagnosis) Each(fn func(*Diagnosis) error) error {
	return inOrder(c, false, func(_ *scratch, d *Diagnosis) (*Diagnosis, error) { return d, nil }, fn)
}

// Select keeps only session n (1-based); false when there is none.
func (c *CaptureDiagnosis) Select(n int) bool {
	if c.unjudged() {
		i := n - 1 - c.base
		if i < 0 || i >= len(c.groups) {
			return false
		}
		c.groups, c.base = c.groups[i:i+1], c.base+i
		return true
	}
	for i, s := range c.Summary {
		if s.Session != n {
			continue
		}
		c.Summary = c.Summary[i : i+1]
		if c.Sessions != nil {
			c.Sessions = c.Sessions[i : i+1]
		}
		if c.groups != nil {
			c.groups = c.groups[i : i+1]
			c.judged = c.judged[i : i+1]
		}
		return true
	}
	return false
}

// Combined folds the sessions into one Diagnosis (what Diagnose(nil, ev)
// returns): the only session as it is, or every session's findings, each
// explanation prefixed with its session.
func (c *CaptureDiagnosis) Combined() *Diagnosis {
	if c.Sessions == nil && c.groups != nil {
		_ = c.Each(func(d *Diagnosis) error { c.Sessions = append(c.Sessions, d); return nil })
	}
	if len(c.Sessions) == 1 {
		return c.Sessions[0]
	}
	d := &Diagnosis{Schema: Schema, Findings: []Finding{}, Matrix: []MatrixRow{}, Ladders: []Ladder{}, Server: ServerSummary{Software: "unknown"}}
	var lines []string
	for _, s := range c.Sessions {
		for _, f := range s.Findings {
			f.Explanation = fmt.Sprintf("Session %d (%s -> %s): %s", s.Session.ID, s.Session.Client, s.Session.Server, f.Explanation)
			d.Findings = append(d.Findings, f)
		}
		lines = append(lines, fmt.Sprintf("session %d: %s", s.Session.ID, strings.TrimSuffix(s.Verdict, ".")))
	}
	sort.SliceStable(d.Findings, func(i, j int) bool { return d.Findings[i].Severity.rank() < d.Findings[j].Severity.rank() })
	d.Verdict = sentence(fmt.Sprintf("%d FTP sessions in the capture: %s", len(c.Sessions), strings.Join(lines, "; ")))
	if len(c.Sessions) == 0 {
		d.Verdict = "The capture holds no FTP session."
	}
	d.Capture = CaptureSummary{Available: true, Packets: c.Packets}
	return d
}

// analysis is what the rules may ask of a session rebuilt from a capture.
type analysis struct {
	// vantage is where the capture was taken ("client", "server",
	// "middle", "unknown"), vantageWhy from what (sessionInfo): the
	// rules choose their id, wording and fixes by it (vantage.go).
	vantage, vantageWhy string
	// unseen are the data connections the session set up whose fate the
	// capture cannot show (observe_capture.go): no connection of theirs in
	// the file, no reply saying how they went, and a capture that holds no
	// data connection at all.
	unseen []unseenSetup
	// server is the session's server endpoint, for the capture command.
	server netip.AddrPort
	// dataSeen: the capture holds data connections at all, so a missing
	// one is evidence (observe_capture.go).
	dataSeen bool
	// controls are the control connections of the session's group.
	controls []*capture.Conn
	// group are the session's captured control sessions.
	group []*capture.FTPSession
}

// controlEnd is when the client ended the control connection that was
// open at t (its FIN or RST: clientEnded), 0 when none of the group's
// did then or the capture does not show it.
func (a *analysis) controlEnd(t float64) float64 {
	for _, c := range a.controls {
		if c == nil || c.First.T > t+stampSlack {
			continue
		}
		if end := clientEnded(c); end > 0 && end >= t {
			return end
		}
	}
	return 0
}

// noSYNText explains a passive data connection with no SYN on the wire.
func (in *input) noSYNText(ep string) string {
	if in.an == nil {
		return fmt.Sprintf("no SYN to %s seen on the wire: it was dropped on this host before it left (a local OUTPUT rule)", ep)
	}
	switch in.an.vantage {
	case "server":
		return fmt.Sprintf("no SYN to %s is in the capture, taken at the server: none reached it (dropped on the way, or the client never dialled)", ep)
	case "client":
		return fmt.Sprintf("no SYN to %s is in the capture, taken at the client: the client never dialled it, or a firewall on the client dropped it before the capture point", ep)
	}
	return fmt.Sprintf("no SYN to %s is in the capture: it never passed the capture point", ep)
}

// DiagnoseCapture diagnoses every FTP session of a capture read by
// capture.ReadFiles. It is pure and deterministic.
func DiagnoseCapture(ev *capture.Evidence) *CaptureDiagnosis {
	return diagnoseCapture(ev, false)
}

// DiagnoseCaptureStream is DiagnoseCapture for large captures: it keeps
// the summary and each session's findings and verdict only, and rebuilds
// each session's other facts (the rebuilt result, the matrix, the
// ladders), one at a time, while it is rendered (Each, RenderCapture), so
// memory stays that of the capture's facts whatever the number of
// sessions. The rules run once per session.
func DiagnoseCaptureStream(ev *capture.Evidence) *CaptureDiagnosis {
	return diagnoseCapture(ev, true)
}

func diagnoseCapture(ev *capture.Evidence, stream bool) *CaptureDiagnosis {
	cd := &CaptureDiagnosis{Schema: Schema, Kind: "capture", Summary: []SessionSummary{}}
	if !stream {
		cd.Sessions = []*Diagnosis{}
	}
	if ev == nil {
		return cd
	}
	cd.Packets, cd.Conns = ev.Packets, ev.ConnCount()
	cd.Notes = captureNotes(ev)
	if ev.PcapFile != "" {
		cd.Files = []string{ev.PcapFile}
	}
	groups := groupSessions(ev.Sessions)
	whole := scanCapture(ev)
	if stream {
		// The rules run when the report is written (judge, encodeEach).
		if groups == nil {
			groups = [][]*capture.FTPSession{} // streamed, with nothing to judge
		}
		cd.Summary = nil
		// Only the header is kept besides the groups, so that the facts
		// of a session written by a diagnosis rendered once (RenderOnce)
		// are let go.
		cd.ev, cd.groups, cd.whole = ev.Header(), groups, whole
		return cd
	}
	cd.Summary = make([]SessionSummary, len(groups))
	cd.Sessions = make([]*Diagnosis, len(groups))
	// The sessions are diagnosed apart from each other, one per core;
	// each worker remembers its own reply meanings (meaningCache is not
	// shared between goroutines).
	inParallel(len(groups), false, func(wk wholeCapture, i int) {
		g := groups[i]
		d := groupDiagnosis(ev, wk, g, i+1, nil, false)
		cd.Sessions[i] = d
		cd.Summary[i] = summarize(d, len(g))
	}, whole)
	return cd
}

// inParallel calls fn(w, i) for each i in [0, n) on up to GOMAXPROCS
// goroutines, each with its own copy w of whole and its own meaning cache.
// With done, fn keeps nothing of a session's diagnosis but its findings,
// verdict and summary: the next one reuses its lists (sessionArena).
func inParallel(n int, done bool, fn func(w wholeCapture, i int), whole wholeCapture) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		w := whole
		w.meanings = meaningCache{}
		if done {
			w.arena = newSessionArena()
		}
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(w, i)
			}
		})
	}
	wg.Wait()
}

// groupSessions joins overlapping control connections of one client
// address to one server endpoint.
func groupSessions(ss []*capture.FTPSession) [][]*capture.FTPSession {
	var gr grouper
	for _, s := range ss {
		gr.add(s)
	}
	var groups [][]*capture.FTPSession
	for _, g := range gr.formed {
		groups = append(groups, g.sessions)
	}
	return groups
}

// grouper joins sessions, added in the order of their first packet, into
// groups: a session that starts no later than groupSlack after the end of
// the last group of its client address and server endpoint joins it.
type grouper struct {
	formed []*sessionGroup // in the order of their first session
	open   map[groupKey]*sessionGroup
}

type groupKey struct {
	client netip.Addr
	server netip.AddrPort
}

// sessionGroup is a group being formed, with the end of its last fact.
type sessionGroup struct {
	sessions []*capture.FTPSession
	key      groupKey
	end      float64
}

func (gr *grouper) add(s *capture.FTPSession) {
	if gr.open == nil {
		gr.open = map[groupKey]*sessionGroup{}
	}
	k := groupKey{s.Client.Addr().Unmap(), s.Server}
	start, end := s.Control.FirstT(), sessionEnd(s)
	if g := gr.open[k]; g != nil && start <= g.end+groupSlack {
		g.sessions = append(g.sessions, s)
		g.end = max(g.end, end)
		return
	}
	g := &sessionGroup{sessions: []*capture.FTPSession{s}, key: k, end: end}
	gr.formed = append(gr.formed, g)
	gr.open[k] = g
}

// take removes and returns the groups formed first that no session
// starting at horizon or later can join (all of them when horizon is
// +Inf), as long as ready says each may go.
func (gr *grouper) take(horizon float64, ready func(*sessionGroup) bool) []*sessionGroup {
	n := 0
	for n < len(gr.formed) && gr.formed[n].end+groupSlack < horizon && ready(gr.formed[n]) {
		if g := gr.formed[n]; gr.open[g.key] == g {
			delete(gr.open, g.key)
		}
		n++
	}
	out := gr.formed[:n:n]
	gr.formed = gr.formed[n:]
	return out
}

// sessionEnd is the time of the last thing seen of a session.
func sessionEnd(s *capture.FTPSession) float64 {
	t := s.Control.FirstT()
	for _, r := range []*capture.PacketRef{s.Control.LastData, s.Control.FINInitiator, s.Control.FINResponder, s.Control.SYNACK} {
		if r != nil {
			t = max(t, r.T)
		}
	}
	for _, r := range s.Control.RSTs {
		t = max(t, r.T)
	}
	if n := len(s.Exchanges); n > 0 {
		t = max(t, s.Exchanges[n-1].T)
	}
	return t
}

// diagnoseGroup rebuilds one session's probe.Result and runs the rules.
func diagnoseGroup(ev *capture.Evidence, whole wholeCapture, g []*capture.FTPSession, id int) *Diagnosis {
	return groupDiagnosis(ev, whole, g, id, nil, false)
}

// judgement is what the rules concluded of a session: its findings,
// finished (finishDiagnosis), and its verdict. A streamed diagnosis keeps
// it from the pass that makes the summary, so that rendering the session
// rebuilds its facts but does not run the rules again.
type judgement struct {
	findings []Finding
	verdict  string
}

// groupDiagnosis is diagnoseGroup. With j it takes the findings and the
// verdict from j instead of running the rules; summaryOnly leaves out
// what the summary table does not need (the ladders).
func groupDiagnosis(ev *capture.Evidence, whole wholeCapture, g []*capture.FTPSession, id int, j *judgement, summaryOnly bool) *Diagnosis {
	ar := orNoArena(whole.arena)
	ar.reset() // the worker's last session is written
	sub := subEvidence(ev, g, ar)
	info := sessionInfo(g, id, ar)
	r, links, unseen := rebuildResult(ev, whole, g, info.Vantage)
	// The capture already joined each set-up to its connection: observe's
	// join by endpoints and time would be made and thrown away.
	in := inputIn(r, sub, observeLinks(r, links, ar), ar)
	in.meanings = whole.meanings
	in.an = &ar.analyses.take(1)[0]
	*in.an = analysis{vantage: info.Vantage, vantageWhy: info.VantageWhy, unseen: unseen, server: g[0].Server, dataSeen: whole.offControl || linksData(g), controls: controlConns(g, ar), group: g}
	d := &ar.diagnoses.take(1)[0]
	*d = Diagnosis{
		Schema:   Schema,
		Target:   r.Target.URL,
		Session:  info,
		Server:   in.serverSummary(),
		Capture:  captureSummary(sub),
		Findings: []Finding{},
	}
	if !summaryOnly {
		// The records are what is rendered; the summary does not read them.
		d.Probe, d.Evidence = probeRecordIn(r, ar), evidenceRecordIn(sub, ar)
	}
	if j != nil {
		d.Findings, d.Verdict = j.findings, j.verdict
		d.Matrix, d.Ladders = matrix(in), ladders(in)
		return d
	}
	for _, rl := range rules {
		d.Findings = append(d.Findings, rl(in)...)
	}
	d.Findings = append(d.Findings, fallback(in, d.Findings)...)
	finishDiagnosis(d, in, "capture", summaryOnly)
	if len(in.modes()) == 0 {
		d.Verdict = "The session logged in and set up no data connection that the capture shows: there is nothing to diagnose about data connections."
		if len(unseen) > 0 {
			d.Verdict = "The capture does not show how this session went. " + unseenClause(in)
			if !slices.ContainsFunc(unseen, func(u unseenSetup) bool { return !u.GaveUp }) {
				// The session itself ended before the answer: the clause
				// says who ended it, when.
				d.Verdict = unseenClause(in)
			}
		}
		switch {
		case info.ClearedByCCC:
			// The dialogue after CCC is read: what it shows is said.
			if len(unseen) > 0 {
				d.Verdict = "The control connection was encrypted (FTPS) until the client's CCC; the dialogue after it is read. " + unseenClause(in)
			}
		case info.Encrypted:
			d.Verdict = "The control connection is encrypted (FTPS) and no data connection between the two hosts is in the capture: little can be said from the wire."
			if len(unseen) > 0 {
				d.Verdict = "The control connection is encrypted (FTPS): the capture does not show how this session went. " + unseenClause(in)
			}
		}
	}
	return d
}

// clearedByCCC reports whether the group has control connections that ran
// under TLS and every one of them went back to clear text (CCC), so that
// its dialogue from then on is read.
func clearedByCCC(g []*capture.FTPSession) bool {
	encrypted := false
	for _, s := range g {
		if s.TLS != nil && s.TLS.Encrypted {
			if s.TLS.Cleared == nil {
				return false
			}
			encrypted = true
		}
	}
	return encrypted
}

// subEvidence keeps the connections of a group's sessions, so that the
// rules' lookups see only them (and stay fast on a capture of thousands).
// Its packets are theirs; what is known of the capture as a whole only
// at its end (its packets, the drops its interface statistics count) is
// in the report's envelope, so that a session is written as soon as it
// is over (CaptureWriter).
func subEvidence(ev *capture.Evidence, g []*capture.FTPSession, ar *sessionArena) *capture.Evidence {
	n := 0
	for _, s := range g {
		n += 1 + len(s.Data) // a session's connections at most
	}
	sub := &ar.evidence.take(1)[0]
	*sub = capture.Evidence{
		Available: true, Interface: ev.Interface, Filter: ev.Filter, PcapFile: ev.PcapFile,
		Start: ev.Start, Conns: ar.connRefs.take(n)[:0], Sessions: g,
	}
	for _, s := range g {
		for _, c := range s.SessionConns() {
			if !slices.Contains(sub.Conns, c) {
				sub.Conns = append(sub.Conns, c)
				sub.Packets += c.Packets
			}
		}
	}
	for _, c := range ev.UnansweredInboundSYNs {
		if slices.Contains(sub.Conns, c) {
			sub.UnansweredInboundSYNs = append(sub.UnansweredInboundSYNs, c)
		}
	}
	return sub
}

// sessionInfo describes a group and guesses the capture's vantage point.
func sessionInfo(g []*capture.FTPSession, id int, ar *sessionArena) *SessionInfo {
	s0 := g[0]
	info := &ar.infos.take(1)[0]
	*info = SessionInfo{ID: id, Client: s0.Client.Addr().String(), Server: ar.endpoint(s0.Server), Start: s0.Control.FirstT()}
	info.Controls = ar.strings.take(len(g))[:0]
	info.ClearedByCCC = clearedByCCC(g)
	cHops, sHops := -1, -1
	for _, s := range g {
		info.Controls = append(info.Controls, controlName(s))
		info.End = max(info.End, sessionEnd(s))
		if s.TLS != nil && s.TLS.Encrypted {
			info.Encrypted = true
		}
		if d := decryptedText(s); d != "" {
			info.Decrypted = append(info.Decrypted, d)
		}
		if info.User == "" {
			info.User = s.User
		}
		info.Truncated = info.Truncated || s.Truncated
		info.GapBytes += s.GapBytes
		info.TextCut += s.TextCut
		if s.SlicedAt != nil && info.SlicedAt == 0 {
			info.SlicedAt = max(s.SlicedAt.Packet, 1)
		}
		info.StartedBefore = info.StartedBefore || s.StartedBefore
		info.OpenAtEnd = info.OpenAtEnd || s.Control.OpenAtEnd
		for _, ds := range s.Data {
			info.DataConns++
			if ds.Conn != nil {
				info.Linked++
				if info.Matches == nil {
					info.Matches = ar.matchCounts()
				}
				info.Matches[ds.Match]++
			}
		}
		if cHops < 0 && s.ClientTTL > 0 {
			cHops = hops(s.ClientTTL)
		}
		if sHops < 0 && s.ServerTTL > 0 {
			sHops = hops(s.ServerTTL)
		}
	}
	info.Vantage, info.VantageWhy = vantage(g, cHops, sHops)
	return info
}

// controlName names a control connection: "10.0.0.1:40000 ->
// 192.0.2.1:21 (capture session 3)", written in one buffer (fmt's was
// four allocations a session).
func controlName(s *capture.FTPSession) string {
	b := make([]byte, 0, 96)
	b = s.Client.AppendTo(b)
	b = append(b, " -> "...)
	b = s.Server.AppendTo(b)
	b = append(b, " (capture session "...)
	b = strconv.AppendInt(b, int64(s.ID), 10)
	return string(append(b, ')'))
}

// hops is how far a packet has come, from its TTL and the usual initial
// values (64 Linux/macOS, 128 Windows, 255 network gear, 32 old stacks).
func hops(ttl int) int {
	for _, init := range []int{32, 64, 128, 255} {
		if ttl <= init {
			return init - ttl
		}
	}
	return 0
}

// vantage says where the capture was taken. Decision order: TTLs (a side
// whose packets show their initial TTL is where the capture ran: 0 hops);
// then, when one side was never seen, the side that was.
func vantage(g []*capture.FTPSession, cHops, sHops int) (string, string) {
	switch {
	case cHops == 0 && sHops > 0:
		return "client", fmt.Sprintf("the client's packets carry their initial TTL (0 hops) and the server's arrive %s away", hopsAway(sHops))
	case sHops == 0 && cHops > 0:
		return "server", fmt.Sprintf("the server's packets carry their initial TTL (0 hops) and the client's arrive %s away", hopsAway(cHops))
	case cHops > 0 && sHops > 0:
		return "middle", fmt.Sprintf("both sides' packets have lost TTL (client %s, server %s away): a router or firewall between them", hopsAway(cHops), hopsAway(sHops))
	case cHops == 0 && sHops == 0:
		return "unknown", "both sides' packets carry their initial TTL: the capture ran on the same network segment as both (or on one host)"
	case cHops == 0 && sHops < 0:
		return "client", "only the client's packets were captured, with their initial TTL (0 hops)"
	case sHops == 0 && cHops < 0:
		return "server", "only the server's packets were captured, with their initial TTL (0 hops)"
	case cHops > 0 && sHops < 0:
		return "unknown", fmt.Sprintf("only the client's packets were captured, %s from it: the capture ran at the server or between the two", hopsAway(cHops))
	case sHops > 0 && cHops < 0:
		return "unknown", fmt.Sprintf("only the server's packets were captured, %s from it: the capture ran at the client or between the two", hopsAway(sHops))
	}
	return "unknown", "no packet of either side carried a usable TTL"
}

// hopsAway is "1 hop" or "N hops".
func hopsAway(n int) string {
	if n == 1 {
		return "1 hop"
	}
	return strconv.Itoa(n) + " hops"
}

// rebuildResult turns a group of captured sessions into the probe's
// result: one ModeResult per data connection set up (failed ones first,
// capped), one control-only result per control connection that failed
// before any; links[i] are the connections of r.Modes[i] as the capture
// linked them.
func rebuildResult(ev *capture.Evidence, whole wholeCapture, g []*capture.FTPSession, vantage string) (*probe.Result, []modeLinks, []unseenSetup) {
	ar := orNoArena(whole.arena)
	s0 := g[0]
	host := s0.Server.Addr().String()
	port := int(s0.Server.Port())
	url := "ftp://" + ar.endpoint(s0.Server) + "/"
	if u := firstUser(g); u != "" && u != "anonymous" && u != "ftp" {
		url = "ftp://" + u + "@" + ar.endpoint(s0.Server) + "/"
	}
	r := &ar.results.take(1)[0]
	*r = probe.Result{
		Target:    probe.Target{URL: url, Scheme: "ftp", Host: host, Port: port, User: firstUser(g), PasswordSource: "capture"},
		StartedAt: ev.Start,
		Resolve:   probe.Step{Outcome: probe.OutcomeOK},
		Addresses: []string{host},
		Modes:     []probe.ModeResult{},
		Notes:     []string{"rebuilt from a capture file by ftpdiag analyze: what the client did and was told, as the wire showed it"},
	}
	r.Server = serverFromDialogue(g)
	type counts struct{ ok, failed int }
	// By value: the map stays on the stack, and a counter each on the
	// heap was 1% of the 3,000-session benchmark's allocations.
	per := map[probe.Mode]counts{}
	// Each mode has its rank (failures first, so the matrix row of a mode
	// shows one when any; a transfer refused before any data connection
	// was due says nothing of the mode and goes last); the list is put in
	// rank order at the end.
	var ml modeList
	ml.start(ar, g)
	var unseen []unseenSetup
	rc := rebuild{dataSeen: whole.offControl || linksData(g), end: whole.end, meanings: whole.meanings, arena: ar, vantage: vantage}
	for _, s := range g {
		rc := rc
		rc.sliced = s.SlicedAt != nil
		// In the arena: cutShort's steps would take it to the heap.
		base := &ar.modes.take(1)[0]
		*base = controlSteps(s, rc)
		if u, cut := cutShort(base, nil); cut {
			unseen = append(unseen, u)
			continue
		}
		if (len(s.Data) == 0 && !controlUp(base)) || noLogin(base) {
			// Nothing ran past the control connection, or the client
			// never logged in: its set-ups were refused for that
			// (nologin.go), no data connection was due.
			base.Mode = modeControlOnly
			base.Transcript = newTranscript(s, ar).of(nil)
			ml.add(rankFailed, base, modeLinks{control: s.Control})
			continue
		}
		tx := newTranscript(s, ar)
		setups, u := judgeableSetups(s.Data, s.Server, rc.dataSeen)
		unseen = append(unseen, u...)
		pairs := pairSetups(setups)
		ml.reserve(len(pairs))
		for _, pair := range pairs {
			// Made in place at the list's end: kept or dropped below.
			mr := ml.next(base)
			mr.Mode = modeOf(pair.first)
			mr.Works = fillData(&mr.ListData, &mr.List, s, pair.first, rc)
			var xbuf [6]*capture.FTPExchange
			xs := appendDataExchanges(xbuf[:0], s, pair.first)
			ln := modeLinks{control: s.Control, list: pair.first.Conn}
			if pair.second != nil {
				// One allocation for the two (as two, they were 1% of
				// the 3,000-session benchmark's allocations).
				retr := &ar.retrs.take(1)[0]
				mr.RetrData, mr.Retr = &retr.dc, &retr.tr
				// As in a probe run, the mode works when its first data
				// connection opened and its transfer completed; the
				// second transfer's failure is its own finding's.
				fillData(mr.RetrData, mr.Retr, s, pair.second, rc)
				xs = appendDataExchanges(xs, s, pair.second)
				ln.retr = pair.second.Conn
			}
			if u, cut := cutShort(mr, pair.first); cut {
				unseen = append(unseen, u)
				ml.drop()
				continue
			}
			mr.Transcript = tx.of(xs)
			c := per[mr.Mode]
			switch {
			case (mr.Works || notDue(mr)) && c.ok < maxOKPerMode:
				// A transfer refused before any data connection was due
				// says nothing of the mode: it goes last, after the
				// modes that show whether the data connection works.
				c.ok++
				rank := rankWorked
				if notDue(mr) {
					rank = rankUndue
				}
				ml.keep(rank, ln)
			case !mr.Works && !notDue(mr) && c.failed < maxFailedPerMode:
				c.failed++
				ml.keep(rankFailed, ln)
			default:
				ml.drop()
			}
			per[mr.Mode] = c
		}
	}
	var links []modeLinks
	r.Modes, links = ml.ordered()
	if n := len(g); n > 0 {
		r.Duration = sessionEnd(g[n-1]) - s0.Control.FirstT()
	}
	return r, links, unseen
}

// maxModesPerSession is the most modes a session's set-ups are kept as.
var maxModesPerSession = len(probe.AllModes) * (maxFailedPerMode + maxOKPerMode)

// The ranks of rebuilt modes, in report order.
const (
	rankFailed uint8 = iota
	rankWorked
	rankUndue
)

// modeList collects rebuilt modes with their links and ranks.
type modeList struct {
	modes []probe.ModeResult
	links []modeLinks
	ranks []uint8
	ar    *sessionArena
}

// start takes the list's room from a worker's arena: as many modes as g
// may keep (one per control-only session or data set-up, capped per
// session as reserve caps them). Without one, the list grows as the
// sessions are rebuilt (reserve), each array sized once.
func (l *modeList) start(ar *sessionArena, g []*capture.FTPSession) {
	l.ar = ar
	if ar == noArena {
		return
	}
	n := 0
	for _, s := range g {
		n += 1 + min(len(s.Data), maxModesPerSession)
	}
	l.modes, l.links, l.ranks = ar.modes.take(n)[:0], ar.links.take(n)[:0], ar.ranks.take(n)[:0]
}

// reserve makes room for n more modes (a session's paired set-ups), at
// most as many as are kept: a ModeResult is large (784 bytes), and a
// session of many transfers would copy each one again at every growth.
// Sized by the session's modes rather than the group's data set-ups (two
// set-ups pair into one mode), the list holds 31% fewer bytes in the
// 3,000-session benchmark (8.7 MB, not 12.5).
func (l *modeList) reserve(n int) {
	n = min(n, maxModesPerSession)
	l.modes = slices.Grow(l.modes, n)
	l.links = slices.Grow(l.links, n)
	l.ranks = slices.Grow(l.ranks, n)
}

func (l *modeList) add(rank uint8, mr *probe.ModeResult, ln modeLinks) {
	l.next(mr)
	l.keep(rank, ln)
}

// next appends a copy of mr and returns it, to be filled in place, then
// kept or dropped before the next call.
func (l *modeList) next(mr *probe.ModeResult) *probe.ModeResult {
	l.modes = append(l.modes, *mr)
	return &l.modes[len(l.modes)-1]
}

// keep keeps the mode next returned, with its rank and links.
func (l *modeList) keep(rank uint8, ln modeLinks) {
	l.links = append(l.links, ln)
	l.ranks = append(l.ranks, rank)
}

// drop takes back the mode next returned.
func (l *modeList) drop() {
	l.modes[len(l.modes)-1] = probe.ModeResult{}
	l.modes = l.modes[:len(l.modes)-1]
}

// ordered returns the modes and their links by rank, each rank in the
// order added (nil when none). Modes mostly come in rank order already:
// then the lists are returned as they are.
func (l *modeList) ordered() ([]probe.ModeResult, []modeLinks) {
	if len(l.modes) == 0 {
		return nil, nil
	}
	if slices.IsSorted(l.ranks) {
		return l.modes, l.links
	}
	ar := orNoArena(l.ar) // nil: a list never started
	modes, links := ar.modes.take(len(l.modes))[:0], ar.links.take(len(l.modes))[:0]
	for _, rank := range []uint8{rankFailed, rankWorked, rankUndue} {
		for i := range l.modes {
			if l.ranks[i] == rank {
				modes, links = append(modes, l.modes[i]), append(links, l.links[i])
			}
		}
	}
	return modes, links
}

// modeLinks are the connections of one rebuilt mode, as the capture linked
// them to the dialogue (nil: none in the capture).
type modeLinks struct {
	control, list, retr *capture.Conn
}

// observeLinks makes the observations of a result rebuilt from a capture:
// the capture already joined each data setup to its connection
// (capture/link.go), so the join is that link.
func observeLinks(r *probe.Result, links []modeLinks, ar *sessionArena) *observations {
	o := ar.observations(len(links))
	// The views are read only: a session's modes share its control
	// connection's (the last one made is kept).
	var ctl *wireObs
	for i := range r.Modes {
		mr, ln := &r.Modes[i], links[i]
		if ctl == nil || len(ctl.conns) == 0 || ln.control == nil || ctl.conns[0] != ln.control {
			ctl = linkObs(ln.control, ar)
		}
		o.ctl[mr] = ctl
		o.data[&mr.ListData] = linkObs(ln.list, ar)
		if mr.RetrData != nil {
			o.data[mr.RetrData] = linkObs(ln.retr, ar)
		}
	}
	return o
}

// linkObs is the view of a connection the capture linked (emptyObs when
// none), made with its one-connection list in a single allocation (two,
// and one per mode for the control connection, were 3% of the
// 3,000-session benchmark's allocations).
func linkObs(c *capture.Conn, ar *sessionArena) *wireObs {
	if c == nil {
		return emptyObs
	}
	v := &ar.linked.take(1)[0]
	v.c[0] = c
	v.w = wireObs{conns: v.c[:], by: joinedCapture}
	return &v.w
}

// linkedObs is a view of one connection with its list.
type linkedObs struct {
	w wireObs
	c [1]*capture.Conn
}

func firstUser(g []*capture.FTPSession) string {
	for _, s := range g {
		if s.User != "" {
			return s.User
		}
	}
	return ""
}

// modeOf is a data setup's mode; an encrypted session's inferred
// connections are named by who opened them.
func modeOf(ds *capture.DataSetup) probe.Mode {
	if ds.Mode != "" {
		return probe.Mode(ds.Mode)
	}
	if ds.Passive {
		return probe.ModePASV
	}
	return probe.ModePORT
}

// serverFromDialogue reads the greeting, SYST and FEAT replies.
func serverFromDialogue(g []*capture.FTPSession) probe.Server {
	var sv probe.Server
	for _, s := range g {
		for _, x := range s.Exchanges {
			f := x.Final()
			if f == nil || inHole(x) {
				continue
			}
			if x.Command == "" { // the greeting
				if f.Code == 220 && sv.Banner == "" {
					sv.Banner = f.Message()
				}
				continue
			}
			if !f.Completion() {
				continue
			}
			// The verb once (it is parsed), and only of a completed reply.
			switch x.Verb() {
			case "SYST":
				if sv.Syst == "" {
					sv.Syst = f.Message()
				}
			case "FEAT":
				if sv.Feat == nil {
					sv.Feat = ftp.ParseFeat(f.Reply)
				}
			}
		}
	}
	sv.Info = ftp.DetectServer(sv.Banner, sv.Syst, sv.Feat)
	return sv
}

// controlSteps fills a ModeResult's control connection, greeting and login
// from the wire.
func controlSteps(s *capture.FTPSession, rc rebuild) probe.ModeResult {
	c := s.Control
	ar := orNoArena(rc.arena)
	mr := probe.ModeResult{Applicable: true, ControlLocal: ar.endpoint(s.Client), ControlRemote: ar.endpoint(s.Server)}
	if s.OneWay != "" {
		// Half the dialogue: neither the session's steps nor their
		// answers can be told (cutShort: capture-incomplete).
		t := c.FirstT()
		mr.Connect = probe.Step{Outcome: probe.OutcomeSkipped, T0: t, T: t, Error: oneWayText(s.OneWay)}
	} else {
		mr.Connect = rc.connStep(c, len(s.Exchanges) > 0, false)
	}
	if !mr.Connect.OK() {
		mr.Banner = probe.Step{Outcome: probe.OutcomeSkipped}
		mr.Login = probe.Step{Outcome: probe.OutcomeSkipped}
		return mr
	}
	// The greeting.
	var greet *capture.FTPExchange
	if len(s.Exchanges) > 0 && s.Exchanges[0].Command == "" && !inHole(s.Exchanges[0]) {
		greet = s.Exchanges[0]
	}
	switch {
	case greet != nil && greet.Final() != nil:
		f := greet.Final()
		mr.Banner = rc.replyStep(greet.T, ftp.Greeting, f, false)
	case s.TLS != nil && s.TLS.Implicit:
		mr.Banner = probe.Step{Outcome: probe.OutcomeOK, T0: c.FirstT(), T: c.FirstT()}
	case len(s.Exchanges) > 0 || c.Midstream:
		// The capture started after the greeting.
		mr.Banner = probe.Step{Outcome: probe.OutcomeOK, T0: c.FirstT(), T: c.FirstT()}
	default:
		mr.Banner = rc.greetingEndStep(c)
	}
	if !mr.Banner.OK() {
		mr.Login = probe.Step{Outcome: probe.OutcomeSkipped}
		return mr
	}
	// The login: the last USER/PASS/ACCT exchange's final reply decides.
	var login *capture.FTPExchange
	for _, x := range s.Exchanges {
		switch x.Verb() {
		case "USER", "PASS", "ACCT":
			login = x
		default:
			continue
		}
		if f := x.Final(); f != nil && rc.meanings.interpret(x.Verb(), f.Reply, false).Step == ftp.StepSuccess {
			break
		}
	}
	switch {
	case rc.sliced && s.TLS == nil && !rc.loginEnded(login):
		// The snap length cut the dialogue before the login ended (or
		// before it began): whether it logged in is not in the file.
		t := s.SlicedAt.T
		if login != nil {
			t = login.T
		}
		mr.Login = probe.Step{Outcome: probe.OutcomeSkipped, T0: t, T: t, Error: slicedText}
	case login == nil && greet != nil:
		// The greeting is in the capture and no login followed it
		// (nologin.go), unless the capture cannot say so.
		mr.Login = probe.Step{Outcome: probe.OutcomeOK, T0: c.FirstT(), T: c.FirstT()}
		if st, ok := rc.noLoginStep(s); ok {
			mr.Login = st
		}
	case login == nil:
		// Logged in before the capture started, or under TLS.
		mr.Login = probe.Step{Outcome: probe.OutcomeOK, T0: c.FirstT(), T: c.FirstT()}
	case rc.loginInHole(s, login):
		mr.Login = holeStep(s, login)
	case login.Final() == nil:
		mr.Login = rc.endStep(c, login.T)
	default:
		f := login.Final()
		mr.Login = rc.replyStep(login.T, login.Verb(), f, false)
		if s.TLS != nil && rc.meanings.interpret(login.Verb(), f.Reply, false).Step == ftp.StepIntermediate {
			// The rest of the login went on under TLS, unreadable.
			mr.Login.Outcome = probe.OutcomeOK
		}
	}
	if s.TLS != nil && s.TLS.Encrypted && login != nil && login.Final() == nil {
		mr.Login = probe.Step{Outcome: probe.OutcomeOK, T0: login.T, T: login.T}
	}
	return mr
}

// loginEnded reports whether the login exchange got a reply that ends
// the login: success, or a refusal (a 331 asking for the password ends
// nothing).
func (rc rebuild) loginEnded(login *capture.FTPExchange) bool {
	if login == nil || inHole(login) || login.Final() == nil {
		return false
	}
	return rc.meanings.interpret(login.Verb(), login.Final().Reply, false).Step != ftp.StepIntermediate
}

// loginInHole reports whether a hole of the capture hides how the login
// went: the login exchange is marked unknown, or it asked for more (331)
// and a hole follows it.
func (rc rebuild) loginInHole(s *capture.FTPSession, login *capture.FTPExchange) bool {
	if inHole(login) {
		return true
	}
	f := login.Final()
	if f == nil || rc.meanings.interpret(login.Verb(), f.Reply, false).Step != ftp.StepIntermediate {
		return false
	}
	i := slices.Index(s.Exchanges, login)
	return i >= 0 && i+1 < len(s.Exchanges) && inHole(s.Exchanges[i+1])
}

// holeStep is the login step when a hole of the capture hides its reply:
// ok when a later command was served (a reply completed it, none asked for
// a login), else not judged (holeText).
func holeStep(s *capture.FTPSession, login *capture.FTPExchange) probe.Step {
	i := slices.Index(s.Exchanges, login)
	for _, x := range s.Exchanges[i+1:] {
		f := x.Final()
		if inHole(x) || f == nil || x.Verb() == "" {
			continue
		}
		if in := ftp.Interpret(x.Verb(), f.Reply, false); in.Step == ftp.StepSuccess && in.Meaning != ftp.MeaningLoginRequired {
			return probe.Step{Outcome: probe.OutcomeOK, T0: login.T, T: f.T}
		}
	}
	return probe.Step{Outcome: probe.OutcomeSkipped, T0: login.T, T: login.T, Error: holeText}
}

// connStep classifies a TCP connection's handshake from the wire:
// SYN-ACK ok, a RST from the responder's side (the server, or a firewall
// answering for it) or ICMP port unreachable refused, other ICMP
// unreachable, SYNs alone timeout. A RST the initiator sent itself
// refuses nothing. A connection seen only mid-stream (or only from its
// data), or that carried data, counts as ok.
func connStep(c *capture.Conn, talked bool) probe.Step {
	t0 := c.FirstT()
	st := probe.Step{T0: t0, T: t0}
	rst := responderReset(c)
	switch {
	case c.SYNACK != nil:
		st.Outcome, st.T = probe.OutcomeOK, c.SYNACK.T
	case c.Midstream && (talked || c.FirstData != nil):
		st.Outcome = probe.OutcomeOK
	case c.FirstData != nil:
		// Data flowed: the handshake completed, its SYN-ACK not captured.
		st.Outcome = probe.OutcomeOK
	case len(c.ICMP) > 0:
		st.Outcome, st.T = probe.OutcomeUnreachable, c.ICMP[0].T
		if ic := c.ICMP[0]; (!ic.V6 && ic.Type == 3 && ic.Code == 3) || (ic.V6 && ic.Type == 1 && ic.Code == 4) {
			st.Outcome = probe.OutcomeRefused
		}
	case rst != nil:
		st.Outcome, st.T = probe.OutcomeRefused, rst.T
	case len(c.SYNs) > 0:
		st.Outcome, st.T = probe.OutcomeTimeout, c.SYNs[len(c.SYNs)-1].T
	default:
		st.Outcome = probe.OutcomeOK
	}
	return st
}

// responderReset is the first RST the responder's side sent, nil when
// none did.
func responderReset(c *capture.Conn) *capture.RSTFact {
	for i := range c.RSTs {
		if c.RSTs[i].From == capture.SideResponder {
			return &c.RSTs[i]
		}
	}
	return nil
}

// connStep is connStep with what the capture could see: SYNs that got no
// answer are unanswered only when the wire shows the wait (the SYN sent
// again), or the capture went on outlivedWait past the first one, or a
// reply ended the step (concluded: the transfer's final reply, a 425);
// otherwise the capture ended too soon to tell (cutText).
//
// A single SYN the client ended itself (its own RST) sooner than
// outlivedWait after it was a wait the client cut short: no answer was
// due yet, and none is shown missing (clientEndedText).
func (rc rebuild) connStep(c *capture.Conn, talked, concluded bool) probe.Step {
	st := connStep(c, talked)
	if st.Outcome != probe.OutcomeTimeout || len(c.SYNs) != 1 {
		return st
	}
	switch ended := clientEnded(c); {
	case ended > 0 && ended-c.SYNs[0].T < outlivedWait:
		st.Outcome, st.T, st.Error = probe.OutcomeSkipped, st.T0, clientEndedText(c, ended-c.SYNs[0].T, "its SYN", "the SYN would have been answered")
	case !concluded && rc.end-c.SYNs[0].T < resendWait:
		st.Outcome, st.T, st.Error = probe.OutcomeSkipped, st.T0, rc.cutText(st.T0)
	case !concluded && rc.end-c.SYNs[0].T < outlivedWait:
		st.Outcome, st.T = probe.OutcomeSkipped, st.T0
		st.Error = fmt.Sprintf(clientEndedPrefix+"its one SYN was not sent again in the %.1f s the capture goes on after it (a TCP stack sends it again within 1 to 3 s): the client stopped trying (a port scan, or a connect given up), and whether it would have been answered is not in the file", rc.end-c.SYNs[0].T)
	}
	return st
}

// resendWait is how long after an unanswered SYN every TCP stack has sent
// it again (1 s on Linux and macOS, 3 s on Windows): a SYN not sent again
// by then was given up.
const resendWait = 3.5

// sessionEndedWaiting is st, a data connection's single SYN that got no
// answer, unless session s's control connection ended sooner than
// outlivedWait after that SYN (or before it) with no reply concluding the
// wait: the session was given up before an answer was due, and the wire
// does not show the SYN unanswered (a SYN sent again would). Its error
// says who ended the session, and when.
func sessionEndedWaiting(st probe.Step, c *capture.Conn, s *capture.FTPSession) probe.Step {
	ctl := s.Control
	if len(c.SYNs) != 1 || ctl.OpenAtEnd {
		return st
	}
	syn := c.SYNs[0].T
	if lastSeen(ctl)-syn >= outlivedWait {
		return st
	}
	st.Outcome, st.T = probe.OutcomeSkipped, st.T0
	who, at := endedBy(s)
	switch {
	case at == 0 && lastSeen(ctl) < syn:
		// No end is in the capture, only its last packet before the SYN.
		st.Error = fmt.Sprintf(clientEndedPrefix+"the capture shows nothing of the control connection after %.1f s before this connection's one SYN: whether an answer was due is not in the file", syn-lastSeen(ctl))
		return st
	case at == 0:
		at = lastSeen(ctl)
	case at < syn:
		st.Error = fmt.Sprintf(clientEndedPrefix+"%s %.1f s before this connection's one SYN: no answer to it was due", who, syn-at)
		return st
	}
	st.Error = fmt.Sprintf(clientEndedPrefix+"%s %.1f s after this connection's one SYN, before any answer: whether it would have been answered is not in the file", who, at-syn)
	return st
}

// endedBy says who ended session s first, and how, and when: the client's
// QUIT ("the client 192.168.10.2:40000 ended the session (QUIT)"), or
// else the first FIN or RST of its control connection ("the server
// 203.0.113.10:21 ended the control connection (FIN)"); "the session
// ended" and 0 when the capture shows none of them. A server's FIN after
// the client's QUIT is the client's doing.
func endedBy(s *capture.FTPSession) (string, float64) {
	ctl := s.Control
	type end struct {
		t    float64
		side capture.Side
		how  string
	}
	var first *end
	note := func(r *capture.PacketRef, side capture.Side, how string) {
		if r != nil && (first == nil || r.T < first.t) {
			first = &end{r.T, side, how}
		}
	}
	for _, x := range s.Exchanges {
		if x.Verb() == "QUIT" {
			note(&x.PacketRef, capture.SideInitiator, "QUIT")
			break
		}
	}
	note(ctl.FINInitiator, capture.SideInitiator, "FIN")
	note(ctl.FINResponder, capture.SideResponder, "FIN")
	for i := range ctl.RSTs {
		note(&ctl.RSTs[i].PacketRef, ctl.RSTs[i].From, "RST")
	}
	switch {
	case first == nil:
		return "the session ended", 0
	case first.how == "QUIT":
		return fmt.Sprintf("the client %s ended the session (QUIT)", ctl.Initiator), first.t
	case first.side == capture.SideInitiator:
		return fmt.Sprintf("the client %s ended the control connection (%s)", ctl.Initiator, first.how), first.t
	}
	return fmt.Sprintf("the server %s ended the control connection (%s)", ctl.Responder, first.how), first.t
}

// clientEndedText is the error of a step the client ended itself (its
// FIN, or its RST) after that long, before any answer: after what, and
// what the wire cannot say.
func clientEndedText(c *capture.Conn, after float64, what, unknown string) string {
	how := "RST"
	if c.FINInitiator != nil && (len(c.RSTs) == 0 || c.FINInitiator.T <= c.RSTs[0].T) {
		how = "FIN"
	}
	return fmt.Sprintf(clientEndedPrefix+"%s ended the connection itself (%s) %.1f s after %s, before any answer: whether %s is not in the file", c.Initiator, how, max(0, after), what, unknown)
}

// callbackAtPort reports an active set-up that got no reply while the
// server's SYNs to the announced port went unanswered in the capture
// (seen sent again, or the capture going on long enough: connStep): the
// server connects at PORT/EPRT time and answers once its attempt ends.
// Not past the snap length, where the reply may simply be unreadable.
func (rc rebuild) callbackAtPort(ds *capture.DataSetup) bool {
	if ds.Passive || ds.Inferred || rc.sliced || ds.Conn == nil || len(ds.Conn.SYNs) == 0 {
		return false
	}
	st := rc.connStep(ds.Conn, false, false)
	return st.Outcome == probe.OutcomeTimeout || calledBackRefused(st)
}

// stallStep is a transfer with no final reply whose data connection went
// quiet (capture.Conn.Stall) or lost bytes in the capture. It stalled
// only when the capture shows the silence itself: not when the snap
// length hid the reply that may have ended it, nor when the capture lost
// bytes of the connection (the silence, or the missing data, may be the
// capture's loss), nor when the connection was still open as the capture
// ended less than outlivedWait after the data stopped (the capture ended,
// the transfer did not necessarily stall). Data that flowed again after
// the longest silence is no stall: the step ends as endStep says.
func (rc rebuild) stallStep(c, ctl *capture.Conn, t0 float64) probe.Step {
	st := probe.Step{Outcome: probe.OutcomeStalled, T0: t0}
	if c.Stall != nil {
		st.T = c.Stall.From + c.Stall.Duration
	}
	switch {
	case rc.sliced:
		st.Outcome, st.Error = probe.OutcomeSkipped, slicedText
	case c.GapBytes > 0:
		st.Outcome, st.Error = probe.OutcomeSkipped, fmt.Sprintf(holePrefix+"lost %d bytes of the data connection: whether its transfer stalled, or only the capture lost its packets, is not in the file", c.GapBytes)
	case c.Stall == nil:
		return rc.endStep(ctl, t0)
	case c.OpenAtEnd && rc.end-c.Stall.From < outlivedWait:
		st.Outcome, st.Error = probe.OutcomeSkipped, rc.cutText(t0)
	case c.LastData != nil && c.LastData.T > c.Stall.From:
		return rc.endStep(ctl, t0)
	}
	return st
}

// replyStep is a step ended by a reply to verb: ok when ftp.Interpret
// says the reply completes the command, else a failed reply (negative, or
// one the command's sequence does not allow). afterPreliminary is true for
// the final reply after a 1xx.
func (rc rebuild) replyStep(t0 float64, verb string, f *capture.FTPReply, afterPreliminary bool) probe.Step {
	// The meaning is decided here once, as the probe records it, so the
	// rules read it instead of interpreting the reply again per step. The
	// reply is the capture's own and the meaning the cache's, both read
	// only: copies were 4 MB of the 3,000-session benchmark's 131.
	in := rc.meanings.meaning(verb, f.Reply, afterPreliminary)
	st := probe.Step{T0: t0, T: f.T, Reply: &f.Reply, Meaning: in}
	if in.Step == ftp.StepSuccess {
		st.Outcome = probe.OutcomeOK
	} else {
		st.Outcome = probe.OutcomeReply
	}
	return st
}

// endStep is a step begun at t0 that got no reply: the connection was
// reset, closed, or it was still open when the capture ended. Still open,
// the step timed out only if the capture went on long enough after it
// (outlivedWait); otherwise, or when the snap length cut the dialogue
// before it (rebuild.sliced), its outcome is not in the file: skipped, the
// error saying so (cutShort then leaves its mode out).
func (rc rebuild) endStep(c *capture.Conn, t0 float64) probe.Step {
	return rc.endStepAfter(c, t0, "this command")
}

// greetingEndStep is endStep for the greeting awaited from the
// connection's first packet on.
func (rc rebuild) greetingEndStep(c *capture.Conn) probe.Step {
	return rc.endStepAfter(c, c.FirstT(), "the connection opened")
}

// endStepAfter is endStep for a step that began with what.
func (rc rebuild) endStepAfter(c *capture.Conn, t0 float64, what string) probe.Step {
	st := probe.Step{T0: t0, T: max(t0, lastSeen(c))}
	ended := clientEnded(c)
	// The server's FIN or RST ended the step only when it came first: one
	// after the client's own is the answer to the client's close.
	first := func(t float64) bool { return ended == 0 || t <= ended }
	switch rst := responderReset(c); {
	case rc.sliced:
		// The dialogue is read up to the first cut segment: a reply
		// after it is not in the readable text.
		st.Outcome, st.Error = probe.OutcomeSkipped, slicedText
	case rst != nil && first(rst.T):
		st.Outcome = probe.OutcomeReset
	case c.FINResponder != nil && first(c.FINResponder.T):
		st.Outcome = probe.OutcomeClosed
	case ended >= t0+outlivedWait:
		// The client ended the connection itself after waiting that
		// long: the missing reply is observed, and the server did not
		// end anything.
		st.Outcome = probe.OutcomeTimeout
	case ended > 0:
		// The client ended it sooner: the server ended nothing, and
		// whether it would have answered is not on the wire.
		st.Outcome, st.Error = probe.OutcomeSkipped, clientEndedText(c, ended-t0, what, "the server would have answered")
	case rc.end-t0 < outlivedWait:
		st.Outcome, st.Error = probe.OutcomeSkipped, rc.cutText(t0)
	default:
		st.Outcome = probe.OutcomeTimeout
	}
	return st
}

// clientEnded is when the initiator ended the connection (its FIN or
// RST, the first of them), 0 when it did not.
func clientEnded(c *capture.Conn) float64 {
	t := 0.0
	if c.FINInitiator != nil {
		t = c.FINInitiator.T
	}
	for _, r := range c.RSTs {
		if r.From == capture.SideInitiator && (t == 0 || r.T < t) {
			t = r.T
		}
	}
	return t
}

func lastSeen(c *capture.Conn) float64 {
	t := c.FirstT()
	for _, r := range []*capture.PacketRef{c.SYNACK, c.LastData, c.FINInitiator, c.FINResponder} {
		if r != nil {
			t = max(t, r.T)
		}
	}
	for _, r := range c.RSTs {
		t = max(t, r.T)
	}
	return t
}

// noTransferCommand is a rebuilt transfer's command when the client sent
// none on the data connection it set up.
const noTransferCommand = "(no transfer command)"

// notDuePrefix starts the connect step's error of a data connection no
// transfer needed: the server refused the transfer command itself.
const notDuePrefix = "no data connection was due: "

// notDue reports a rebuilt mode whose first transfer the server refused
// before any data connection was due: the capture shows nothing of the
// data connection, neither working nor failing.
func notDue(mr *probe.ModeResult) bool {
	c := mr.ListData.Connect
	return c.Outcome == probe.OutcomeSkipped && strings.HasPrefix(c.Error, notDuePrefix)
}

// pairSetups groups a control connection's data set-ups into rebuilt
// modes, as the probe's are (a listing, then a transfer on a second data
// connection): a listing opens a group of its mode, and the next set-up of
// that mode joins it when its transfer is a download or an upload. Every
// other set-up is a mode of its own: a second listing is a listing, never
// the probe's RETR.
func pairSetups(setups []*capture.DataSetup) []setupPair {
	out := make([]setupPair, 0, len(setups))
	open := map[probe.Mode]int{}
	for _, ds := range setups {
		m := modeOf(ds)
		kind := transferKind(ds)
		if i, ok := open[m]; ok {
			delete(open, m)
			if kind == "download" || kind == "upload" {
				out[i].second = ds
				continue
			}
		}
		if kind == "listing" {
			open[m] = len(out)
		}
		out = append(out, setupPair{first: ds})
	}
	return out
}

// setupPair is the data set-ups of one rebuilt mode: the first, and the
// download or upload that followed its listing (nil when none). A pair,
// not a list of each mode's: one allocation for all of a session's
// (a list each was 2% of the 3,000-session benchmark's allocations).
type setupPair struct {
	first, second *capture.DataSetup
}

// transferKind is what a set-up's transfer moved (transferKinds), "" when
// none used it.
func transferKind(ds *capture.DataSetup) string {
	if ds.Transfer == nil {
		return ""
	}
	return transferKinds[ds.Transfer.Verb()]
}

// fillData sets a data connection and its transfer from one captured data
// setup and reports whether all of it worked.
func fillData(dc *probe.DataConn, tr *probe.Transfer, s *capture.FTPSession, ds *capture.DataSetup, rc rebuild) bool {
	ar := orNoArena(rc.arena)
	if ds.Announced.IsValid() {
		dc.Announced = ar.endpoint(ds.Announced)
	}
	// The setup exchange.
	switch {
	case ds.Inferred:
		t := ds.Conn.FirstT()
		dc.Setup = probe.Step{Outcome: probe.OutcomeOK, T0: t, T: t}
	case ds.Setup.Final() == nil && rc.callbackAtPort(ds):
		// The server connected as soon as it got PORT/EPRT and its
		// SYNs went unanswered, or were refused: its silence is the
		// wait for that attempt (pyftpdlib, Twisted), as the probe's
		// set-up watch reads it.
		c := ds.Conn
		dc.Connect = rc.connStep(c, false, false)
		// No reply until the control connection's last packet.
		dc.Setup = probe.Step{Outcome: probe.OutcomeTimeout, T0: ds.Setup.T, T: max(dc.Connect.T, lastSeen(s.Control))}
		dc.Listened = dc.Announced
		dc.SetupWatch = &probe.SetupWatch{Listener: probe.ListenerSYNDropped}
		if calledBackRefused(dc.Connect) {
			dc.SetupWatch.Listener = probe.ListenerNothing
		}
		tr.Command = noTransferCommand
		if ds.Transfer != nil {
			tr.Command = ds.Transfer.Command
		}
		tr.Step = probe.Step{Outcome: probe.OutcomeSkipped}
		return false
	case ds.Setup.Final() == nil:
		dc.Setup = rc.endStep(s.Control, ds.Setup.T)
	default:
		f := ds.Setup.Final()
		dc.Setup = rc.replyStep(ds.Setup.T, ds.Setup.Verb(), f, false)
		if dc.Setup.OK() && !ds.Announced.IsValid() {
			dc.Setup.Outcome = probe.OutcomeProtocol
			dc.Setup.Error = "the reply carries no address this tool can read"
		}
	}
	tr.Command = noTransferCommand
	if ds.Transfer != nil {
		tr.Command = ds.Transfer.Command
	}
	if !dc.Setup.OK() {
		dc.Connect = probe.Step{Outcome: probe.OutcomeSkipped}
		if !ds.Passive && !rc.dataSeen && interpret(ds.Setup.Verb(), dc.Setup).Meaning == ftp.MeaningDataConnectionFailed {
			// The server dialled at PORT time and says it failed
			// (pyftpdlib, Twisted), in a capture that holds no data
			// connection: where it failed cannot be seen.
			dc.Connect = probe.Step{Outcome: probe.OutcomeSkipped, T0: dc.Setup.T, T: dc.Setup.T, Error: notCapturedText}
		}
		tr.Step = probe.Step{Outcome: probe.OutcomeSkipped}
		return false
	}
	// The data connection on the wire.
	var final, prelim *capture.FTPReply
	if ds.Transfer != nil {
		final = ds.Transfer.Final()
		if len(ds.Transfer.Replies) > 0 && ds.Transfer.Replies[0].Preliminary() {
			prelim = &ds.Transfer.Replies[0]
		}
	}
	c := ds.Conn
	switch {
	case c != nil:
		// The transfer's reply, or the session's end in the capture,
		// concluded the wait for the connection.
		dc.Connect = rc.connStep(c, c.FirstData != nil, final != nil || !s.Control.OpenAtEnd)
		if final == nil && dc.Connect.Outcome == probe.OutcomeTimeout {
			dc.Connect = sessionEndedWaiting(dc.Connect, c, s)
		}
		init, resp := c.Initiator, endpointName(c.Responder, ds.Announced, dc.Announced, ar)
		if ds.Passive {
			dc.Dialled = resp
			if dc.Connect.OK() {
				dc.Local, dc.Peer = ar.endpoint(init), resp
			}
		} else {
			dc.Listened = dc.Announced
			if dc.Listened == "" {
				dc.Listened = resp
			}
			if dc.Connect.OK() {
				dc.Local, dc.Peer = resp, ar.endpoint(init)
			}
		}
	case prelim != nil || (final != nil && final.Completion()):
		// Not in the capture (a filter kept port 21 only), but the
		// server's replies say the data connection opened.
		t := dc.Setup.T
		if prelim != nil {
			t = prelim.T
		}
		dc.Connect = probe.Step{Outcome: probe.OutcomeOK, T0: dc.Setup.T, T: t}
		if !ds.Passive {
			dc.Listened = dc.Announced
		}
	case final != nil && !aboutDataConn(ds.Transfer.Verb(), final):
		// Refused without a 1xx for a reason of its own (a file refused,
		// a login needed): no data connection was due.
		dc.Connect = probe.Step{Outcome: probe.OutcomeSkipped, T0: dc.Setup.T, T: final.T, Error: fmt.Sprintf(notDuePrefix+"the server refused %s", ds.Transfer.Verb())}
	case !rc.dataSeen && !gaveUpOnPrivate(ds, s.Server):
		// The capture holds no data connection at all: whether this one
		// was dialled, and how it went, cannot be seen (observe_capture.go).
		dc.Connect = probe.Step{Outcome: probe.OutcomeSkipped, T0: dc.Setup.T, T: dc.Setup.T, Error: notCapturedText}
	case final == nil && s.Control.OpenAtEnd && rc.end-dc.Setup.T < outlivedWait && !gaveUpOnPrivate(ds, s.Server):
		// The capture ended soon after the set-up, the session still
		// open: whether a connection would have come is not in the file.
		dc.Connect = probe.Step{Outcome: probe.OutcomeSkipped, T0: dc.Setup.T, T: dc.Setup.T, Error: rc.cutText(dc.Setup.T)}
	default:
		// Announced, and no connection ever appeared: the wait ended
		// with the transfer's reply, or when the client moved on to
		// its next command without using this set-up.
		t := dc.Setup.T
		switch next := nextCommand(s, ds.Setup); {
		case final != nil:
			t = final.T
		case ds.Transfer == nil && next > 0:
			t = next
		}
		dc.Connect = probe.Step{Outcome: probe.OutcomeTimeout, T0: dc.Setup.T, T: t}
		if ds.Passive {
			dc.Dialled = dc.Announced
		} else {
			dc.Listened = dc.Announced
		}
	}
	if ds.Passive && ds.Announced.IsValid() && dc.Dialled != "" {
		a, d := ds.Announced.Addr().Unmap(), addrOf(dc.Dialled)
		switch {
		case a == d:
			dc.AddressPolicy = "same"
			if a != s.Server.Addr().Unmap() {
				dc.AddressPolicy = "trusted"
			}
		case d == s.Server.Addr().Unmap():
			dc.AddressPolicy = "control-peer"
		default:
			dc.AddressPolicy = "other"
		}
	}
	// The transfer.
	if c != nil {
		tr.Bytes = max(c.BytesFromInitiator, c.BytesFromResponder)
		tr.LargestRead = max(c.MaxSegmentFromInitiator, c.MaxSegmentFromResponder)
	}
	transferTimes(tr, c, ds.Passive, prelim, final, orNoArena(rc.arena))
	var abortT float64
	aborted := false
	if ds.Transfer != nil && !rc.sliced {
		abortT, aborted = clientAbort(s, ds.Transfer, final)
	}
	switch {
	case aborted && abortDecides(tr, c, ds.Transfer, abortT, final):
		// Interrupted by the client (client_abort.go).
	case stopDecides(tr, c, ds, final, rc.vantage):
		// The client stopped reading (client_abort.go).
	case ds.Transfer == nil:
		tr.Step = probe.Step{Outcome: probe.OutcomeOK, T0: dc.Connect.T, T: dc.Connect.T}
		if !dc.Connect.OK() {
			tr.Step.Outcome = probe.OutcomeSkipped
		}
	case final != nil:
		tr.Step = rc.replyStep(ds.Transfer.T, ds.Transfer.Verb(), final, prelim != nil)
		// A copy, not the capture's reply the step points at:
		// refusedForReuse reads a Final that is not the step's reply
		// as a reply of its own, and the rebuilt result always did.
		rep := final.Reply
		tr.Final = &rep
	case c != nil && (c.Stall != nil || c.GapBytes > 0):
		tr.Step = rc.stallStep(c, s.Control, ds.Transfer.T)
	default:
		tr.Step = rc.endStep(s.Control, ds.Transfer.T)
	}
	if !dc.Connect.OK() && tr.Step.Outcome == probe.OutcomeOK {
		tr.Step = probe.Step{Outcome: probe.OutcomeSkipped}
	}
	if ds.Inferred && c != nil && fullHandshake(c.TLS) && !dataFlowed(c) {
		// The encrypted control channel hides the reply, and the wire
		// cannot tell a refusal from an empty transfer (tlsresume.go).
		tr.Step = probe.Step{Outcome: probe.OutcomeSkipped, T0: dc.Connect.T, T: lastSeen(c), Error: tlsHiddenText}
	}
	return dc.Setup.OK() && dc.Connect.OK() && tr.Step.OK()
}

// endpointName is ap.String(), or name when it is already that of ap:
// the endpoint a data connection reached is mostly the one announced,
// and writing each endpoint again was 2% of the 3,000-session benchmark's
// allocations.
func endpointName(ap, named netip.AddrPort, name string, ar *sessionArena) string {
	if ap == named && name != "" {
		return name
	}
	return ar.endpoint(ap)
}

// nextCommand is when the client sent its next command after x, 0 when
// the capture holds none.
func nextCommand(s *capture.FTPSession, x *capture.FTPExchange) float64 {
	for i, e := range s.Exchanges {
		if e == x && i+1 < len(s.Exchanges) {
			return s.Exchanges[i+1].T
		}
	}
	return 0
}

// transferTimes fills a rebuilt transfer's moments from the wire: the 1xx
// and final replies, the first and last data segment, the server's FIN on
// the data connection (the responder's in passive mode).
func transferTimes(tr *probe.Transfer, c *capture.Conn, passive bool, prelim, final *capture.FTPReply, ar *sessionArena) {
	// The moments share one allocation: one each was 4% of the
	// 3,000-session benchmark's allocations.
	var ts *transferMoments
	n := 0
	at := func(r *capture.PacketRef) *float64 {
		if r == nil {
			return nil
		}
		if ts == nil {
			ts = &ar.moments.take(1)[0]
		}
		ts[n] = r.T
		n++
		return &ts[n-1]
	}
	if prelim != nil {
		tr.Preliminary, tr.Times.Preliminary = &prelim.Reply, at(&prelim.PacketRef)
	}
	if final != nil {
		tr.Times.Final = at(&final.PacketRef)
	}
	if c == nil {
		return
	}
	tr.Times.FirstByte, tr.Times.LastByte = at(c.FirstData), at(c.LastData)
	if passive {
		tr.Times.ServerClosed = at(c.FINResponder)
	} else {
		tr.Times.ServerClosed = at(c.FINInitiator)
	}
}

// transferMoments are the times of one transfer (transferTimes).
type transferMoments [5]float64

// appendDataExchanges appends the exchanges of a setup and its transfer,
// and the client's ABOR that interrupted the transfer (a caller's array of
// six keeps a mode's off the heap).
func appendDataExchanges(out []*capture.FTPExchange, s *capture.FTPSession, ds *capture.DataSetup) []*capture.FTPExchange {
	if ds.Setup != nil {
		out = append(out, ds.Setup)
	}
	if ds.Transfer != nil {
		out = append(out, ds.Transfer)
		if x := abortOf(s, ds.Transfer); x != nil {
			out = append(out, x)
		}
	}
	return out
}

// ruleControlEncrypted: a captured session whose control connection ran
// under TLS (analyze only): the dialogue, and with it the data set-ups,
// cannot be read; the data connections between the two hosts are still
// reported. Info.
func ruleControlEncrypted(in *input) []Finding {
	if in.an == nil {
		return nil
	}
	return encryptedFindings(in.an.group)
}

// encryptedFindings is control-encrypted for a session group.
func encryptedFindings(g []*capture.FTPSession) []Finding {
	var facts []Fact
	var modes []string
	for _, s := range g {
		if s.TLS == nil || !s.TLS.Encrypted {
			continue
		}
		how := "AUTH TLS accepted"
		t := s.Control.FirstT()
		pk := 0
		if s.TLS.Auth != nil {
			t, pk = s.TLS.Auth.T, s.TLS.Auth.Packet
		}
		switch {
		case s.TLS.Implicit:
			how = "TLS from the first byte (implicit FTPS)"
		case s.TLS.Midstream:
			how = "TLS already under way when the capture started (AUTH TLS or implicit FTPS, before the capture)"
		}
		text := fmt.Sprintf("control %s -> %s: %s, then %d TLS records", s.Client, s.Server, how, s.TLS.Records)
		if d := s.TLS.Decryption; d != nil && d.Stopped != "" {
			if d.Records > 0 {
				text += fmt.Sprintf("; the key log decrypted %d records, then no more: %s", d.Records, d.Stopped)
			} else {
				text += "; the key log did not decrypt it: " + d.Stopped
			}
		}
		if c := s.TLS.Cleared; c != nil {
			text += fmt.Sprintf("; clear text again from %.3fs (CCC): the dialogue after it is read", c.T)
		}
		facts = append(facts, Fact{T: t, Packet: pk, Text: text})
		for _, ds := range s.Data {
			if !ds.Inferred || ds.Conn == nil {
				continue
			}
			c := ds.Conn
			st := connStep(c, c.FirstData != nil)
			facts = append(facts, Fact{T: c.FirstT(), Text: fmt.Sprintf("data connection %s -> %s: %s, %d bytes%s", c.Initiator, c.Responder, st.Outcome, max(c.BytesFromInitiator, c.BytesFromResponder), tlsBrief(c.TLS))})
			if m := string(modeOf(ds)); !slices.Contains(modes, m) {
				modes = append(modes, m)
			}
		}
	}
	if len(facts) == 0 {
		return nil
	}
	if clearedByCCC(g) {
		return []Finding{{
			ID:          "control-encrypted",
			Severity:    SeverityInfo,
			Title:       "The control connection was encrypted (FTPS) until CCC: the commands and replies before it cannot be read",
			Explanation: "The session switched to TLS, then back to clear text with CCC: the dialogue under TLS (the login, and whatever came before CCC) cannot be read; the commands and replies after CCC are read as those of any plain session, and the report rests on them. A firewall's FTP helper can read them too: that is what CCC is for.",
			Modes:       modes,
			Evidence:    facts,
			Fixes:       []Fix{{For: "client", Text: "For the dialogue before CCC, have the client log its control dialogue (FileZilla: Debug > Logging, curl -v)."}},
		}}
	}
	return []Finding{{
		ID:          "control-encrypted",
		Severity:    SeverityInfo,
		Title:       "The control connection is encrypted (FTPS): commands and replies cannot be read",
		Explanation: "The session switched to TLS, so the capture cannot show the commands, the passive replies or the announced ports. What the wire still tells is below: every connection between the two hosts while the session lasted, which side opened it (client: passive, named PASV here; server: active, named PORT) and whether its handshake completed. An FTP ALG or firewall helper cannot read an encrypted control connection either, so it cannot open the passive ports for it.",
		Modes:       modes,
		Evidence:    facts,
		Fixes: []Fix{{For: "client", Text: "For a readable capture, reproduce with plain FTP, or have the client log its control dialogue (FileZilla: Debug > Logging, curl -v)."},
			{For: "generic-firewall", Text: "With FTPS, open the server's passive range explicitly: helpers cannot track encrypted control connections."}},
	}}
}

// summarize makes a session's line of the summary table.
func summarize(d *Diagnosis, controls int) SessionSummary {
	s := SessionSummary{Session: d.Session.ID, Client: d.Session.Client, Server: d.Session.Server, Start: d.Session.Start,
		Controls: controls, Vantage: d.Session.Vantage, Verdict: d.Verdict, Errors: []string{}, Warnings: []string{}}
	var parts []string
	for _, row := range d.Matrix {
		st := "works"
		if !row.Works {
			st = "fails"
		}
		parts = append(parts, row.Mode+" "+st)
	}
	s.Modes = strings.Join(parts, ", ")
	if s.Modes == "" {
		s.Modes = "-"
	}
	for _, f := range d.Findings {
		switch f.Severity {
		case SeverityError:
			if !slices.Contains(s.Errors, f.ID) {
				s.Errors = append(s.Errors, f.ID)
			}
		case SeverityWarning:
			if !slices.Contains(s.Warnings, f.ID) {
				s.Warnings = append(s.Warnings, f.ID)
			}
		}
	}
	return s
}

// decryptedText describes what the key log decrypted of a session's
// control connection, "" when it decrypted nothing.
func decryptedText(s *capture.FTPSession) string {
	if s.TLS == nil || s.TLS.Decryption == nil || s.TLS.Decryption.Records == 0 {
		return ""
	}
	d := s.TLS.Decryption
	text := fmt.Sprintf("capture session %d: %s %s, %d records", s.ID, d.Version, d.CipherSuite, d.Records)
	if d.Stopped != "" {
		text += " (then it stopped)"
	}
	return text
}

// controlConns are the control connections of a session group.
func controlConns(g []*capture.FTPSession, ar *sessionArena) []*capture.Conn {
	out := ar.connRefs.take(len(g))[:0]
	for _, s := range g {
		out = append(out, s.Control)
	}
	return out
}
