//go:build windows || pcap

package capture

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"
)

// Capture settings for libpcap.
const (
	// pcapTimeout bounds how long a read waits, so Stop is never stuck
	// behind a quiet interface.
	pcapTimeout = 100 * time.Millisecond
	// pcapBuffer is the kernel buffer: a 100 MiB transfer cut to headers
	// must fit through it without drops.
	pcapBuffer = 8 << 20
)

// Start opens an Npcap capture on Windows (wpcap.dll loaded at run time,
// no cgo), or a libpcap one elsewhere with -tags pcap (cgo), on the
// interface towards the server, with a kernel BPF filter, and starts
// tracking. Interface names are libpcap's (on Windows
// \Device\NPF_{GUID}).
func Start(ctx context.Context, cfg Config) (*Live, error) {
	if err := loadPcap(); err != nil {
		return nil, err
	}
	if cfg.Interface == "" && len(cfg.Servers) > 0 {
		name, err := pcapDevice(cfg.Servers[0])
		if err != nil {
			return nil, err
		}
		cfg.Interface = name
	}
	return start(ctx, cfg, openPcap)
}

// pcapDevice finds the libpcap device that holds the local address towards
// server (libpcap's names differ from the OS's on Windows).
func pcapDevice(server netip.Addr) (string, error) {
	local, err := routeLocalAddr(server)
	if err != nil {
		return "", err
	}
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return "", fmt.Errorf("capture: list capture devices: %w", err)
	}
	for _, d := range devs {
		for _, a := range d.Addresses {
			if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == local {
				return d.Name, nil
			}
		}
	}
	return "", fmt.Errorf("capture: no capture device holds %s, the local address towards %s", local, server)
}

type pcapSource struct {
	h  *pcap.Handle
	mu sync.Mutex
}

func openPcap(ifname string) (source, error) {
	in, err := pcap.NewInactiveHandle(ifname)
	if err != nil {
		return nil, pcapErr(ifname, err)
	}
	defer in.CleanUp()
	for _, set := range []func() error{
		func() error { return in.SetSnapLen(wholeSnap) },
		func() error { return in.SetTimeout(pcapTimeout) },
		func() error { return in.SetBufferSize(pcapBuffer) },
		func() error { return in.SetImmediateMode(true) },
	} {
		if err := set(); err != nil {
			return nil, pcapErr(ifname, err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, pcapErr(ifname, err)
	}
	return &pcapSource{h: h}, nil
}

func pcapErr(ifname string, err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "permission") || strings.Contains(msg, "not permitted") || strings.Contains(msg, "access is denied") {
		return fmt.Errorf("capture: open %s: %w (%v)", ifname, ErrPermission, err)
	}
	return fmt.Errorf("capture: open %s: %w", ifname, err)
}

func (p *pcapSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := p.h.ZeroCopyReadPacketData()
	if errors.Is(err, pcap.NextErrorTimeoutExpired) {
		return nil, ci, temporary{err}
	}
	return data, ci, err
}

func (p *pcapSource) setFilter(prog []bpf.RawInstruction) error {
	ins := make([]pcap.BPFInstruction, len(prog))
	for i, r := range prog {
		ins[i] = pcap.BPFInstruction{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return p.h.SetBPFInstructionFilter(ins)
}

func (p *pcapSource) drops() (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.h.Stats()
	if err != nil {
		return 0, err
	}
	return uint64(st.PacketsDropped) + uint64(st.PacketsIfDropped), nil
}

func (p *pcapSource) linkType() layers.LinkType { return p.h.LinkType() }

// dropOutgoing is false: libpcap already drops Linux loopback's outgoing
// copies, and BSD BPF has no packet-type extension.
func (p *pcapSource) dropOutgoing() bool { return false }
func (p *pcapSource) close() error       { p.h.Close(); return nil }
