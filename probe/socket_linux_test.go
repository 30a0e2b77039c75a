//go:build linux

package probe_test

import (
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

// fullListener listens on a loopback port whose accept queue is full: the
// kernel drops every further SYN to it, as a firewall dropping the port
// would, with no privilege needed. It returns the port.
func fullListener(t *testing.T) uint16 {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil { // room for one connection
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(sa.(*syscall.SockaddrInet4).Port)
	c, err := net.DialTimeout("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return port
}

// A passive port whose SYNs are dropped: without a capture, the data
// socket's TCP_INFO shows the SYN resent with no answer, and the attempt
// ends as filtered before the data timeout, saying where that came from.
func TestPassiveFilteredBySocket(t *testing.T) {
	port := fullListener(t)
	srv := &ftptest.Server{Files: files(), PasvPort: int(port)}
	const dataTimeout = 20 * time.Second
	res, _ := runAgainst(t, srv, "", func(o *probe.Options) {
		o.Modes = []probe.Mode{probe.ModeEPSV}
		o.Dialer = &net.Dialer{}
		o.DataTimeout = dataTimeout
	})
	mr := res.Mode(probe.ModeEPSV)
	dc := mr.ListData
	t.Logf("connect %+v, socket %+v", dc.Connect, dc.Socket)
	if dc.Connect.Outcome != probe.OutcomeTimeout || !strings.Contains(dc.Connect.Error, "counted by this host's TCP stack") {
		t.Errorf("connect = %+v, want a timeout decided from the socket", dc.Connect)
	}
	if s := dc.Socket; s == nil || s.Source != "TCP_INFO" || s.State != "syn-sent" || s.SYNRetransmits < 1 {
		t.Errorf("socket facts %+v, want TCP_INFO, syn-sent, a SYN resent", dc.Socket)
	}
	if took := time.Duration((dc.Connect.T - dc.Connect.T0) * float64(time.Second)); took >= dataTimeout {
		t.Errorf("the attempt lasted %s, the whole data timeout", took)
	}
}
