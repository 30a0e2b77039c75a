package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// cbTry is one hand-built callback try: the probe's side and the
// responder's.
type cbTry struct {
	kind     string
	received string // the PORT/EPRT as the responder received it; "" = as sent
	reply    string // the responder's reply to it
	outcome  string // the responder's outcome; "" = no callback made
	arrived  bool   // the callback's line reached the probe
}

const cbNonce = "00112233445566778899aabbccddeeff"

// callbackView builds a passive mode's responder view holding tries.
func callbackView(tls bool, tries ...cbTry) *probe.ResponderView {
	v := recordView("192.0.2.5:40000")
	v.Record.Nonce = cbNonce
	if tls {
		v.Record.Control.TLS = &ftp.ResponderTLS{Mode: "explicit", Version: "TLS 1.3"}
	}
	for _, c := range tries {
		sent := "EPRT |1|192.0.2.5|40100|"
		received := c.received
		if received == "" {
			received = sent
		}
		v.Record.Commands = append(v.Record.Commands, ftp.ResponderCommand{Line: received})
		tr := probe.CallbackTry{Kind: c.kind, Listened: "192.0.2.5:40100", Command: sent, CommandReply: c.reply}
		if c.outcome != "" {
			tr.Reply = "200 Callback " + c.kind + ": " + c.outcome + "."
			v.Record.Callbacks = append(v.Record.Callbacks, ftp.ResponderCallback{Kind: c.kind, To: "192.0.2.5:40100", From: "198.51.100.1:20", Outcome: c.outcome, Seconds: 2})
		}
		if c.arrived {
			tr.Arrived = []probe.CallbackArrival{{From: "198.51.100.1:20", Line: ftp.CallbackLine(c.kind, cbNonce)}}
		}
		v.Callbacks = append(v.Callbacks, tr)
	}
	return v
}

func pass(kind string) cbTry  { return cbTry{kind, "", "200 EPRT ok", ftp.CallbackConnected, true} }
func block(kind string) cbTry { return cbTry{kind, "", "200 EPRT ok", ftp.CallbackTimeout, false} }

