package capture

import (
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// decoder turns link-layer frames into the few facts the tracker and the
// redactor need. Layers are preallocated and reused: one decoder serves one
// goroutine, and a decoded view is valid until the next call.
type decoder struct {
	eth     layers.Ethernet
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	lo      layers.Loopback
	vlan    layers.Dot1Q
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	icmp4   layers.ICMPv4
	icmp6   layers.ICMPv6
	payload gopacket.Payload

	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	types   []gopacket.LayerType
	view    view
}

// view is one decoded packet. Slices alias the frame being decoded.
type view struct {
	v6       bool
	src, dst netip.Addr
	ipHeader []byte // the IP header bytes (for the redactor's pseudo-header)

	isTCP bool
	tcp   *layers.TCP
	// payloadLen is the TCP payload length on the wire, which may exceed
	// len(tcp.Payload) when the capture was cut short (snap length).
	payloadLen int
	// whole is true when the captured bytes hold the full TCP segment.
	whole bool
	// hello is whether the payload begins like a TLS ClientHello, if
	// known (fastHdr): the tracker then need not read the payload.
	hello helloKnown
	// order is keyOf's order of the endpoints, if known (fastHdr).
	order endpointOrder

	isICMP    bool
	icmpType  uint8
	icmpCode  uint8
	icmpExtra uint32 // rest of the ICMP header: the MTU for "too big" errors
	icmpInner []byte // the quoted packet
}

// helloKnown is what is known of whether a payload begins like a TLS
// ClientHello (startsClientHello).
type helloKnown uint8

const (
	helloUnknown helloKnown = iota
	helloNo
	helloYes
)

// endpointOrder is what is known of keyOf's order of a segment's
// endpoints.
type endpointOrder uint8

const (
	orderUnknown endpointOrder = iota
	orderKept                  // the source sorts first
	orderSwapped               // the destination sorts first
)

// startsHello reports whether the TCP payload begins like a ClientHello.
func (v *view) startsHello() bool {
	if v.hello != helloUnknown {
		return v.hello == helloYes
	}
	return startsClientHello(v.tcp.Payload)
}

// VLAN tags (trunk ports, SPAN sessions, Linux cooked captures that kept
// the tag) are decoded by gopacket's Dot1Q layer, which the EtherTypes
// 0x8100 (802.1Q) and 0x88a8 (802.1ad, QinQ's outer tag) lead to; stacked
// tags reuse it, each tag's EtherType naming the next. The pre-standard
// QinQ EtherType 0x9100, still sent by older switches and decoded as VLAN
// by Wireshark, is not in gopacket's table: it is added there (the
// table is gopacket's documented way to extend its Ethernet decoding).
func init() {
	layers.EthernetTypeMetadata[ethernetTypeQinQ9100] = layers.EthernetTypeMetadata[layers.EthernetTypeDot1Q]
}

// ethernetTypeQinQ9100 is the pre-standard QinQ outer tag's EtherType.
const ethernetTypeQinQ9100 layers.EthernetType = 0x9100

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}}
	for _, first := range []gopacket.LayerType{
		layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6,
	} {
		p := gopacket.NewDecodingLayerParser(first,
			&d.eth, &d.sll, &d.sll2, &d.lo, &d.vlan, &d.ip4, &d.ip6,
			&d.tcp, &d.icmp4, &d.icmp6, &d.payload)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	d.types = make([]gopacket.LayerType, 0, 8)
	return d
}

// supportedLinkType reports whether frames of this link type can be decoded.
func supportedLinkType(lt layers.LinkType) bool {
	return firstLayer(lt, nil) != gopacket.LayerTypeZero
}

// firstLayer names the layer a frame of link type lt starts with. Raw IP
// link types need the frame to tell IPv4 from IPv6.
func firstLayer(lt layers.LinkType, data []byte) gopacket.LayerType {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6
	case layers.LinkTypeRaw, 12, 14: // DLT_RAW is 12 or 14 on some BSDs
		if data == nil {
			return layers.LayerTypeIPv4 // supported; the real choice is per frame
		}
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6
		}
		return layers.LayerTypeIPv4
	}
	return gopacket.LayerTypeZero
}

// decode decodes one frame; it returns nil when the frame holds neither TCP
// nor ICMP over IP. Plain TCP segments take the fast path (fastdecode.go).
func (d *decoder) decode(lt layers.LinkType, data []byte) *view {
	if v := d.fastTCP(lt, data); v != nil {
		return v
	}
	return d.decodeLayers(lt, data)
}

