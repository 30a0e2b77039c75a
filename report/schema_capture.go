package report

import "time"

// The report's own record of what the wire showed (the "evidence" member
// of the JSON report, docs/json-schema.md), so that a change inside
// package capture is not a change of the schema. Addresses are strings
// ("192.0.2.10:21", "" when unknown). Converted from capture.Evidence in
// schema_convert.go only.

// EvidenceRecord is what the wire showed during a probe run or in a
// capture file (for analyze: the session's connections only).
type EvidenceRecord struct {
	Available             bool             `json:"available"`
	Reason                string           `json:"reason,omitempty"`
	Remedy                string           `json:"remedy,omitempty"`
	Interface             string           `json:"interface,omitempty"`
	Filter                string           `json:"filter,omitempty"`
	PcapFile              string           `json:"pcap_file,omitempty"`
	Start                 time.Time        `json:"start"`
	Packets               int              `json:"packets"`
	KernelDrops           uint64           `json:"kernel_drops"`
	Snaplen               int              `json:"snaplen,omitempty"`
	Conns                 []*ConnRecord    `json:"conns"`
	UnansweredInboundSYNs []*ConnRecord    `json:"unanswered_inbound_syns,omitempty"`
	UntrackedPackets      int              `json:"untracked_packets,omitempty"`
	Reordered             int              `json:"reordered,omitempty"`
	ReorderedMax          float64          `json:"reordered_max,omitempty"`
	NotFTP                []NotFTPRecord   `json:"not_ftp,omitempty"`
	NotFTPCount           int              `json:"not_ftp_count,omitempty"`
	Sessions              []*SessionRecord `json:"sessions,omitempty"`
}

// PacketRecord places a fact on the timeline: seconds since the
// evidence's start and the 1-based packet number (0 when none).
type PacketRecord struct {
	T      float64 `json:"t"`
	Packet int     `json:"packet,omitempty"`
}

// NotFTPRecord is a connection on a control port that did not behave
// like FTP.
type NotFTPRecord struct {
	Client   string       `json:"client"`
	Server   string       `json:"server"`
	First    PacketRecord `json:"first"`
	Protocol string       `json:"protocol"`
}

// ConnRecord is what the wire showed of one TCP connection.
type ConnRecord struct {
	Initiator               string          `json:"initiator"`
	Responder               string          `json:"responder"`
	First                   PacketRecord    `json:"first"`
	Midstream               bool            `json:"midstream,omitempty"`
	SYNs                    []PacketRecord  `json:"syns"`
	SYNACK                  *PacketRecord   `json:"synack,omitempty"`
	RSTs                    []RSTRecord     `json:"rsts,omitempty"`
	ICMP                    []ICMPRecord    `json:"icmp,omitempty"`
	FINInitiator            *PacketRecord   `json:"fin_initiator,omitempty"`
	FINResponder            *PacketRecord   `json:"fin_responder,omitempty"`
	BytesFromInitiator      int64           `json:"bytes_from_initiator"`
	BytesFromResponder      int64           `json:"bytes_from_responder"`
	FirstData               *PacketRecord   `json:"first_data,omitempty"`
	LastData                *PacketRecord   `json:"last_data,omitempty"`
	Retransmits             int             `json:"retransmits"`
	MaxSegmentFromInitiator int             `json:"max_segment_from_initiator"`
	MaxSegmentFromResponder int             `json:"max_segment_from_responder"`
	MSSInitiator            int             `json:"mss_initiator,omitempty"`
	MSSResponder            int             `json:"mss_responder,omitempty"`
	Stall                   *StallRecord    `json:"stall,omitempty"`
	Sliced                  int             `json:"sliced,omitempty"`
	GapBytes                int64           `json:"gap_bytes,omitempty"`
	OpenAtEnd               bool            `json:"open_at_end,omitempty"`
	TLS                     *TLSFactsRecord `json:"tls,omitempty"`
}

