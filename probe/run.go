package probe

import (
	"context"
	"fmt"
	"net/netip"
	"path"
	"strings"
	"sync"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// Run probes every data mode of the target and returns what happened.
// The error is non-nil only for setup problems (bad options); every network
// failure is an Outcome inside the Result.
//
// The first mode (EPSV) logs in alone: when the login fails there, the
// other modes are not tried, so a wrong password costs one failed login,
// not four (account lockouts). Once it is logged in, the other modes start
// at once, each on its own control connection.
func Run(ctx context.Context, t Target, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.TLS, err = prepareTLS(t, opts.TLS); err != nil {
		return nil, err
	}
	c := &clock{now: opts.Now}
	c.zero = c.now()
	res := &Result{
		Target:    t,
		StartedAt: c.zero,
		Options: OptionsEcho{
			ConnectTimeout:   opts.ConnectTimeout.Seconds(),
			DataTimeout:      opts.DataTimeout.Seconds(),
			TrustPasvAddress: opts.TrustPasvAddress,
			ActivePortRange:  opts.ActivePorts.String(),
			RetrBytes:        opts.RetrBytes,
			StallTimeout:     opts.StallTimeout.Seconds(),
			Upload:           opts.Upload,
		},
		TLS: newTLSResult(opts.TLS),
	}
	for _, m := range opts.Modes {
		res.Modes = append(res.Modes, ModeResult{Mode: m, Applicable: true})
	}
	defer maskSecrets(res, t) // mask.go: runs last, after every step
	defer func() { res.Duration = c.offset() }()
	ctx, cancel, cut := withRunDeadline(ctx, opts.RunTimeout, c)
	defer cancel()
	defer cut.finish(ctx, res, opts.RunTimeout) // interrupt.go: before cancel

	addr, ok := resolve(ctx, t, opts, c, res)
	if !ok {
		skipAll(res.Modes, "the host name did not resolve")
		return res, nil
	}
	server := netip.AddrPortFrom(addr, uint16(t.Port))
	for i := range res.Modes {
		if addr.Is6() && (res.Modes[i].Mode == ModePASV || res.Modes[i].Mode == ModePORT) {
			markNotApplicable(&res.Modes[i])
		}
	}
	if opts.BeforeConnect != nil {
		if err := opts.BeforeConnect(server, c.zero); err != nil {
			return nil, err
		}
	}
	r := &runner{ctx: ctx, target: t, server: server, opts: opts, clock: c, res: res}
	r = r.runTLS() // r.run, and what TLS adds (tls.go)
	if opts.Upload {
		r.upload() // upload.go, with the TLS options that worked
	}
	return res, nil
}

// resolve turns the target host into the address to dial.
func resolve(ctx context.Context, t Target, opts Options, c *clock, res *Result) (netip.Addr, bool) {
	st := c.begin()
	if a, err := netip.ParseAddr(t.Host); err == nil {
		res.Resolve = c.ok(st)
		res.Addresses = []string{a.Unmap().String()}
		return a.Unmap(), true
	}
	rctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	addrs, err := opts.Resolver.LookupNetIP(rctx, "ip", t.Host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("lookup %s: no addresses", t.Host)
	}
	if err != nil {
		res.Resolve = c.fail(st, fmt.Errorf("resolve %s: %w", t.Host, err))
		if res.Resolve.Outcome != OutcomeTimeout {
			res.Resolve.Outcome = OutcomeDNS
		}
		return netip.Addr{}, false
	}
	res.Resolve = c.ok(st)
	for _, a := range addrs {
		res.Addresses = append(res.Addresses, a.Unmap().String())
	}
	return addrs[0].Unmap(), true
}

// stage is a point in a mode's sequence of steps: connect, banner, login,
// then the data steps.
type stage int

const (
	stageConnect stage = iota
	stageBanner
	stageLogin
	stageData
)

// markFrom gives every step of m from stage from onward the step st (a
// skipped or not-applicable marker), so a mode that stopped early still
// says why for each step it never ran.
func (m *ModeResult) markFrom(from stage, st Step) {
	if from <= stageConnect {
		m.Connect = st
	}
	if from <= stageBanner {
		m.Banner = st
	}
	if from <= stageLogin {
		m.Login = st
	}
	m.ListData.Setup, m.ListData.Connect, m.List.Step = st, st, st
}

func skipAll(modes []ModeResult, why string) {
	for i := range modes {
		modes[i].markFrom(stageConnect, skipped(why))
	}
}

func markNotApplicable(m *ModeResult) {
	m.Applicable = false
	m.markFrom(stageConnect, notApplicable(string(m.Mode)+" carries only IPv4 addresses; the control connection is IPv6"))
}

// runner holds what the per-mode sessions share.
type runner struct {
	ctx    context.Context
	target Target
	server netip.AddrPort
	opts   Options
	clock  *clock
	res    *Result
	mu     sync.Mutex // guards res.RetrFile, res.Server and closes
	// closes are the times the run's control connections closed (pacing.go).
	closes []float64
}

func (r *runner) run() {
	var lead *ModeResult
	var rest []*ModeResult
	for i := range r.res.Modes {
		m := &r.res.Modes[i]
		if !m.Applicable {
			continue
		}
		if lead == nil {
			lead = m
		} else {
			rest = append(rest, m)
		}
	}
	if lead == nil {
		return
	}
	loggedIn := make(chan bool, 1)
	leadDone := make(chan struct{})
	go func() {
		defer close(leadDone)
		r.probeMode(lead, loggedIn, nil)
	}()
	if !<-loggedIn {
		<-leadDone
		if r.retryLead(lead) {
			done := make(chan struct{})
			close(done)
			r.runModes(lead, rest, done) // pacing.go
			r.retrySerially(rest)
			return
		}
		why := fmt.Sprintf("the first control connection (%s) did not log in; not repeated", lead.Mode)
		for _, m := range rest {
			m.markFrom(stageConnect, skipped(why))
		}
		return
	}
	r.runModes(lead, rest, leadDone) // pacing.go
	<-leadDone
	r.retrySerially(rest)
}

// probeMode runs one mode's control connection from connect to QUIT. For
// the lead mode it reports on loggedIn whether login succeeded and collects
// the server's SYST and FEAT. greeted, when not nil, is closed once the
// greeting has come (or the attempt has ended without it).
func (r *runner) probeMode(m *ModeResult, loggedIn chan<- bool, greeted chan<- struct{}) {
	signal := func(ok bool) {
		if loggedIn != nil {
			loggedIn <- ok
			loggedIn = nil
		}
	}
	greet := func() {
		if greeted != nil {
			close(greeted)
			greeted = nil
		}
	}
	defer signal(false)
	defer greet()
	defer r.opts.OnProgress(m.Mode, "done")
	r.opts.OnProgress(m.Mode, "connect")
	s := r.connect(m)
	if s == nil {
		return
	}
	defer s.close()
	defer s.quit()
	// The session ends with QUIT: a server serving one session at a time
	// may greet the next one as soon as it has answered it.
	defer r.noteClosed()
	s.onGreeting = greet
	if !r.implicitTLS(s, m) {
		return
	}
	if !r.greetAndLogin(s, m) {
		noteTLSDemand(m)
		return
	}
	r.protect(s, m)
	lead := loggedIn != nil
	if lead {
		r.serverInfo(s)
	}
	signal(true)
	r.responderStart(s, m, lead)     // responder.go
	defer r.responderReport(s, m)    // runs last before QUIT
	defer r.responderCallbacks(s, m) // callback.go: before the report
	defer r.samplePassive(s, m)      // runs before QUIT
	s.command("TYPE", "I")
	dir, file := splitTargetPath(r.target.Path)
	r.opts.OnProgress(m.Mode, "LIST")
	listing := r.list(s, m, dir)
	if !m.Works {
		return
	}
	if file == "" {
		file = pickFile(dir, listing)
	}
	if file == "" {
		return
	}
	r.mu.Lock()
	if r.res.RetrFile == "" {
		r.res.RetrFile = file
	}
	r.mu.Unlock()
	r.opts.OnProgress(m.Mode, "RETR")
	r.retr(s, m, file)
}

func (r *runner) connect(m *ModeResult) *session {
	st := r.clock.begin()
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.ConnectTimeout)
	defer cancel()
	// The source address is the route's choice: bound to any address,
	// only the port is known should the connection fail.
	conn, local, err := dialBound(ctx, r.opts.Dialer, netip.Addr{}, r.server.String(), nil)
	if local.IsValid() {
		m.ControlLocal = local.String()
	}
	if err != nil {
		m.markFrom(stageBanner, skipped("no control connection"))
		m.Connect = r.clock.fail(st, fmt.Errorf("connect control %s: %w", r.server, err))
		return nil
	}
	m.Connect = r.clock.ok(st)
	m.ControlRemote = addrPortOf(conn.RemoteAddr()).String()
	return newSession(r.ctx, conn, r.clock, r.opts, m)
}

