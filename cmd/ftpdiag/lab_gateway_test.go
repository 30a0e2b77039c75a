//go:build linux

package main

import (
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/probe"
)

// TestLabClientGatewayDropsCallback: the client's gateway drops the
// server's active-mode callbacks. Passive works; each active mode ends on
// the first fact that decides it (the server's 425, or the RTT-scaled
// callback wait, recorded with its reasoning), not on the data timeout.
func TestLabClientGatewayDropsCallback(t *testing.T) {
	sc, err := lab.ScenarioByName("client-gateway-drop")
	if err != nil {
		t.Fatal(err)
	}
	l := lab.Start(t, sc.Config)
	rep, code, _ := probeInLab(t, l, nil, "--data-timeout", "20s", "ftp://"+l.Target.String()+"/")
	if code != exitFindings || !rep.has("active-callback-blocked") {
		t.Errorf("exit %d, findings %v: want active-callback-blocked and exit 1", code, rep.ids())
	}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		if !modeOf(t, rep, m).Works {
			t.Errorf("%s does not work", m)
		}
	}
	for _, m := range []probe.Mode{probe.ModeEPRT, probe.ModePORT} {
		dc := modeOf(t, rep, m).ListData
		if dc.Connect.OK() {
			t.Errorf("%s: the callback was accepted through a gateway that drops it", m)
		}
		cw := dc.CallbackWait
		if cw == nil || cw.Reason == "" || cw.Seconds >= 20 {
			t.Errorf("%s: callback wait %+v, want an RTT-scaled wait with its reason, not the 20 s data timeout", m, cw)
		}
	}
}
