package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Snap lengths the kernel filter returns.
const (
	// headerSnap keeps link, IP and TCP headers with options, and an ICMPv6
	// error's quoted IPv6+TCP headers (14+40+8+40+20 = 122 bytes): enough
	// for every fact the tracker records, and it keeps a 100 MiB transfer
	// from being copied to user space in full.
	headerSnap = 160
	// wholeSnap keeps control-port packets whole (libpcap's maximum).
	wholeSnap = 262144
	// maxFilterPorts bounds the active ports in the filter so that every
	// jump stays within the 255 instructions classic BPF can skip.
	maxFilterPorts = 48
	// maxWholePorts bounds the data connections kept whole at once
	// (filterSpec.wholePorts): a probe secures one at a time.
	maxWholePorts = 8
	// packetOutgoing is Linux's PACKET_OUTGOING packet type.
	packetOutgoing = 4
)

// filterSpec is what the kernel filter keeps: TCP and ICMP to or from the
// servers (control port whole, the rest cut to headerSnap), TCP from or to
// the active-mode ports from any address, and ICMP errors from anyone (a
// router or firewall on the path sends them, not the server).
type filterSpec struct {
	servers     []netip.Addr
	controlPort uint16
	activePorts []uint16
	// wholePorts are local ports of data connections whose TLS handshake
	// is kept whole (Live.KeepWhole): TCP between them and a server is
	// not cut to headerSnap.
	wholePorts []uint16
}

// String renders the filter in tcpdump syntax for the report.
func (f filterSpec) String() string {
	var hosts []string
	for _, a := range f.servers {
		hosts = append(hosts, a.String())
	}
	s := fmt.Sprintf("((tcp or icmp or icmp6) and host (%s))", strings.Join(hosts, " or "))
	if len(f.activePorts) > 0 {
		var ps []string
		for _, p := range f.activePorts {
			ps = append(ps, fmt.Sprint(p))
		}
		s += fmt.Sprintf(" or (tcp port (%s))", strings.Join(ps, " or "))
	}
	return s + " or icmp[0] in (3,11,12) or icmp6[0] in (1,2,3,4)"
}

// linkOffsets returns where the IP header starts for a link type, where
// the ethertype sits (-1: tell IPv4 from IPv6 by the version nibble).
func linkOffsets(lt layers.LinkType) (ipOff, etherOff int, err error) {
	switch lt {
	case layers.LinkTypeEthernet:
		return 14, 12, nil
	case layers.LinkTypeLinuxSLL:
		return 16, 14, nil
	case layers.LinkTypeLinuxSLL2:
		return 20, 0, nil
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return 4, -1, nil
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		return 0, -1, nil
	}
	return 0, 0, fmt.Errorf("capture: no filter for link type %v", lt)
}

// asm is a tiny assembler with symbolic jump targets.
type asm struct {
	items []asmItem
	n     int // for unique labels
}

type asmItem struct {
	ins    bpf.Instruction
	label  string // defines a label here (ins nil)
	jt, jf string // JumpIf targets ("" = next instruction)
	jump   string // unconditional Jump target
}

func (a *asm) op(ins bpf.Instruction)  { a.items = append(a.items, asmItem{ins: ins}) }
func (a *asm) label(l string)          { a.items = append(a.items, asmItem{label: l}) }
func (a *asm) jeq(k uint32, jt string) { a.jif(k, jt, "") }
func (a *asm) jif(k uint32, jt, jf string) {
	a.items = append(a.items, asmItem{ins: bpf.JumpIf{Cond: bpf.JumpEqual, Val: k}, jt: jt, jf: jf})
}
func (a *asm) fresh() string { a.n++; return fmt.Sprintf("L%d", a.n) }

func (a *asm) assemble() ([]bpf.RawInstruction, error) {
	pos := map[string]int{}
	n := 0
	for _, it := range a.items {
		if it.ins == nil {
			pos[it.label] = n
			continue
		}
		n++
	}
	skip := func(from int, l string) (int, error) {
		if l == "" {
			return 0, nil
		}
		to, ok := pos[l]
		if !ok {
			return 0, fmt.Errorf("capture: bpf label %q undefined", l)
		}
		return to - from - 1, nil
	}
	var prog []bpf.Instruction
	i := 0
	for _, it := range a.items {
		if it.ins == nil {
			continue
		}
		ins := it.ins
		switch j := ins.(type) {
		case bpf.JumpIf:
			st, err := skip(i, it.jt)
			if err != nil {
				return nil, err
			}
			sf, err := skip(i, it.jf)
			if err != nil {
				return nil, err
			}
			if st < 0 || st > 255 || sf < 0 || sf > 255 {
				return nil, fmt.Errorf("capture: bpf filter too long (jump of %d/%d)", st, sf)
			}
			j.SkipTrue, j.SkipFalse = uint8(st), uint8(sf)
			ins = j
		case bpf.Jump:
			s, err := skip(i, it.jump)
			if err != nil {
				return nil, err
			}
			j.Skip = uint32(s)
			ins = j
		}
		prog = append(prog, ins)
		i++
	}
	return bpf.Assemble(prog)
}