// greetAndLogin reads the banner and logs in.
func (r *runner) greetAndLogin(s *session, m *ModeResult) bool {
	defer func() {
		if !m.Login.OK() {
			m.markFrom(stageData, skipped("not logged in"))
		}
	}()
	if !r.greet(s, m) {
		return false
	}
	r.mu.Lock()
	if r.res.Server.Banner == "" {
		r.res.Server.Banner = m.Banner.Reply.Text()
		// From the banner alone until SYST and FEAT (serverInfo) say
		// more: a server that refuses every login is still named.
		r.res.Server.Info = ftp.DetectServer(r.res.Server.Banner, "", nil)
	}
	r.mu.Unlock()
	if !r.startTLS(s, m) {
		return false
	}
	m.Login = r.login(s)
	return m.Login.OK()
}

// greet reads the greeting: a 220, or a 120 ("service ready in nnn
// minutes") and then the 220. Anything else ends the session.
func (r *runner) greet(s *session, m *ModeResult) bool {
	if s.onGreeting != nil {
		defer s.onGreeting() // once m.Banner is set
	}
	st := r.clock.begin()
	rep, err := s.readReply(r.opts.ReplyTimeout)
	afterPreliminary := false
	if err == nil && isStep(ftp.Interpret(ftp.Greeting, rep, false), ftp.StepPreliminary) {
		afterPreliminary = true
		rep, err = s.readReply(r.opts.ReplyTimeout)
	}
	if err != nil {
		m.Banner = r.clock.fail(st, err)
		m.Login = skipped("no banner")
		return false
	}
	m.Banner = r.clock.replied(st, ftp.Greeting, rep, afterPreliminary)
	if !m.Banner.OK() || !isStep(*m.Banner.Meaning, ftp.StepSuccess) {
		if m.Banner.OK() {
			m.Banner.Outcome = OutcomeProtocol
			m.Banner.Error = "the greeting never completed"
		}
		m.Login = skipped("the server did not greet with 220")
		return false
	}
	return true
}

