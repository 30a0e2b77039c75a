package report

import (
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// TestObserveLinksControlOrder: a mode whose control connection the
// capture did not link, before one whose it did, gives each its own view
// (the shared view of the one before was read as holding a connection).
func TestObserveLinksControlOrder(t *testing.T) {
	ctl := &capture.Conn{Packets: 3}
	for _, ar := range []*sessionArena{nil, newSessionArena()} {
		r := &probe.Result{Modes: make([]probe.ModeResult, 3)}
		o := observeLinks(r, []modeLinks{{}, {control: ctl}, {control: ctl}}, orNoArena(ar))
		if w := o.ctl[&r.Modes[0]]; len(w.conns) != 0 {
			t.Errorf("mode 0: %d control connections, want none", len(w.conns))
		}
		for i := 1; i < 3; i++ {
			if w := o.ctl[&r.Modes[i]]; len(w.conns) != 1 || w.conns[0] != ctl {
				t.Errorf("mode %d: control view %+v, want the linked connection", i, w.conns)
			}
		}
	}
}
