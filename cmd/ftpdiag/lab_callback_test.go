//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/report"
)

// The responder's callback test in the lab: the responder runs as nobody
// with CAP_NET_BIND_SERVICE (internal/lab/responder.go), so it can call
// back from port 20; the client's gateway filters what comes in.

// callbacksOf returns the callback tests of the report's passive-mode
// connections, by mode, failing when a passive mode ran none.
func callbacksOf(t *testing.T, rep *responderReport) map[string][]report.OutsideCallbackRecord {
	t.Helper()
	out := map[string][]report.OutsideCallbackRecord{}
	for _, c := range rep.Outside.Connections {
		if !c.Mode.Passive() {
			if len(c.Callbacks) != 0 {
				t.Errorf("%s: callback test on an active mode's connection: %+v", c.Mode, c.Callbacks)
			}
			continue
		}
		if len(c.Callbacks) != 2 {
			t.Fatalf("%s: callbacks %+v, want port20 and ephemeral", c.Mode, c.Callbacks)
		}
		out[string(c.Mode)] = c.Callbacks
	}
	return out
}

// wantCallbacks checks every passive connection's callback states.
func wantCallbacks(t *testing.T, rep *responderReport, port20, ephemeral string) {
	t.Helper()
	for mode, cbs := range callbacksOf(t, rep) {
		for _, cb := range cbs {
			want := ephemeral
			if cb.Kind == "port20" {
				want = port20
				if cb.State == "passes" && !strings.HasSuffix(cb.ArrivedFrom, ":20") {
					t.Errorf("%s: port 20 callback arrived from %s", mode, cb.ArrivedFrom)
				}
			}
			if cb.State != want {
				t.Errorf("%s: %s callback %+v, want %s", mode, cb.Kind, cb, want)
			}
		}
	}
}

// TestLabResponderCallbacksHealthy: routed, no filter: both callbacks
// pass on every passive connection, exit 0, no error, no callback finding.
func TestLabResponderCallbacksHealthy(t *testing.T) {
	l := startResponderLab(t, lab.Config{})
	rep, code := probeResponderInLab(t, l)
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	for id, sev := range rep.ids() {
		if sev == "error" || strings.HasPrefix(id, "active-callback") {
			t.Errorf("unexpected finding %s (%s)", id, sev)
		}
	}
	wantCallbacks(t, rep, "passes", "passes")
}

// TestLabResponderCallbackBlocked: the client's gateway drops every new
// inbound connection (a stateful firewall before the client): the active
// modes' callbacks never arrive, and the responder's callback test shows
// it from both ends: active-callback-blocked carries the responder's
// evidence.
func TestLabResponderCallbackBlocked(t *testing.T) {
	drop := [][]string{{"-A", "FORWARD", "-i", "wan0", "-o", "lan0", "-p", "tcp", "--syn", "-j", "DROP"}}
	l := startResponderLab(t, lab.Config{ClientGatewayRules: drop})
	rep, code := probeResponderInLab(t, l)
	if code != exitFindings {
		t.Errorf("exit %d, want 1", code)
	}
	var blocked *responderFinding
	for i := range rep.Findings {
		if rep.Findings[i].ID == "active-callback-blocked" {
			blocked = &rep.Findings[i]
		}
	}
	if blocked == nil {
		t.Fatalf("no active-callback-blocked: %v", rep.ids())
	}
	if !strings.Contains(blocked.Explanation, "responder, outside, confirms it") || blocked.Inferred {
		t.Errorf("active-callback-blocked without the responder's side: %+v", blocked)
	}
	ev := strings.Join(blocked.evidence(), "\n")
	for _, want := range []string{"got no answer from port 20", "got no answer from an ephemeral port", "no connection reached ftpdiag's listener"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence lacks %q:\n%s", want, ev)
		}
	}
	if rep.ids()["active-callback-source-port"] != "" {
		t.Errorf("active-callback-source-port with both callbacks blocked")
	}
	wantCallbacks(t, rep, "blocked", "blocked")
}

// TestLabResponderCallbackPort20Only: the client's gateway lets new
// inbound connections through only from source port 20 (iptables --sport
// 20): the active modes work (the responder calls back from port 20), the
// callback test shows ephemeral callbacks blocked:
// active-callback-source-port.
func TestLabResponderCallbackPort20Only(t *testing.T) {
	rules := [][]string{
		{"-A", "FORWARD", "-i", "wan0", "-o", "lan0", "-p", "tcp", "--syn", "--sport", "20", "-j", "ACCEPT"},
		{"-A", "FORWARD", "-i", "wan0", "-o", "lan0", "-p", "tcp", "--syn", "-j", "DROP"},
	}
	l := startResponderLab(t, lab.Config{ClientGatewayRules: rules})
	rep, code := probeResponderInLab(t, l)
	ids := rep.ids()
	if ids["active-callback-source-port"] != "warning" || ids["active-callback-blocked"] != "" {
		t.Errorf("want active-callback-source-port and no active-callback-blocked, got %v", ids)
	}
	if code != exitOK {
		t.Errorf("exit %d, want 0 (active mode works: the responder calls back from port 20)", code)
	}
	wantCallbacks(t, rep, "passes", "blocked")
}

// TestLabResponderCallbackALGPlainOnly: the client behind NAT with the
// kernel FTP helper, the responder with a certificate, the probe in
// --tls auto: under TLS the helper cannot read EPRT/PORT, which reach the
// responder naming the client's private address and are refused; in the
// plain-text comparison they arrive rewritten and both callbacks pass:
// alg-active-plain-only.
func TestLabResponderCallbackALGPlainOnly(t *testing.T) {
	l := startResponderLab(t, lab.Config{ClientNAT: true, FTPHelper: true, ResponderTLS: true})
	// Four TLS connections and the plain-text comparison's two.
	rep, _ := probeResponderAt(t, l, "ftp://"+l.Target.String()+"/", 6, "--tls", "auto", "--ca-file", l.CAFile)
	ids := rep.ids()
	if ids["alg-active-plain-only"] == "" || ids["active-address-rejected"] == "" {
		t.Errorf("want alg-active-plain-only and active-address-rejected, got %v", ids)
	}
	for _, c := range rep.Outside.Connections {
		if !c.Mode.Passive() {
			continue
		}
		for _, cb := range c.Callbacks {
			switch {
			case c.Plain && cb.State != "passes":
				t.Errorf("%s (plain): %s callback %+v, want passes", c.Mode, cb.Kind, cb)
			case !c.Plain && (cb.State != "not tested" || !strings.HasPrefix(cb.Reply, "500 ")):
				t.Errorf("%s (TLS): %s callback %+v, want refused", c.Mode, cb.Kind, cb)
			}
		}
	}
}
