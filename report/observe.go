package report

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Observations come before the rules (DESIGN.md, "Inside report"): each
// attempt of a run (the control connection of each mode, each data
// connection) is joined once to its own wire connections, here, and the
// rules read the joined facts (in.obs.dataOf(dc).conns). No rule searches
// the capture by server endpoint and time window: two modes the server
// gives the same passive port would get each other's packets.

// joinSlack widens an attempt's time window when its local end is unknown:
// the probe's clock and the capture's timestamps see the same moment a
// little apart, and a SYN leaves a little after connect() is called.
const joinSlack = 0.5

// How an attempt was joined to its connections (wireObs.by).
const (
	joinedTuple    = "4-tuple"  // both ends known: exact
	joinedListener = "listener" // active mode: the port this host listened on, open for this attempt only
	joinedEndpoint = "endpoint" // the remote end and the attempt's time (its local end was not recorded): one connection, each used once
	joinedCapture  = "capture"  // analyze: the capture's own link of the data setup to its connection
)

// wireObs is what the wire showed of one attempt: its own connections in
// time order (one for a dial; an active listener may see several), and how
// they were joined. Empty when nothing on the wire is the attempt's.
type wireObs struct {
	conns []*capture.Conn
	by    string
}

// observations is every attempt of a run joined to its wire connections.
type observations struct {
	ctl  map[*probe.ModeResult]*wireObs
	data map[*probe.DataConn]*wireObs
}

// empty is what an attempt with no wire connection reads.
var emptyObs = &wireObs{}

// controlOf is the wire view of a mode's control connection.
func (o *observations) controlOf(mr *probe.ModeResult) *wireObs {
	if w := o.ctl[mr]; w != nil {
		return w
	}
	return emptyObs
}

// dataOf is the wire view of one data connection attempt.
func (o *observations) dataOf(dc *probe.DataConn) *wireObs {
	if w := o.data[dc]; w != nil {
		return w
	}
	return emptyObs
}

// attemptKind tells the join which end of an attempt is ours.
type attemptKind int

const (
	kindControl attemptKind = iota
	kindPassive
	kindActive
)

// joinAttempt is one attempt as the join sees it: its ends (invalid when
// unknown), its time window, and where its result goes.
type joinAttempt struct {
	kind    attemptKind
	local   netip.AddrPort // ours: initiator for control and passive, responder for active
	remote  netip.AddrPort // theirs; for control a fallback set below
	remotes []netip.AddrPort
	t0, t   float64
	obs     *wireObs
	mr      *probe.ModeResult
	dc      *probe.DataConn
}

// observe joins every attempt of r to the connections of ev. Attempts are
// joined in three passes, each connection used once: exact 4-tuple;
// active mode by the port listened on; then, for attempts whose local end
// was not recorded, by the remote end and time, the earliest attempt
// taking the earliest connection.
func observe(r *probe.Result, ev *capture.Evidence) *observations {
	o := &observations{ctl: map[*probe.ModeResult]*wireObs{}, data: map[*probe.DataConn]*wireObs{}}
	if r == nil || ev == nil || !ev.Available {
		return o
	}
	atts := collectAttempts(r)
	for _, a := range atts {
		if a.mr != nil {
			o.ctl[a.mr] = a.obs
		} else {
			o.data[a.dc] = a.obs
		}
	}
	claimed := map[*capture.Conn]bool{}
	joinTuples(atts, ev, claimed)
	joinListeners(atts, ev, claimed)
	joinEndpoints(atts, ev, claimed)
	for _, a := range atts {
		slices.SortStableFunc(a.obs.conns, func(x, y *capture.Conn) int { return cmp.Compare(x.FirstT(), y.FirstT()) })
	}
	return o
}

// collectAttempts lists the control and data connections of every mode,
// of the plain-text comparison and of the upload, in time order.
func collectAttempts(r *probe.Result) []*joinAttempt {
	var out []*joinAttempt
	addMode := func(mr *probe.ModeResult) {
		if mr.Connect.Ran() {
			a := &joinAttempt{kind: kindControl, local: addrPort(mr.ControlLocal), remote: addrPort(mr.ControlRemote),
				t0: mr.Connect.T0, t: mr.Connect.T, obs: &wireObs{}, mr: mr}
			if !a.remote.IsValid() {
				a.remotes = targetEndpoints(r)
			}
			out = append(out, a)
		}
		for _, dc := range []*probe.DataConn{&mr.ListData, mr.RetrData} {
			if dc != nil {
				if a := dataAttempt(mr.Mode.Passive(), dc); a != nil {
					out = append(out, a)
				}
			}
		}
	}
	for i := range r.Modes {
		addMode(&r.Modes[i])
	}
	for i := range r.Plain {
		addMode(&r.Plain[i])
	}
	if u := r.Upload; u != nil && u.Data.Connect.Ran() {
		if a := dataAttempt(u.Mode.Passive(), &u.Data); a != nil {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b *joinAttempt) int { return cmp.Compare(a.t0, b.t0) })
	return out
}