// login sends USER, then PASS when the server asks for a password. A
// success reply to either is logged in (a 230 to USER needs no password);
// a request for an account (332) ends the login: the probe has none to
// send, and says so.
func (r *runner) login(s *session) Step {
	st := r.clock.begin()
	_, step := s.command("USER", r.target.User)
	if step.OK() && step.Meaning.Step == ftp.StepIntermediate && step.Meaning.Meaning != ftp.MeaningAccountNeeded {
		_, step = s.command("PASS", r.target.Password)
	}
	step.T0 = st.T0
	if step.OK() && step.Meaning.Step != ftp.StepSuccess {
		step.Outcome = OutcomeReply
		step.Error = "login did not complete"
		if step.Meaning.Meaning == ftp.MeaningAccountNeeded {
			step.Error = "the server asks for an account (ACCT), which ftpdiag does not send"
		}
	}
	return step
}

func isStep(in ftp.Interpretation, want ftp.Step) bool { return in.Step == want }

// serverInfo asks SYST and FEAT once, on the lead connection.
func (r *runner) serverInfo(s *session) {
	var syst string
	if rep, st := s.command("SYST", ""); st.OK() {
		syst = rep.Text()
	}
	var feat []string
	if rep, st := s.command("FEAT", ""); st.OK() {
		feat = ftp.ParseFeat(rep)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Server.Syst = syst
	r.res.Server.Feat = feat
	r.res.Server.Info = ftp.DetectServer(r.res.Server.Banner, syst, feat)
}

// list runs LIST on its own data connection and returns what it kept.
func (r *runner) list(s *session, m *ModeResult, dir string) []byte {
	ch := s.openData(m.Mode, &m.ListData)
	if ch == nil {
		m.List.Command = "LIST"
		m.List.Step = skipped("no data connection")
		return nil
	}
	tr, data := s.transfer(ch, &m.ListData, "LIST", dir, maxListBytes, maxListKeep)
	checkDataTLS(&m.ListData, &tr)
	m.List = tr
	m.Works = m.ListData.Connect.OK() && tr.Step.OK()
	return data
}

// retr downloads at most RetrBytes of file on a new data connection.
func (r *runner) retr(s *session, m *ModeResult, file string) {
	m.RetrData = &DataConn{}
	m.Retr = &Transfer{Command: "RETR " + file}
	ch := s.openData(m.Mode, m.RetrData)
	if ch == nil {
		m.Retr.Step = skipped("no data connection")
		return
	}
	tr, _ := s.transfer(ch, m.RetrData, "RETR", file, r.opts.RetrBytes, 0)
	checkDataTLS(m.RetrData, &tr)
	*m.Retr = tr
}

// splitTargetPath turns the URL path into the directory to list and the
// file to fetch. As in curl, a path ending in "/" (or empty) names a
// directory and anything else a file. RFC 1738 paths are relative to the
// login directory, so the leading "/" is dropped.
func splitTargetPath(p string) (dir, file string) {
	p = strings.TrimPrefix(p, "/")
	if p == "" || strings.HasSuffix(p, "/") {
		return strings.TrimSuffix(p, "/"), ""
	}
	d := path.Dir(p)
	if d == "." {
		d = ""
	}
	return d, p
}

// pickFile returns the first regular file smaller than maxRetrCandidate
// in the listing, joined to dir.
func pickFile(dir string, listing []byte) string {
	for _, line := range strings.Split(string(listing), "\n") {
		e, ok := ftp.ParseListLine(strings.TrimRight(line, "\r"))
		if !ok || e.Type != ftp.EntryType("file") || e.Size <= 0 || e.Size >= maxRetrCandidate {
			continue
		}
		if strings.ContainsAny(e.Name, "\r\n\x00/") {
			continue
		}
		if dir == "" {
			return e.Name
		}
		return dir + "/" + e.Name
	}
	return ""
}
