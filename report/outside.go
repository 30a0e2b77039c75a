package report

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Observations from the second vantage point: when the probe ran against
// an ftpdiag responder, each control connection comes with the
// responder's record of what reached it. outsideObs pairs, per control
// connection, what the probe sent and received with what the responder
// received and sent; the rules (alg.go, clientnat.go) and the "seen from
// outside" section read these pairs only.

// outsideObs is one control connection seen from both ends.
type outsideObs struct {
	mr    *probe.ModeResult
	plain bool // the plain-text comparison run (Result.Plain)
	view  *probe.ResponderView
	rec   *ftp.ResponderRecord // nil when the record could not be had
	// controlLocal is the control connection's source as the probe saw
	// it, controlSeen as the responder saw it.
	controlLocal, controlSeen netip.AddrPort
	// ports pairs each PORT/EPRT as sent with the same command as the
	// responder received it, in order.
	ports []sentReceived
	// pasv pairs each 227/229 as the probe received it with the letter
	// copy that travelled inside it.
	pasv []pasvCopy
	// dataSeen are the sources of the client's own (passive) data
	// connections as the responder saw them.
	dataSeen []netip.AddrPort
	// callbacks are the callback tries joined with the responder's view
	// (callback.go).
	callbacks []callbackObs
}

// sentReceived is one command as sent and as received ("" when the
// responder did not record it).
type sentReceived struct {
	t              float64
	sent, received string
}

// pasvCopy is a passive reply as received, its announcement, and the
// letter copy decoded ("" when the reply carried none).
type pasvCopy struct {
	t         float64
	reply     string
	announced string // "h1,h2,h3,h4,p1,p2" or "|||port|"
	copy      string
}

// isResponder reports whether the probed server identified itself as an
// ftpdiag responder (its FEAT line).
func (in *input) isResponder() bool {
	if in.r == nil {
		return false
	}
	_, _, ok := ftp.ResponderFeat(in.r.Server.Feat)
	return ok
}

// outside returns the observations, once per input; nil when no mode ran
// against a responder.
func (in *input) outside() []outsideObs {
	if in.outsideDone {
		return in.outsideObs
	}
	in.outsideDone = true
	if in.r == nil || in.an != nil {
		return nil
	}
	for i := range in.r.Modes {
		in.addOutside(&in.r.Modes[i], false)
	}
	for i := range in.r.Plain {
		in.addOutside(&in.r.Plain[i], true)
	}
	return in.outsideObs
}

func (in *input) addOutside(mr *probe.ModeResult, plain bool) {
	if mr.Responder == nil {
		return
	}
	o := outsideObs{mr: mr, plain: plain, view: mr.Responder, rec: mr.Responder.Record, controlLocal: addrPort(mr.ControlLocal)}
	o.pasv = pasvCopies(mr.Transcript)
	if o.rec != nil {
		o.controlSeen = addrPort(o.rec.Control.Remote)
		o.ports = portPairs(mr.Transcript, o.rec.Commands)
		// The callback tries come after the mode's own PORT/EPRT (on a
		// passive mode's connection there are none).
		got := receivedPorts(o.rec.Commands)
		var tryPorts []sentReceived
		o.callbacks, tryPorts = joinCallbacks(o.view.Callbacks, o.rec, got[min(len(o.ports), len(got)):])
		o.ports = append(o.ports, tryPorts...)
		for _, d := range o.rec.Data {
			if (d.Command == "PASV" || d.Command == "EPSV") && d.Conn != nil && passiveDataReceived(mr) {
				o.dataSeen = append(o.dataSeen, addrPort(d.Conn.Remote))
			}
		}
	}
	in.outsideObs = append(in.outsideObs, o)
}

// passiveDataReceived reports whether every passive data connection the
// probe opened in this mode brought it the responder's data. The
// responder serves the first connection that reaches its passive port,
// from any address (that is how it sees a second NAT address): only when
// the probe's own connections carried the data is each connection in the
// record known to be the probe's, and not a third party's that took its
// place (the probe's transfer would then have failed or read nothing).
func passiveDataReceived(mr *probe.ModeResult) bool {
	if !mr.Mode.Passive() || !mr.ListData.Connect.OK() || !mr.List.Step.OK() || mr.List.Bytes == 0 {
		return false
	}
	if mr.RetrData == nil || mr.Retr == nil {
		return true
	}
	return mr.RetrData.Connect.OK() && mr.Retr.Step.OK() && mr.Retr.Bytes > 0
}

// isPortCommand reports whether a command line is a PORT or EPRT.
func isPortCommand(line string) bool {
	v, _, _ := strings.Cut(line, " ")
	v = strings.ToUpper(v)
	return v == "PORT" || v == "EPRT"
}

// portPairs pairs the PORT/EPRT commands sent with those received, in
// order.
func portPairs(tr []probe.Exchange, received []ftp.ResponderCommand) []sentReceived {
	got := receivedPorts(received)
	var out []sentReceived
	for _, x := range tr {
		if !isPortCommand(x.Command) {
			continue
		}
		p := sentReceived{t: x.T, sent: x.Command}
		if k := len(out); k < len(got) {
			p.received = got[k]
		}
		out = append(out, p)
	}
	return out
}

// receivedPorts are the PORT/EPRT lines a responder received, in order.
func receivedPorts(received []ftp.ResponderCommand) []string {
	var got []string
	for _, c := range received {
		if isPortCommand(c.Line) {
			got = append(got, c.Line)
		}
	}
	return got
}

// pasvCopies collects the 227/229 replies of a transcript with their
// letter copies.
func pasvCopies(tr []probe.Exchange) []pasvCopy {
	var out []pasvCopy
	for _, x := range tr {
		v := strings.ToUpper(x.Command)
		if x.Reply == nil || (v != "PASV" && v != "EPSV" && !strings.HasPrefix(v, "EPSV ")) {
			continue
		}
		text := x.Reply.Text()
		p := pasvCopy{t: x.T, reply: text}
		switch x.Reply.Code {
		case 227:
			if ap, err := ftp.ParsePASV(text); err == nil {
				p.announced, _ = ftp.FormatPORT(ap)
			}
		case 229:
			if port, err := ftp.ParseEPSV(text); err == nil {
				p.announced = "|||" + strconv.Itoa(int(port)) + "|"
			}
		default:
			continue
		}
		p.copy, _ = ftp.LetterCopy(text)
		out = append(out, p)
	}
	return out
}

// outsideLabel names a control connection: its mode, "(plain)" for the
// plain-text comparison.
func (o *outsideObs) label() string {
	if o.plain {
		return string(o.mr.Mode) + " (plain)"
	}
	return string(o.mr.Mode)
}
