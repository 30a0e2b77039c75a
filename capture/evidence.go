package capture

import (
	"net/netip"
	"time"
)

// Evidence is what the wire showed during a probe run or in a capture file.
// It records facts only; deciding what a failure means is the report's job.
type Evidence struct {
	// Available is false when no packets could be captured; Reason says why
	// and Remedy gives the one command that would allow it.
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	Remedy    string `json:"remedy,omitempty"`
	Interface string `json:"interface,omitempty"`
	Filter    string `json:"filter,omitempty"`
	// PcapFile is the pcapng written (credentials redacted), if any.
	PcapFile string `json:"pcap_file,omitempty"`
	// Start is the zero time of the T offsets below; for a live capture it is
	// the probe's zero time, so probe steps and packets share one timeline.
	Start time.Time `json:"start"`
	// Packets counts packets seen; KernelDrops those the kernel dropped.
	Packets     int    `json:"packets"`
	KernelDrops uint64 `json:"kernel_drops"`
	// Snaplen is the snap length the capture was taken with, as the frames
	// it cut short show (the longest of them); 0 when no TCP segment was
	// cut. Conn.Sliced counts the cut segments.
	Snaplen int `json:"snaplen,omitempty"`
	// Conns lists every TCP connection seen (or attempted), in order of the
	// first packet.
	Conns []*Conn `json:"conns"`
	// UnansweredInboundSYNs are SYNs that arrived at this host's active-mode
	// listening ports and got no SYN-ACK from this host.
	UnansweredInboundSYNs []*Conn `json:"unanswered_inbound_syns,omitempty"`
	// UntrackedPackets counts packets of connections beyond the tracker's
	// cap (DefaultMaxConns); they are in the pcapng but not in Conns.
	UntrackedPackets int `json:"untracked_packets,omitempty"`
	// LatePackets counts packets of connections the tracker had let go of
	// (their session settled: settle.go), more than settleQuiet after their
	// last: counted, not read.
	LatePackets int `json:"late_packets,omitempty"`
	// Reordered counts packets whose timestamp stepped back from an earlier
	// packet's of the same file (multi-queue NICs, files merged from
	// several interfaces), by at most ReorderedMax seconds: they were read
	// in timestamp order. Steps back beyond the reorder window (1 s, 4096
	// packets) are read in file order and reported as an error instead.
	Reordered    int     `json:"reordered,omitempty"`
	ReorderedMax float64 `json:"reordered_max,omitempty"`
	// NotFTP lists connections that looked like FTP control connections
	// (a control port, or a 220 greeting) but did not behave like FTP:
	// SSH, SMTP, HTTP, or bytes that were neither FTP commands nor
	// replies. They are no session. At most 64 are listed; NotFTPCount
	// counts them all.
	NotFTP      []NotFTP `json:"not_ftp,omitempty"`
	NotFTPCount int      `json:"not_ftp_count,omitempty"`
	// Sessions are the FTP control sessions rebuilt from the trace (read
	// from a file; see session.go), in order of their first packet.
	Sessions []*FTPSession `json:"sessions,omitempty"`

	// handed are what the tracker handed on while reading
	// (TrackerConfig.Settled) and no longer holds (settle.go).
	handed handedOn
}

// PacketRef places a fact on the timeline: T is seconds since Evidence.Start
// and Packet the 1-based packet number in the written pcapng (0 if none).
type PacketRef struct {
	T      float64 `json:"t"`
	Packet int     `json:"packet,omitempty"`
}

// Side names an end of a connection.
type Side string

// The two ends: the one that sent the SYN and the one it was sent to.
const (
	SideInitiator Side = "initiator"
	SideResponder Side = "responder"
)

// ICMPFact is an ICMP or ICMPv6 error that referred to a connection.
type ICMPFact struct {
	PacketRef
	From string `json:"from"` // address of the router or host that sent it
	V6   bool   `json:"v6,omitempty"`
	Type int    `json:"type"`
	Code int    `json:"code"`
	Text string `json:"text"` // e.g. "port unreachable", "administratively prohibited"
}

