//go:build linux && !pcap

package capture

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/pcaptest"
)

// needCapture skips a test that needs CAP_NET_RAW, unless the lab is
// required (FTPDIAG_LAB=required), where a skip would hide a broken CI.
func needCapture(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrPermission) && os.Getenv("FTPDIAG_LAB") != "required" {
		t.Skipf("no capture privilege: %v", err)
	}
	t.Fatal(err)
}

// TestLiveLoopback captures on lo while dialling a listener (handshake)
// and a closed port (RST), and saves a pcapng.
func TestLiveLoopback(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("220 hello\r\n"))
			c.Close()
		}
	}()
	// A closed port: bind, note the port, close.
	tmp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := uint16(tmp.Addr().(*net.TCPAddr).Port)
	tmp.Close()
	open := uint16(ln.Addr().(*net.TCPAddr).Port)

	pcap := filepath.Join(t.TempDir(), "lo.pcapng")
	start := time.Now()
	l, err := Start(context.Background(), Config{Servers: []netip.Addr{lo}, ControlPort: open, Start: start, PcapPath: pcap, Grace: 100 * time.Millisecond})
	needCapture(t, err)
	if err := l.WatchPort(closed); err != nil { // exercise re-attaching the filter
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	c.Read(buf)
	c.Close()
	if _, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(closed)))); err == nil {
		t.Fatal("closed port accepted")
	}
	ev, err := l.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Available || ev.Interface != "lo" || ev.PcapFile != pcap || ev.Packets == 0 {
		t.Fatalf("evidence %+v", ev)
	}
	t.Logf("packets %d, kernel drops %d, filter %s", ev.Packets, ev.KernelDrops, ev.Filter)

	ok := connsToPort(ev, lo, open)
	if len(ok) != 1 || !ok[0].Established() || len(ok[0].SYNs) != 1 || ok[0].BytesFromResponder != 11 || ok[0].SYNACK.Packet == 0 {
		t.Errorf("open port conn %+v", ok)
	}
	rst := connsToPort(ev, lo, closed)
	if len(rst) != 1 || rst[0].Established() || len(rst[0].RSTs) != 1 || rst[0].RSTs[0].From != SideResponder {
		t.Errorf("closed port conn %+v", rst)
	}
	// The saved file tells the same story.
	back, err := ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	if back.Packets != ev.Packets || len(back.Conns) != len(ev.Conns) {
		t.Errorf("pcapng has %d packets/%d conns, live saw %d/%d", back.Packets, len(back.Conns), ev.Packets, len(ev.Conns))
	}
	// Loopback hands the capture its packets before the checksum is
	// filled in (checksum offload): the saved segments must verify.
	sums := pcaptest.Read(t, pcap).TCPChecksums(t)
	t.Logf("TCP checksums: %+v", sums)
	if sums.Bad != 0 || sums.Valid == 0 {
		t.Errorf("saved pcapng: %d TCP checksums bad (packets %v), %d valid", sums.Bad, sums.BadPackets, sums.Valid)
	}
}

// connsToPort returns the connections to addr:port.
func connsToPort(ev *Evidence, addr netip.Addr, port uint16) []*Conn {
	var out []*Conn
	for _, c := range ev.Conns {
		if c.Responder == netip.AddrPortFrom(addr, port) {
			out = append(out, c)
		}
	}
	return out
}

// TestLiveContextCancel stops the capture when the context ends.
func TestLiveContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l, err := Start(ctx, Config{Servers: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	needCapture(t, err)
	cancel()
	done := make(chan struct{})
	go func() { l.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop hung after cancel")
	}
}

func TestRouteInterface(t *testing.T) {
	name, err := RouteInterface(netip.MustParseAddr("127.0.0.1"))
	if err != nil || name != "lo" {
		t.Errorf("got %q, %v", name, err)
	}
}