// dataAttempt describes a data connection that was dialled or listened
// for; nil when none was (setup refused, not dialled by policy).
func dataAttempt(passive bool, dc *probe.DataConn) *joinAttempt {
	win := dc.Connect
	if !passive && !dc.Connect.Ran() && dc.Setup.Ran() && dc.Listened != "" {
		// A server that connects as soon as it gets PORT/EPRT (pyftpdlib)
		// does it while the set-up command waits for its reply, and may
		// answer it with a failure: the listener was open then.
		win = dc.Setup
	}
	if !win.Ran() || win.Outcome == probe.OutcomeRefusedByPolicy {
		return nil
	}
	a := &joinAttempt{t0: win.T0, t: win.T, obs: &wireObs{}, dc: dc}
	if passive {
		a.kind = kindPassive
		a.local, a.remote = addrPort(dc.Local), addrPort(dc.Dialled)
		if !a.remote.IsValid() {
			a.remote = addrPort(dc.Peer)
		}
		return a
	}
	a.kind = kindActive
	a.local, a.remote = addrPort(dc.Local), addrPort(dc.Peer)
	if !a.local.IsValid() {
		a.local = addrPort(dc.Listened)
	}
	return a
}

// targetEndpoints are the control endpoints the probe may have dialled.
func targetEndpoints(r *probe.Result) []netip.AddrPort {
	var out []netip.AddrPort
	hosts := append([]string{r.Target.Host}, r.Addresses...)
	for _, h := range hosts {
		if a, err := netip.ParseAddr(h); err == nil && r.Target.Port > 0 && r.Target.Port < 65536 {
			ap := netip.AddrPortFrom(a.Unmap(), uint16(r.Target.Port))
			if !slices.Contains(out, ap) {
				out = append(out, ap)
			}
		}
	}
	return out
}

// ends are an attempt's initiator and responder, as the capture names them.
func (a *joinAttempt) ends() (init, resp netip.AddrPort) {
	if a.kind == kindActive {
		return a.remote, a.local
	}
	return a.local, a.remote
}

// inWindow reports whether a connection started during the attempt.
func (a *joinAttempt) inWindow(c *capture.Conn) bool {
	t := c.FirstT()
	return t >= a.t0-joinSlack && t <= a.t+joinSlack
}

// joinTuples joins attempts whose both ends are known to the connection
// with that 4-tuple that started during the attempt.
func joinTuples(atts []*joinAttempt, ev *capture.Evidence, claimed map[*capture.Conn]bool) {
	type key struct{ i, r netip.AddrPort }
	index := map[key][]*capture.Conn{}
	for _, c := range ev.Conns {
		k := key{unmapAP(c.Initiator), unmapAP(c.Responder)}
		index[k] = append(index[k], c)
	}
	for _, a := range atts {
		i, r := a.ends()
		if !i.IsValid() || !r.IsValid() {
			continue
		}
		for _, c := range index[key{i, r}] {
			if !claimed[c] && a.inWindow(c) {
				a.take(c, joinedTuple, claimed)
				break
			}
		}
	}
}

// joinListeners joins each active attempt not yet joined to every
// connection (answered or not) that reached the port it listened on
// during the attempt: the port was open for this attempt alone.
func joinListeners(atts []*joinAttempt, ev *capture.Evidence, claimed map[*capture.Conn]bool) {
	for _, a := range atts {
		if a.kind != kindActive || len(a.obs.conns) > 0 || !a.local.IsValid() {
			continue
		}
		for _, cs := range [][]*capture.Conn{ev.Conns, ev.UnansweredInboundSYNs} {
			for _, c := range cs {
				r := unmapAP(c.Responder)
				if claimed[c] || r.Port() != a.local.Port() || !a.inWindow(c) {
					continue
				}
				if la := a.local.Addr(); !la.IsUnspecified() && r.Addr() != la {
					continue
				}
				a.take(c, joinedListener, claimed)
			}
		}
	}
}

// joinEndpoints joins each dial whose local end is unknown to the earliest
// unclaimed connection to its remote end that started during it.
func joinEndpoints(atts []*joinAttempt, ev *capture.Evidence, claimed map[*capture.Conn]bool) {
	for _, a := range atts {
		if a.kind == kindActive || len(a.obs.conns) > 0 || a.local.IsValid() {
			continue
		}
		remotes := a.remotes
		if a.remote.IsValid() {
			remotes = []netip.AddrPort{a.remote}
		}
		for _, c := range ev.Conns {
			if !claimed[c] && slices.Contains(remotes, unmapAP(c.Responder)) && a.inWindow(c) {
				a.take(c, joinedEndpoint, claimed)
				break
			}
		}
	}
}

func (a *joinAttempt) take(c *capture.Conn, by string, claimed map[*capture.Conn]bool) {
	claimed[c] = true
	a.obs.conns = append(a.obs.conns, c)
	a.obs.by = by
}

// addrPort parses "host:port" (unmapped); invalid when it cannot.
func addrPort(s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}
	}
	return unmapAP(ap)
}

func unmapAP(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