// decodeParsed is decode for a frame whose headers fastHdr.parse read
// already (h; nil: not read).
func (d *decoder) decodeParsed(lt layers.LinkType, data []byte, h *fastHdr) *view {
	switch {
	case h == nil:
		return d.decode(lt, data)
	case h.ok:
		return d.fromHdr(h, data)
	}
	return d.decodeLayers(lt, data)
}

// decodeLayers is decode by gopacket's layers, for any frame.
func (d *decoder) decodeLayers(lt layers.LinkType, data []byte) *view {
	first := firstLayer(lt, data)
	p := d.parsers[first]
	if p == nil {
		return nil
	}
	// Errors are expected for truncated or odd frames: whatever decoded
	// before the error is still used.
	_ = p.DecodeLayers(data, &d.types)
	v := &d.view
	*v = view{}
	for _, t := range d.types {
		switch t {
		case layers.LayerTypeIPv4:
			v.src, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
			v.dst, _ = netip.AddrFromSlice(d.ip4.DstIP.To4())
			v.ipHeader = d.ip4.Contents
		case layers.LayerTypeIPv6:
			v.v6 = true
			v.src, _ = netip.AddrFromSlice(d.ip6.SrcIP.To16())
			v.dst, _ = netip.AddrFromSlice(d.ip6.DstIP.To16())
			v.ipHeader = d.ip6.Contents
		case layers.LayerTypeTCP:
			v.isTCP = true
			v.tcp = &d.tcp
		case layers.LayerTypeICMPv4:
			v.isICMP = true
			v.icmpType, v.icmpCode = d.icmp4.TypeCode.Type(), d.icmp4.TypeCode.Code()
			v.icmpExtra = uint32(d.icmp4.Id)<<16 | uint32(d.icmp4.Seq)
			v.icmpInner = d.icmp4.Payload
		case layers.LayerTypeICMPv6:
			v.isICMP = true
			v.icmpType, v.icmpCode = d.icmp6.TypeCode.Type(), d.icmp6.TypeCode.Code()
			if pl := d.icmp6.Payload; len(pl) >= 4 {
				v.icmpExtra = uint32(pl[0])<<24 | uint32(pl[1])<<16 | uint32(pl[2])<<8 | uint32(pl[3])
				v.icmpInner = pl[4:]
			}
		}
	}
	if !v.isTCP && !v.isICMP && d.headerCut(v) {
		v.isTCP, v.tcp = true, &d.tcp
	}
	if !v.src.IsValid() || !v.dst.IsValid() || (!v.isTCP && !v.isICMP) {
		return nil
	}
	if v.isTCP {
		v.payloadLen, v.whole = tcpPayloadLen(v, d)
	}
	return v
}

// headerCut reports whether the frame holds a TCP segment whose header the
// snap length cut inside its options (tcpdump -s 64 and the like): gopacket
// refuses such a header, but its fixed 20 bytes (ports, sequence numbers,
// flags) are there and are all the tracker needs. Written by hand because
// gopacket's TCP layer returns an error for it; the ports, sequence
// numbers and flags it decoded before the error are this frame's.
func (d *decoder) headerCut(v *view) bool {
	var pl []byte
	switch {
	case v.v6 && d.ip6.NextHeader == layers.IPProtocolTCP:
		pl = d.ip6.Payload
	case !v.v6 && v.src.IsValid() && d.ip4.Protocol == layers.IPProtocolTCP && d.ip4.FragOffset == 0 && d.ip4.Flags&layers.IPv4MoreFragments == 0:
		pl = d.ip4.Payload
	default:
		return false
	}
	if len(pl) < 20 || d.tcp.DataOffset < 5 || int(d.tcp.DataOffset)*4 <= len(pl) {
		return false
	}
	d.tcp.Payload = nil
	d.tcp.Options = d.tcp.Options[:0]
	return true
}

// tcpPayloadLen returns the TCP payload length from the IP header, so that a
// packet cut to its headers still counts its bytes, and whether all of them
// were captured.
func tcpPayloadLen(v *view, d *decoder) (int, bool) {
	captured := len(d.tcp.Payload)
	hdr := int(d.tcp.DataOffset) * 4
	var onWire int
	if v.v6 {
		if d.ip6.Length == 0 { // jumbogram or segmentation offload
			return captured, true
		}
		// Extension headers stop the decoder before TCP, so here the
		// IPv6 payload is the TCP segment.
		onWire = int(d.ip6.Length) - hdr
	} else {
		onWire = int(d.ip4.Length) - int(d.ip4.IHL)*4 - hdr
	}
	if onWire < captured {
		// Offloaded segments can be longer than the length field says.
		return captured, true
	}
	return onWire, onWire == captured
}
