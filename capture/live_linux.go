//go:build linux && !pcap

package capture

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

// Start opens a pure-Go AF_PACKET capture (no cgo, no libpcap) on the
// interface towards the server, with a kernel BPF filter, and starts
// tracking. It fails with an error matching ErrPermission without
// CAP_NET_RAW.
func Start(ctx context.Context, cfg Config) (*Live, error) {
	return start(ctx, cfg, openPacket)
}

// openPacket opens the TPACKET_V3 ring (ring_linux.go), or, on a kernel
// that cannot set one up, a plain AF_PACKET socket read one packet per
// system call through pcapgo, which may drop under a fast transfer.
func openPacket(ifname string) (source, error) {
	r, err := openRing(ifname)
	if err == nil {
		return r, nil
	}
	if errors.Is(err, ErrPermission) {
		return nil, err
	}
	return openAFPacket(ifname)
}

// afPacket adapts pcapgo.EthernetHandle to source.
type afPacket struct {
	h        *pcapgo.EthernetHandle
	lt       layers.LinkType
	loopback bool

	mu    sync.Mutex
	total uint64
}

func openAFPacket(ifname string) (source, error) {
	h, err := pcapgo.NewEthernetHandle(ifname)
	if err != nil {
		// pcapgo formats the errno with %s: match it by its text.
		msg := err.Error()
		if strings.Contains(msg, "operation not permitted") || strings.Contains(msg, "permission denied") {
			return nil, fmt.Errorf("capture: open %s: %w (%v)", ifname, ErrPermission, err)
		}
		return nil, fmt.Errorf("capture: open %s: %w", ifname, err)
	}
	lt, loopback := linuxLinkType(ifname)
	return &afPacket{h: h, lt: lt, loopback: loopback}, nil
}

// linuxLinkType maps the interface's ARPHRD type to what AF_PACKET hands
// over: Ethernet framing for Ethernet and loopback, bare IP for tunnels.
func linuxLinkType(ifname string) (layers.LinkType, bool) {
	b, err := os.ReadFile("/sys/class/net/" + ifname + "/type")
	if err != nil {
		return layers.LinkTypeEthernet, ifname == "lo"
	}
	switch strings.TrimSpace(string(b)) {
	case "772": // ARPHRD_LOOPBACK
		return layers.LinkTypeEthernet, true
	case "65534", "512", "768", "769", "776", "778", "823": // none (tun, wireguard), ppp, ipip, ip6tnl, sit, ipgre, ip6gre
		return layers.LinkTypeRaw, false
	}
	return layers.LinkTypeEthernet, false
}

func (a *afPacket) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := a.h.ZeroCopyReadPacketData()
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "interrupted system call") || strings.Contains(msg, "resource temporarily unavailable") {
			return nil, ci, temporary{err}
		}
	}
	return data, ci, err
}

func (a *afPacket) setFilter(prog []bpf.RawInstruction) error { return a.h.SetBPF(prog) }
func (a *afPacket) linkType() layers.LinkType                 { return a.lt }
func (a *afPacket) dropOutgoing() bool                        { return a.loopback }
func (a *afPacket) close() error                              { return a.h.Close() }

// drops reads PACKET_STATISTICS, which resets on each read, and keeps the
// running total.
func (a *afPacket) drops() (uint64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := a.h.Stats()
	if err != nil {
		return a.total, err
	}
	a.total += uint64(st.Drops)
	return a.total, nil
}