// RSTRecord is a reset seen on a connection, with the side that sent it
// ("initiator" or "responder").
type RSTRecord struct {
	PacketRecord
	From string `json:"from"`
}

// ICMPRecord is an ICMP or ICMPv6 error that referred to a connection.
type ICMPRecord struct {
	PacketRecord
	From string `json:"from"`
	V6   bool   `json:"v6,omitempty"`
	Type int    `json:"type"`
	Code int    `json:"code"`
	Text string `json:"text"`
}

// StallRecord is a period without progress while a connection was open.
type StallRecord struct {
	From     float64 `json:"from"`
	Duration float64 `json:"duration"`
}

// SessionRecord is one FTP control session rebuilt from a capture.
type SessionRecord struct {
	ID            int                  `json:"id"`
	Client        string               `json:"client"`
	Server        string               `json:"server"`
	DetectedBy    string               `json:"detected_by"`
	ClientTTL     int                  `json:"client_ttl,omitempty"`
	ServerTTL     int                  `json:"server_ttl,omitempty"`
	User          string               `json:"user,omitempty"`
	Exchanges     []*FTPExchangeRecord `json:"exchanges"`
	Data          []*DataSetupRecord   `json:"data"`
	TLS           *SessionTLSRecord    `json:"tls,omitempty"`
	Truncated     bool                 `json:"truncated,omitempty"`
	TextCut       int64                `json:"text_cut,omitempty"`
	GapBytes      int64                `json:"gap_bytes,omitempty"`
	SlicedAt      *PacketRecord        `json:"sliced_at,omitempty"`
	StartedBefore bool                 `json:"started_before,omitempty"`
	OneWay        string               `json:"one_way,omitempty"`
	Malformed     int                  `json:"malformed,omitempty"`
}

// FTPExchangeRecord is one captured command and the replies that
// answered it.
type FTPExchangeRecord struct {
	PacketRecord
	Command string           `json:"command,omitempty"`
	Replies []FTPReplyRecord `json:"replies,omitempty"`
	Unknown string           `json:"unknown,omitempty"`
}

// FTPReplyRecord is a captured server reply with its place on the
// timeline.
type FTPReplyRecord struct {
	PacketRecord
	ReplyRecord
	Cut bool `json:"cut,omitempty"`
}

// DataSetupRecord is one data connection as the control dialogue set it
// up, and the connection seen on the wire.
type DataSetupRecord struct {
	Mode      string             `json:"mode"`
	Setup     *FTPExchangeRecord `json:"setup,omitempty"`
	Announced string             `json:"announced"`
	Transfer  *FTPExchangeRecord `json:"transfer,omitempty"`
	Conn      *ConnRecord        `json:"conn,omitempty"`
	Match     string             `json:"match,omitempty"`
	Inferred  bool               `json:"inferred,omitempty"`
	Passive   bool               `json:"passive"`
}

// SessionTLSRecord is what can still be said of an encrypted control
// session.
type SessionTLSRecord struct {
	Implicit   bool              `json:"implicit,omitempty"`
	Midstream  bool              `json:"midstream,omitempty"`
	Cleared    *PacketRecord     `json:"cleared,omitempty"`
	Auth       *PacketRecord     `json:"auth,omitempty"`
	Encrypted  bool              `json:"encrypted"`
	Decryption *DecryptionRecord `json:"decryption,omitempty"`
	Records    int               `json:"records"`
}

// DecryptionRecord is what the key log (analyze --tls-keylog) allowed of
// a control connection's TLS (capture.Decryption).
type DecryptionRecord struct {
	Version     string        `json:"version,omitempty"`
	CipherSuite string        `json:"cipher_suite,omitempty"`
	Records     int           `json:"records"`
	Stopped     string        `json:"stopped,omitempty"`
	StoppedAt   *PacketRecord `json:"stopped_at,omitempty"`
}
