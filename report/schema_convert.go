package report

import (
	"net/netip"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// The one place the report's schema records (schema_probe.go,
// schema_capture.go, schema_reply.go) are made from the probe's, the
// capture's and the ftp package's types: a field renamed or added there
// changes the JSON only when it is carried over here. A nil list stays
// nil and an empty one empty, as the JSON tells them apart.

// probeRecord converts a probe result; nil for nil.
func probeRecord(r *probe.Result) *ProbeRecord {
	if r == nil {
		return nil
	}
	t := r.Target
	return &ProbeRecord{
		Target: TargetRecord{
			URL: t.URL, Scheme: t.Scheme, Host: t.Host, Port: t.Port,
			User: t.User, Path: t.Path, PasswordSource: t.PasswordSource,
		},
		StartedAt: r.StartedAt,
		Duration:  r.Duration,
		Resolve:   stepRecord(r.Resolve),
		Addresses: r.Addresses,
		Server: ServerRecord{
			Banner: r.Server.Banner, Syst: r.Server.Syst, Feat: r.Server.Feat,
			Info: ServerInfoRecord{Software: string(r.Server.Info.Software), Version: r.Server.Info.Version, Evidence: r.Server.Info.Evidence},
		},
		Options: OptionsRecord{
			ConnectTimeout: r.Options.ConnectTimeout, DataTimeout: r.Options.DataTimeout,
			TrustPasvAddress: r.Options.TrustPasvAddress, ActivePortRange: r.Options.ActivePortRange,
			RetrBytes: r.Options.RetrBytes, StallTimeout: r.Options.StallTimeout, Upload: r.Options.Upload,
		},
		Modes:       modeRecords(r.Modes),
		RetrFile:    r.RetrFile,
		Notes:       r.Notes,
		Upload:      uploadRecord(r.Upload),
		TLS:         tlsRecord(r.TLS),
		Pacing:      pacingRecord(r.Pacing),
		Interrupted: interruptedRecord(r.Interrupted),
		Plain:       modeRecords(r.Plain),
	}
}

func modeRecords(ms []probe.ModeResult) []ModeRecord {
	if ms == nil {
		return nil
	}
	out := make([]ModeRecord, len(ms))
	for i := range ms {
		out[i] = modeRecord(&ms[i])
	}
	return out
}

func modeRecord(m *probe.ModeResult) ModeRecord {
	var samples []PasvSampleRecord
	if m.PasvSamples != nil {
		samples = make([]PasvSampleRecord, len(m.PasvSamples))
		for i, s := range m.PasvSamples {
			samples[i] = PasvSampleRecord{T: s.T, Announced: s.Announced}
		}
	}
	out := ModeRecord{
		Mode:              m.Mode,
		Applicable:        m.Applicable,
		ControlLocal:      m.ControlLocal,
		ControlRemote:     m.ControlRemote,
		Connect:           stepRecord(m.Connect),
		Banner:            stepRecord(m.Banner),
		Login:             stepRecord(m.Login),
		ListData:          dataConnRecord(&m.ListData),
		List:              transferRecord(&m.List),
		Transcript:        exchangeRecords(m.Transcript),
		Works:             m.Works,
		PasvSamples:       samples,
		RetriedSerially:   m.RetriedSerially,
		FirstAttemptAlone: m.FirstAttemptAlone,
	}
	if m.TLS != nil {
		out.TLS = &ModeTLSRecord{Handshake: stepRecord(m.TLS.Handshake), Version: m.TLS.Version, Prot: stepRecord(m.TLS.Prot), Level: m.TLS.Level}
	}
	if m.RetrData != nil {
		dc := dataConnRecord(m.RetrData)
		out.RetrData = &dc
	}
	if m.Retr != nil {
		tr := transferRecord(m.Retr)
		out.Retr = &tr
	}
	if m.FirstAttempt != nil {
		st := stepRecord(*m.FirstAttempt)
		out.FirstAttempt = &st
	}
	return out
}

func stepRecord(s probe.Step) StepRecord {
	return StepRecord{Outcome: s.Outcome, T0: s.T0, T: s.T, Reply: replyRecord(s.Reply), Meaning: meaningRecord(s.Meaning), Error: s.Error}
}

func replyRecord(r *ftp.Reply) *ReplyRecord {
	if r == nil {
		return nil
	}
	return &ReplyRecord{Code: r.Code, Lines: r.Lines}
}

func meaningRecord(m *ftp.Interpretation) *MeaningRecord {
	if m == nil {
		return nil
	}
	return &MeaningRecord{Step: string(m.Step), Meaning: string(m.Meaning), Source: m.Source}
}

func exchangeRecords(xs []probe.Exchange) []ExchangeRecord {
	if xs == nil {
		return nil
	}
	out := make([]ExchangeRecord, len(xs))
	for i, x := range xs {
		out[i] = ExchangeRecord{T: x.T, Command: x.Command, Reply: replyRecord(x.Reply), Meaning: meaningRecord(x.Meaning)}
	}
	return out
}

func dataConnRecord(d *probe.DataConn) DataConnRecord {
	out := DataConnRecord{
		Announced: d.Announced, Dialled: d.Dialled, Listened: d.Listened, Peer: d.Peer, Local: d.Local,
		AddressPolicy: d.AddressPolicy, Setup: stepRecord(d.Setup), Connect: stepRecord(d.Connect),
	}
	if d.TLS != nil {
		out.TLS = &DataTLSRecord{Handshake: stepRecord(d.TLS.Handshake), Version: d.TLS.Version, Resumed: d.TLS.Resumed}
	}
	if f := d.Socket; f != nil {
		out.Socket = &SocketFactsRecord{Source: f.Source, T: f.T, State: f.State, SYNRetransmits: f.SYNRetransmits}
	}
	if d.CallbackWait != nil {
		w := callbackWaitRecord(*d.CallbackWait)
		out.CallbackWait = &w
	}
	if d.SetupWatch != nil {
		out.SetupWatch = &SetupWatchRecord{Listener: d.SetupWatch.Listener, Wait: callbackWaitRecord(d.SetupWatch.Wait)}
	}
	return out
}

func callbackWaitRecord(w probe.CallbackWait) CallbackWaitRecord {
	return CallbackWaitRecord{Seconds: w.Seconds, RTTSeconds: w.RTTSeconds, ReplySeconds: w.ReplySeconds, Reason: w.Reason}
}

func transferRecord(t *probe.Transfer) TransferRecord {
	return TransferRecord{
		Command: t.Command, Step: stepRecord(t.Step), Bytes: t.Bytes, Limit: t.Limit, Aborted: t.Aborted,
		LargestRead: t.LargestRead, Final: replyRecord(t.Final), Preliminary: replyRecord(t.Preliminary),
		Times: TransferTimesRecord{
			Preliminary: t.Times.Preliminary, FirstByte: t.Times.FirstByte, LastByte: t.Times.LastByte,
			ServerClosed: t.Times.ServerClosed, Final: t.Times.Final,
		},
	}
}

func uploadRecord(u *probe.Upload) *UploadRecord {
	if u == nil {
		return nil
	}
	return &UploadRecord{
		Mode: u.Mode, Skipped: u.Skipped, Name: u.Name, Bytes: u.Bytes,
		Login: stepRecord(u.Login), Free: stepRecord(u.Free), Data: dataConnRecord(&u.Data), Store: transferRecord(&u.Store),
		Verify: stepRecord(u.Verify), VerifiedSize: u.VerifiedSize, Delete: stepRecord(u.Delete),
		Transcript: exchangeRecords(u.Transcript),
	}
}

func tlsRecord(t *probe.TLSResult) *TLSRecord {
	if t == nil {
		return nil
	}
	out := &TLSRecord{
		Requested: string(t.Requested), Mode: string(t.Mode), Auth: replyRecord(t.Auth),
		Version: t.Version, CipherSuite: t.CipherSuite, Prot: t.Prot, Insecure: t.Insecure,
		Fallback: t.Fallback, PlainLogin: t.PlainLogin, PlainSkipped: t.PlainSkipped,
	}
	if c := t.Certificate; c != nil {
		out.Certificate = &CertificateRecord{
			Subject: c.Subject, Issuer: c.Issuer, DNSNames: c.DNSNames, IPAddresses: c.IPAddresses,
			NotBefore: c.NotBefore, NotAfter: c.NotAfter, SHA256: c.SHA256, ServerName: c.ServerName,
			NameMatches: c.NameMatches, Expired: c.Expired, NotYetValid: c.NotYetValid, Trusted: c.Trusted,
			Roots: c.Roots, SelfSigned: c.SelfSigned, VerifyError: c.VerifyError,
		}
	}
	return out
}

func pacingRecord(p *probe.Pacing) *PacingRecord {
	if p == nil {
		return nil
	}
	return &PacingRecord{
		Serial: p.Serial, Trigger: p.Trigger, Reason: p.Reason, LoginSeconds: p.LoginSeconds,
		RTTSeconds: p.RTTSeconds, QueuedSeconds: p.QueuedSeconds, Modes: p.Modes,
	}
}

func interruptedRecord(i *probe.Interruption) *InterruptedRecord {
	if i == nil {
		return nil
	}
	return &InterruptedRecord{T: i.T, Cause: i.Cause, Timeout: i.Timeout}
}

// evidenceRecord converts capture evidence; nil for nil. A connection or
// an exchange met twice (in conns and in a data set-up; in exchanges and
// as a set-up) becomes one record, written twice as before.
func evidenceRecord(ev *capture.Evidence) *EvidenceRecord {
	if ev == nil {
		return nil
	}
	cv := &captureConverter{conns: map[*capture.Conn]*ConnRecord{}, exchanges: map[*capture.FTPExchange]*FTPExchangeRecord{}}
	out := &EvidenceRecord{
		Available: ev.Available, Reason: ev.Reason, Remedy: ev.Remedy, Interface: ev.Interface, Filter: ev.Filter,
		PcapFile: ev.PcapFile, Start: ev.Start, Packets: ev.Packets, KernelDrops: ev.KernelDrops, Snaplen: ev.Snaplen,
		Conns: cv.connList(ev.Conns), UnansweredInboundSYNs: cv.connList(ev.UnansweredInboundSYNs),
		UntrackedPackets: ev.UntrackedPackets, Reordered: ev.Reordered, ReorderedMax: ev.ReorderedMax,
		NotFTPCount: ev.NotFTPCount,
	}
	if ev.NotFTP != nil {
		out.NotFTP = make([]NotFTPRecord, len(ev.NotFTP))
		for i, n := range ev.NotFTP {
			out.NotFTP[i] = NotFTPRecord{Client: endpointText(n.Client), Server: endpointText(n.Server), First: packetRecord(n.First), Protocol: n.Protocol}
		}
	}
	if ev.Sessions != nil {
		out.Sessions = make([]*SessionRecord, len(ev.Sessions))
		for i, s := range ev.Sessions {
			out.Sessions[i] = cv.session(s)
		}
	}
	return out
}

// captureConverter remembers the records made, by source pointer.
type captureConverter struct {
	conns     map[*capture.Conn]*ConnRecord
	exchanges map[*capture.FTPExchange]*FTPExchangeRecord
}

// endpointText is an endpoint as the JSON writes it: "" when unknown.
func endpointText(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.String()
}

func packetRecord(p capture.PacketRef) PacketRecord { return PacketRecord{T: p.T, Packet: p.Packet} }

func packetPtr(p *capture.PacketRef) *PacketRecord {
	if p == nil {
		return nil
	}
	r := packetRecord(*p)
	return &r
}

func packetRecords(ps []capture.PacketRef) []PacketRecord {
	if ps == nil {
		return nil
	}
	out := make([]PacketRecord, len(ps))
	for i, p := range ps {
		out[i] = packetRecord(p)
	}
	return out
}

func (cv *captureConverter) connList(cs []*capture.Conn) []*ConnRecord {
	if cs == nil {
		return nil
	}
	out := make([]*ConnRecord, len(cs))
	for i, c := range cs {
		out[i] = cv.conn(c)
	}
	return out
}

func (cv *captureConverter) conn(c *capture.Conn) *ConnRecord {
	if c == nil {
		return nil
	}
	if r, ok := cv.conns[c]; ok {
		return r
	}
	r := &ConnRecord{
		Initiator: endpointText(c.Initiator), Responder: endpointText(c.Responder), First: packetRecord(c.First),
		Midstream: c.Midstream, SYNs: packetRecords(c.SYNs), SYNACK: packetPtr(c.SYNACK),
		FINInitiator: packetPtr(c.FINInitiator), FINResponder: packetPtr(c.FINResponder),
		BytesFromInitiator: c.BytesFromInitiator, BytesFromResponder: c.BytesFromResponder,
		FirstData: packetPtr(c.FirstData), LastData: packetPtr(c.LastData), Retransmits: c.Retransmits,
		MaxSegmentFromInitiator: c.MaxSegmentFromInitiator, MaxSegmentFromResponder: c.MaxSegmentFromResponder,
		MSSInitiator: c.MSSInitiator, MSSResponder: c.MSSResponder,
		Sliced: c.Sliced, GapBytes: c.GapBytes, OpenAtEnd: c.OpenAtEnd, TLS: tlsFactsRecord(c.TLS),
	}
	if c.RSTs != nil {
		r.RSTs = make([]RSTRecord, len(c.RSTs))
		for i, x := range c.RSTs {
			r.RSTs[i] = RSTRecord{PacketRecord: packetRecord(x.PacketRef), From: string(x.From)}
		}
	}
	if c.ICMP != nil {
		r.ICMP = make([]ICMPRecord, len(c.ICMP))
		for i, x := range c.ICMP {
			r.ICMP[i] = ICMPRecord{PacketRecord: packetRecord(x.PacketRef), From: x.From, V6: x.V6, Type: x.Type, Code: x.Code, Text: x.Text}
		}
	}
	if c.Stall != nil {
		r.Stall = &StallRecord{From: c.Stall.From, Duration: c.Stall.Duration}
	}
	cv.conns[c] = r
	return r
}

func (cv *captureConverter) session(s *capture.FTPSession) *SessionRecord {
	out := &SessionRecord{
		ID: s.ID, Client: endpointText(s.Client), Server: endpointText(s.Server), DetectedBy: s.DetectedBy,
		ClientTTL: s.ClientTTL, ServerTTL: s.ServerTTL, User: s.User,
		Truncated: s.Truncated, TextCut: s.TextCut, GapBytes: s.GapBytes, SlicedAt: packetPtr(s.SlicedAt),
		StartedBefore: s.StartedBefore, Malformed: s.Malformed,
	}
	if s.Exchanges != nil {
		out.Exchanges = make([]*FTPExchangeRecord, len(s.Exchanges))
		for i, x := range s.Exchanges {
			out.Exchanges[i] = cv.exchange(x)
		}
	}
	if s.Data != nil {
		out.Data = make([]*DataSetupRecord, len(s.Data))
		for i, d := range s.Data {
			out.Data[i] = cv.dataSetup(d)
		}
	}
	if t := s.TLS; t != nil {
		out.TLS = &SessionTLSRecord{Implicit: t.Implicit, Midstream: t.Midstream, Cleared: packetPtr(t.Cleared), Auth: packetPtr(t.Auth), Encrypted: t.Encrypted, Decryption: decryptionRecord(t.Decryption), Records: t.Records}
	}
	return out
}

func (cv *captureConverter) exchange(x *capture.FTPExchange) *FTPExchangeRecord {
	if x == nil {
		return nil
	}
	if r, ok := cv.exchanges[x]; ok {
		return r
	}
	r := &FTPExchangeRecord{PacketRecord: packetRecord(x.PacketRef), Command: x.Command, Unknown: x.Unknown}
	if x.Replies != nil {
		r.Replies = make([]FTPReplyRecord, len(x.Replies))
		for i, y := range x.Replies {
			r.Replies[i] = FTPReplyRecord{PacketRecord: packetRecord(y.PacketRef), ReplyRecord: ReplyRecord{Code: y.Code, Lines: y.Lines}, Cut: y.Cut}
		}
	}
	cv.exchanges[x] = r
	return r
}

func (cv *captureConverter) dataSetup(d *capture.DataSetup) *DataSetupRecord {
	if d == nil {
		return nil
	}
	return &DataSetupRecord{
		Mode: d.Mode, Setup: cv.exchange(d.Setup), Announced: endpointText(d.Announced), Transfer: cv.exchange(d.Transfer),
		Conn: cv.conn(d.Conn), Match: d.Match, Inferred: d.Inferred, Passive: d.Passive,
	}
}

// decryptionRecord converts what a key log decrypted; nil for nil.
func decryptionRecord(d *capture.Decryption) *DecryptionRecord {
	if d == nil {
		return nil
	}
	return &DecryptionRecord{Version: d.Version, CipherSuite: d.CipherSuite, Records: d.Records, Stopped: d.Stopped, StoppedAt: packetPtr(d.StoppedAt)}
}