// RSTFact is a reset seen on a connection.
type RSTFact struct {
	PacketRef
	From Side `json:"from"`
}

// Stall is a period without progress while a connection was open.
type Stall struct {
	From     float64 `json:"from"`     // seconds since Start: last progress
	Duration float64 `json:"duration"` // seconds without progress
}

// Conn is what the wire showed of one TCP connection (4-tuple).
type Conn struct {
	Initiator netip.AddrPort `json:"initiator"` // sent the SYN
	Responder netip.AddrPort `json:"responder"`
	// First is the connection's first packet.
	First PacketRef `json:"first"`
	// Midstream is true when no SYN was seen before the connection's first
	// packet (capture started late, or only an ICMP error referred to it):
	// Initiator and Responder are then a guess (the higher port initiates).
	Midstream bool `json:"midstream,omitempty"`
	// SYNs lists each SYN sent (more than one: retransmitted, unanswered).
	SYNs   []PacketRef `json:"syns"`
	SYNACK *PacketRef  `json:"synack,omitempty"`
	RSTs   []RSTFact   `json:"rsts,omitempty"`
	ICMP   []ICMPFact  `json:"icmp,omitempty"`
	// FINs by side.
	FINInitiator *PacketRef `json:"fin_initiator,omitempty"`
	FINResponder *PacketRef `json:"fin_responder,omitempty"`
	// Packets counts the connection's TCP segments in the capture.
	Packets int `json:"packets"`
	// Payload bytes each way.
	BytesFromInitiator int64 `json:"bytes_from_initiator"`
	BytesFromResponder int64 `json:"bytes_from_responder"`
	// FirstData and LastData are the first and the last segment that
	// carried new data (retransmissions do not move LastData).
	FirstData *PacketRef `json:"first_data,omitempty"`
	LastData  *PacketRef `json:"last_data,omitempty"`
	// Retransmits counts data segments seen again (same sequence range, in
	// whole or in part); keepalives are not counted.
	Retransmits int `json:"retransmits"`
	// MaxSegment is the largest TCP payload seen, each way.
	MaxSegmentFromInitiator int `json:"max_segment_from_initiator"`
	MaxSegmentFromResponder int `json:"max_segment_from_responder"`
	// MSS options announced in SYN / SYN-ACK (0 when absent).
	MSSInitiator int    `json:"mss_initiator,omitempty"`
	MSSResponder int    `json:"mss_responder,omitempty"`
	Stall        *Stall `json:"stall,omitempty"`
	// Sliced counts segments whose payload the capture's snap length cut
	// short (caplen < length): their bytes count, their text is partial.
	Sliced int `json:"sliced,omitempty"`
	// GapBytes counts payload bytes, both ways, that the sequence numbers
	// say were sent but the capture does not hold: holes not filled by
	// the end (bytes cut by the snap length are not holes: Sliced).
	GapBytes int64 `json:"gap_bytes,omitempty"`
	// OpenAtEnd is true when the connection was up (a SYN-ACK or data
	// seen) and the capture ended before a RST or a FIN from each side:
	// it outlived the capture, or its end was not captured.
	OpenAtEnd bool `json:"open_at_end,omitempty"`
	// TLS is what the wire showed of TLS on the connection (tlshello.go):
	// set when one side sent a ClientHello the capture holds whole.
	TLS *TLSFacts `json:"tls,omitempty"`

	// settled: its session settled or it was let go of (settle.go); its
	// facts no longer change.
	settled bool
	// refs hold what SYNACK, the FINs and FirstData and LastData point
	// to, and SYNs' first element: part of the connection's own
	// allocation, not one each (thousands of connections held while
	// their sessions settle are fewer objects for the collector).
	refs connRefs
}

// connRefs is a connection's storage for its packet references.
type connRefs struct {
	synack, finInitiator, finResponder, firstData, lastData PacketRef
	syn                                                     [1]PacketRef
}

// at stores r in slot (one of c.refs) and returns where it is.
func at(slot *PacketRef, r PacketRef) *PacketRef {
	*slot = r
	return slot
}

// Established reports whether the handshake got a SYN-ACK.
func (c *Conn) Established() bool { return c.SYNACK != nil }