// TestCallbackRules: the callback test's tries decide the outside
// findings only when both ends agree.
func TestCallbackRules(t *testing.T) {
	p20, eph := ftp.CallbackPort20, ftp.CallbackEphemeral
	notPermitted := cbTry{p20, "", "200 EPRT ok", ftp.CallbackNotTested + ": port 20 not permitted", false}
	tests := []struct {
		name  string
		tries []cbTry
		plain []cbTry // the plain-text comparison's, when set (the main run is TLS)
		want  []string
	}{
		{"both pass", []cbTry{pass(p20), pass(eph)}, nil, nil},
		{"both blocked", []cbTry{block(p20), block(eph)}, nil, []string{"active-callback-blocked"}},
		{"port 20 only", []cbTry{pass(p20), block(eph)}, nil, []string{"active-callback-source-port"}},
		{"ephemeral only", []cbTry{block(p20), pass(eph)}, nil, []string{"active-callback-source-port"}},
		{"port 20 not tested, ephemeral blocked", []cbTry{notPermitted, block(eph)}, nil, []string{"active-callback-blocked"}},
		{"port 20 not tested, ephemeral passes", []cbTry{notPermitted, pass(eph)}, nil, nil},
		{"the responder connected, nothing arrived", []cbTry{{p20, "", "200 EPRT ok", ftp.CallbackConnected, false}, block(eph)}, nil, nil},
		{"arrived, the responder saw a timeout", []cbTry{{p20, "", "200 EPRT ok", ftp.CallbackTimeout, true}, block(eph)}, nil, nil},
		{"PORT refused", []cbTry{{p20, "", "500 Illegal EPRT command.", "", false}, {eph, "", "500 Illegal EPRT command.", "", false}}, nil, nil},
		{"rewritten in plain text, refused under TLS",
			[]cbTry{{p20, "", "500 Illegal EPRT command.", "", false}, {eph, "", "500 Illegal EPRT command.", "", false}},
			[]cbTry{{p20, "EPRT |1|203.0.113.2|40100|", "200 EPRT ok", ftp.CallbackConnected, true}, {eph, "EPRT |1|203.0.113.2|40101|", "200 EPRT ok", ftp.CallbackConnected, true}},
			[]string{"alg-active-plain-only", "alg-rewrote-port"}},
		{"rewritten in plain text, blocked there too",
			[]cbTry{{p20, "", "500 Illegal EPRT command.", "", false}},
			[]cbTry{{p20, "EPRT |1|203.0.113.2|40100|", "200 EPRT ok", ftp.CallbackTimeout, false}, {eph, "EPRT |1|203.0.113.2|40101|", "200 EPRT ok", ftp.CallbackTimeout, false}},
			[]string{"active-callback-blocked", "alg-rewrote-port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &probe.Result{}
			mr := probe.ModeResult{Mode: probe.ModeEPSV, Applicable: true, ControlLocal: "192.0.2.5:40000", Responder: callbackView(tt.plain != nil, tt.tries...)}
			r.Modes = append(r.Modes, mr)
			if tt.plain != nil {
				pm := mr
				pm.Responder = callbackView(false, tt.plain...)
				r.Plain = append(r.Plain, pm)
			}
			in := newInput(r, nil)
			var got []string
			for _, rl := range []rule{ruleActiveCallback, ruleCallbackSourcePort, ruleALGActivePlainOnly, ruleALGRewrotePort} {
				for _, f := range rl(in) {
					got = append(got, f.ID)
					if len(f.Evidence) == 0 {
						t.Errorf("%s without evidence", f.ID)
					}
				}
			}
			slices.Sort(got)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCallbackBlockedBothEnds: active-callback-blocked made from the
// callback test quotes both ends, and the section shows each try.
func TestCallbackBlockedBothEnds(t *testing.T) {
	r := &probe.Result{Target: probe.Target{URL: "ftp://192.0.2.9/"}}
	r.Modes = append(r.Modes, probe.ModeResult{Mode: probe.ModeEPSV, Applicable: true, ControlLocal: "192.0.2.5:40000",
		Responder: callbackView(false, block(ftp.CallbackPort20), block(ftp.CallbackEphemeral))})
	d := Diagnose(r, nil)
	var f *Finding
	for i := range d.Findings {
		if d.Findings[i].ID == "active-callback-blocked" {
			f = &d.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("no active-callback-blocked in %+v", d.Findings)
	}
	var ev []string
	for _, e := range f.Evidence {
		ev = append(ev, e.Text)
	}
	all := strings.Join(ev, "\n")
	for _, want := range []string{"got no answer from port 20", "no connection reached ftpdiag's listener", "from an ephemeral port"} {
		if !strings.Contains(all, want) {
			t.Errorf("evidence lacks %q:\n%s", want, all)
		}
	}
	if d.Outside == nil || len(d.Outside.Connections) != 1 || len(d.Outside.Connections[0].Callbacks) != 2 {
		t.Fatalf("section %+v", d.Outside)
	}
	for _, cb := range d.Outside.Connections[0].Callbacks {
		if cb.State != string(callbackBlocked) || cb.Arrived || cb.Responder != ftp.CallbackTimeout {
			t.Errorf("callback %+v", cb)
		}
	}
	for _, format := range []Format{FormatText, FormatMarkdown, FormatHTML} {
		var b strings.Builder
		if err := Render(&b, d, format, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "from port 20: blocked") {
			t.Errorf("%s: the callback is not in the section", format)
		}
	}
	checkRoundTrip(t, d)
}

// TestCallbackPort20NotTested: a responder that may not bind port 20
// says so, the section says port 20 was not tested, and no source-port
// finding is made from the ephemeral callback alone.
func TestCallbackPort20NotTested(t *testing.T) {
	r := &probe.Result{Target: probe.Target{URL: "ftp://192.0.2.9/"}}
	notPermitted := cbTry{ftp.CallbackPort20, "", "200 EPRT ok", ftp.CallbackNotTested + ": port 20 not permitted", false}
	r.Modes = append(r.Modes, probe.ModeResult{Mode: probe.ModeEPSV, Applicable: true, ControlLocal: "192.0.2.5:40000",
		Responder: callbackView(false, notPermitted, pass(ftp.CallbackEphemeral))})
	d := Diagnose(r, nil)
	for _, f := range d.Findings {
		if strings.HasPrefix(f.ID, "active-callback") {
			t.Errorf("finding %s from a port 20 callback not tested", f.ID)
		}
	}
	var b strings.Builder
	if err := Render(&b, d, FormatText, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"from port 20: not tested: the responder may not bind port 20", "from an ephemeral port: passes"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
}