// program assembles the filter for frames of link type lt. With
// dropOutgoing (Linux loopback, where AF_PACKET sees each packet leave and
// arrive) the outgoing copy is dropped, as libpcap does.
func (f filterSpec) program(lt layers.LinkType, dropOutgoing bool) ([]bpf.RawInstruction, error) {
	L, et, err := linkOffsets(lt)
	if err != nil {
		return nil, err
	}
	ports := slices.Clone(f.activePorts)
	slices.Sort(ports)
	ports = slices.Compact(ports)
	if len(ports) > maxFilterPorts {
		return nil, fmt.Errorf("capture: %d active ports exceed the filter's %d", len(ports), maxFilterPorts)
	}
	if len(f.wholePorts) > maxWholePorts {
		return nil, fmt.Errorf("capture: %d data connections kept whole exceed the filter's %d", len(f.wholePorts), maxWholePorts)
	}
	whole := append([]uint16{f.controlPort}, f.wholePorts...)
	var v4, v6 []netip.Addr
	for _, a := range f.servers {
		if a = a.Unmap(); a.Is4() {
			v4 = append(v4, a)
		} else if a.Is6() {
			v6 = append(v6, a)
		}
	}
	var a asm
	u := uint32(L)
	if dropOutgoing {
		a.op(bpf.LoadExtension{Num: bpf.ExtType})
		a.jeq(packetOutgoing, "drop")
	}
	// Which IP version?
	if et >= 0 {
		a.op(bpf.LoadAbsolute{Off: uint32(et), Size: 2})
		a.jeq(0x0800, "v4")
		a.jeq(0x86dd, "v6")
	} else {
		a.op(bpf.LoadAbsolute{Off: u, Size: 1})
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0})
		a.jeq(0x40, "v4")
		a.jeq(0x60, "v6")
	}
	a.label("drop")
	a.op(bpf.RetConstant{Val: 0})

	// IPv4.
	a.label("v4")
	a.op(bpf.LoadAbsolute{Off: u + 9, Size: 1})
	a.jeq(6, "v4tcp")
	a.jeq(1, "v4icmp")
	a.op(bpf.RetConstant{Val: 0})
	a.label("v4icmp")
	a.op(bpf.LoadMemShift{Off: u})
	a.op(bpf.LoadIndirect{Off: u, Size: 1})
	for _, t := range []uint32{3, 11, 12} {
		a.jeq(t, "v4snap")
	}
	a.addr4(u, v4, "v4snap")
	a.op(bpf.RetConstant{Val: 0})
	a.label("v4tcp")
	a.op(bpf.LoadMemShift{Off: u})
	a.addr4(u, v4, "v4srv")
	a.ports(bpf.LoadIndirect{Off: u, Size: 2}, bpf.LoadIndirect{Off: u + 2, Size: 2}, ports, "v4snap")
	a.op(bpf.RetConstant{Val: 0})
	a.label("v4srv")
	a.ports(bpf.LoadIndirect{Off: u, Size: 2}, bpf.LoadIndirect{Off: u + 2, Size: 2}, whole, "v4whole")
	a.op(bpf.RetConstant{Val: headerSnap})
	// Each version has its own returns: jumps stay short.
	a.label("v4snap")
	a.op(bpf.RetConstant{Val: headerSnap})
	a.label("v4whole")
	a.op(bpf.RetConstant{Val: wholeSnap})

	// IPv6, without extension headers (TCP and ICMPv6 never carry them in
	// practice; fragments are not expected on a probe's connections).
	a.label("v6")
	a.op(bpf.LoadAbsolute{Off: u + 6, Size: 1})
	a.jeq(6, "v6tcp")
	a.jeq(58, "v6icmp")
	a.op(bpf.RetConstant{Val: 0})
	a.label("v6icmp")
	a.op(bpf.LoadAbsolute{Off: u + 40, Size: 1})
	for _, t := range []uint32{1, 2, 3, 4} {
		a.jeq(t, "v6snap")
	}
	a.addr6(u, v6, "v6snap")
	a.op(bpf.RetConstant{Val: 0})
	a.label("v6tcp")
	a.addr6(u, v6, "v6srv")
	a.ports(bpf.LoadAbsolute{Off: u + 40, Size: 2}, bpf.LoadAbsolute{Off: u + 42, Size: 2}, ports, "v6snap")
	a.op(bpf.RetConstant{Val: 0})
	a.label("v6srv")
	a.ports(bpf.LoadAbsolute{Off: u + 40, Size: 2}, bpf.LoadAbsolute{Off: u + 42, Size: 2}, whole, "v6whole")
	a.op(bpf.RetConstant{Val: headerSnap})
	a.label("v6snap")
	a.op(bpf.RetConstant{Val: headerSnap})
	a.label("v6whole")
	a.op(bpf.RetConstant{Val: wholeSnap})
	return a.assemble()
}

// addr4 jumps to target when the IPv4 source or destination is in addrs.
func (a *asm) addr4(ipOff uint32, addrs []netip.Addr, target string) {
	for _, off := range []uint32{ipOff + 12, ipOff + 16} {
		if len(addrs) == 0 {
			return
		}
		a.op(bpf.LoadAbsolute{Off: off, Size: 4})
		for _, ad := range addrs {
			b := ad.As4()
			a.jeq(binary.BigEndian.Uint32(b[:]), target)
		}
	}
}

// addr6 jumps to target when the IPv6 source or destination is in addrs.
func (a *asm) addr6(ipOff uint32, addrs []netip.Addr, target string) {
	for _, off := range []uint32{ipOff + 8, ipOff + 24} {
		for _, ad := range addrs {
			b := ad.As16()
			next := a.fresh()
			for w := range 4 {
				a.op(bpf.LoadAbsolute{Off: off + uint32(4*w), Size: 4})
				jt := ""
				if w == 3 {
					jt = target
				}
				a.jif(binary.BigEndian.Uint32(b[4*w:]), jt, next)
			}
			a.label(next)
		}
	}
}

// ports jumps to target when the source or destination port is in ports.
func (a *asm) ports(src, dst bpf.Instruction, ports []uint16, target string) {
	if len(ports) == 0 {
		return
	}
	for _, ld := range []bpf.Instruction{src, dst} {
		a.op(ld)
		for _, p := range ports {
			a.jeq(uint32(p), target)
		}
	}
}
