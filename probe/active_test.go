package probe_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// TestActivePortRange: with --active-port-range the probe listens only on
// ports of that range, skipping ports already taken.
func TestActivePortRange(t *testing.T) {
	// Find two free adjacent ports and take the first, so the probe must
	// skip it.
	var busy net.Listener
	var lo uint16
	for try := 0; try < 50 && busy == nil; try++ {
		probeLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := probeLn.Addr().(*net.TCPAddr).Port
		probeLn.Close()
		if p >= 65530 {
			continue
		}
		next, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p+1)).String())
		if err != nil {
			continue
		}
		next.Close()
		if busy, err = net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p)).String()); err != nil {
			busy = nil
			continue
		}
		lo = uint16(p)
	}
	if busy == nil {
		t.Skip("no two adjacent free ports on loopback")
	}
	defer busy.Close()
	rng := probe.PortRange{Min: lo, Max: lo + 4}
	var listened []uint16
	res, _ := runAgainst(t, &ftptest.Server{Files: files()}, "", func(o *probe.Options) {
		o.Modes = []probe.Mode{probe.ModePORT}
		o.ActivePorts = rng
		o.OnListen = func(p uint16) { listened = append(listened, p) }
	})
	m := res.Mode(probe.ModePORT)
	if !m.Works {
		t.Fatalf("PORT with a port range does not work: %+v", m.ListData)
	}
	for _, p := range listened {
		if p < rng.Min || p > rng.Max || p == lo {
			t.Errorf("listened on %d, want within %s and not the busy %d", p, rng, lo)
		}
	}
	if len(listened) == 0 {
		t.Errorf("OnListen never called")
	}
}
