package report

import (
	"net/netip"
	"slices"

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
func probeRecord(r *probe.Result) *ProbeRecord { return probeRecordIn(r, noArena) }

// probeRecordIn is probeRecord with its lists of modes and exchanges
// taken from ar.
func probeRecordIn(r *probe.Result, ar *sessionArena) *ProbeRecord {
	if r == nil {
		return nil
	}
	pc := probeConverter{ar: ar} // on the stack
	t := r.Target
	out := &ar.probeRecs.take(1)[0]
	*out = ProbeRecord{
		Target: TargetRecord{
			URL: t.URL, Scheme: t.Scheme, Host: t.Host, Port: t.Port,
			User: t.User, Path: t.Path, PasswordSource: t.PasswordSource,
		},
		StartedAt: r.StartedAt,
		Duration:  r.Duration,
		Resolve:   pc.step(r.Resolve),
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
		Modes:       pc.modes(r.Modes),
		RetrFile:    r.RetrFile,
		Notes:       r.Notes,
		Upload:      pc.upload(r.Upload),
		TLS:         pc.tls(r.TLS),
		Pacing:      pacingRecord(r.Pacing),
		Interrupted: interruptedRecord(r.Interrupted),
		Plain:       pc.modes(r.Plain),
	}
	return out
}

// probeConverter makes one record of the replies and the meanings that
// are alike (same code and lines; same step, meaning and source) within
// one result: a session rebuilt from a capture repeats its login's
// replies and their meanings in every mode's steps and transcript, a
// third of the records converting it made. The first maxShared are
// remembered, so that a lookup stays short; in arrays, not slices, so that
// the converter stays on the stack.
type probeConverter struct {
	ar               *sessionArena
	replies          [maxShared]*ReplyRecord
	meanings         [maxShared]*MeaningRecord
	nReplies, nMeans int
}

const maxShared = 32

func (pc *probeConverter) modes(ms []probe.ModeResult) []ModeRecord {
	if ms == nil {
		return nil
	}
	out := pc.ar.modeRecs.take(len(ms))
	for i := range ms {
		pc.mode(&out[i], &ms[i])
	}
	return out
}

// mode fills out, in place: a ModeRecord is 776 bytes.
func (pc *probeConverter) mode(out *ModeRecord, m *probe.ModeResult) {
	*out = ModeRecord{
		Mode:              m.Mode,
		Applicable:        m.Applicable,
		ControlLocal:      m.ControlLocal,
		ControlRemote:     m.ControlRemote,
		Connect:           pc.step(m.Connect),
		Banner:            pc.step(m.Banner),
		Login:             pc.step(m.Login),
		Transcript:        pc.exchanges(m.Transcript),
		Works:             m.Works,
		PasvSamples:       pasvSampleRecords(m.PasvSamples),
		RetriedSerially:   m.RetriedSerially,
		FirstAttemptAlone: m.FirstAttemptAlone,
	}
	pc.dataConn(&out.ListData, &m.ListData)
	pc.transfer(&out.List, &m.List)
	if m.TLS != nil {
		out.TLS = &ModeTLSRecord{Handshake: pc.step(m.TLS.Handshake), Version: m.TLS.Version, Prot: pc.step(m.TLS.Prot), Level: m.TLS.Level}
	}
	if m.RetrData != nil {
		out.RetrData = &pc.ar.dataRecs.take(1)[0]
		pc.dataConn(out.RetrData, m.RetrData)
	}
	if m.Retr != nil {
		out.Retr = &pc.ar.transferRecs.take(1)[0]
		pc.transfer(out.Retr, m.Retr)
	}
	if m.FirstAttempt != nil {
		st := pc.step(*m.FirstAttempt)
		out.FirstAttempt = &st
	}
}

func pasvSampleRecords(ss []probe.PasvSample) []PasvSampleRecord {
	if ss == nil {
		return nil
	}
	out := make([]PasvSampleRecord, len(ss))
	for i, s := range ss {
		out[i] = PasvSampleRecord{T: s.T, Announced: s.Announced}
	}
	return out
}

func (pc *probeConverter) step(s probe.Step) StepRecord {
	return StepRecord{Outcome: s.Outcome, T0: s.T0, T: s.T, Reply: pc.reply(s.Reply), Meaning: pc.meaning(s.Meaning), Error: s.Error}
}

// reply is r's record; nil for nil.
func (pc *probeConverter) reply(r *ftp.Reply) *ReplyRecord {
	if r == nil {
		return nil
	}
	for _, x := range pc.replies[:pc.nReplies] {
		// nil and empty lines are told apart: the JSON writes null and [].
		if x.Code == r.Code && (x.Lines == nil) == (r.Lines == nil) && slices.Equal(x.Lines, r.Lines) {
			return x
		}
	}
	x := &pc.ar.replyRecs.take(1)[0]
	*x = ReplyRecord{Code: r.Code, Lines: r.Lines}
	if pc.nReplies < maxShared {
		pc.replies[pc.nReplies] = x
		pc.nReplies++
	}
	return x
}

// meaning is m's record; nil for nil.
func (pc *probeConverter) meaning(m *ftp.Interpretation) *MeaningRecord {
	if m == nil {
		return nil
	}
	rec := MeaningRecord{Step: string(m.Step), Meaning: string(m.Meaning), Source: m.Source}
	for _, x := range pc.meanings[:pc.nMeans] {
		if *x == rec {
			return x
		}
	}
	x := &pc.ar.meaningRecs.take(1)[0] // not &rec: that would put rec on the heap on every call
	*x = rec
	if pc.nMeans < maxShared {
		pc.meanings[pc.nMeans] = x
		pc.nMeans++
	}
	return x
}

func (pc *probeConverter) exchanges(xs []probe.Exchange) []ExchangeRecord {
	if xs == nil {
		return nil
	}
	out := pc.ar.exRecs.take(len(xs))
	for i, x := range xs {
		out[i] = ExchangeRecord{T: x.T, Command: x.Command, Reply: pc.reply(x.Reply), ReplyT: x.ReplyT, Meaning: pc.meaning(x.Meaning)}
	}
	return out
}

// dataConn fills out, in place.
func (pc *probeConverter) dataConn(out *DataConnRecord, d *probe.DataConn) {
	*out = DataConnRecord{
		Announced: d.Announced, Dialled: d.Dialled, Listened: d.Listened, Peer: d.Peer, Local: d.Local,
		AddressPolicy: d.AddressPolicy, Setup: pc.step(d.Setup), Connect: pc.step(d.Connect),
	}
	if d.TLS != nil {
		out.TLS = &DataTLSRecord{Handshake: pc.step(d.TLS.Handshake), Version: d.TLS.Version, Resumed: d.TLS.Resumed}
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
}

func callbackWaitRecord(w probe.CallbackWait) CallbackWaitRecord {
	return CallbackWaitRecord{Seconds: w.Seconds, RTTSeconds: w.RTTSeconds, ReplySeconds: w.ReplySeconds, Reason: w.Reason}
}

// transfer fills out, in place.
func (pc *probeConverter) transfer(out *TransferRecord, t *probe.Transfer) {
	*out = TransferRecord{
		Command: t.Command, Step: pc.step(t.Step), Bytes: t.Bytes, Limit: t.Limit, Aborted: t.Aborted,
		LargestRead: t.LargestRead, Final: pc.reply(t.Final), Preliminary: pc.reply(t.Preliminary),
		Times: TransferTimesRecord{
			Preliminary: t.Times.Preliminary, FirstByte: t.Times.FirstByte, LastByte: t.Times.LastByte,
			ServerClosed: t.Times.ServerClosed, Final: t.Times.Final,
		},
	}
}

func (pc *probeConverter) upload(u *probe.Upload) *UploadRecord {
	if u == nil {
		return nil
	}
	out := &UploadRecord{
		Mode: u.Mode, Skipped: u.Skipped, Name: u.Name, Bytes: u.Bytes,
		Login: pc.step(u.Login), Free: pc.step(u.Free),
		Verify: pc.step(u.Verify), VerifiedSize: u.VerifiedSize, Delete: pc.step(u.Delete),
		Transcript: pc.exchanges(u.Transcript),
	}
	pc.dataConn(&out.Data, &u.Data)
	pc.transfer(&out.Store, &u.Store)
	return out
}

func (pc *probeConverter) tls(t *probe.TLSResult) *TLSRecord {
	if t == nil {
		return nil
	}
	out := &TLSRecord{
		Requested: string(t.Requested), Mode: string(t.Mode), Auth: pc.reply(t.Auth),
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
func evidenceRecord(ev *capture.Evidence) *EvidenceRecord { return evidenceRecordIn(ev, noArena) }

// evidenceRecordIn is evidenceRecord with its records taken from ar.
func evidenceRecordIn(ev *capture.Evidence, ar *sessionArena) *EvidenceRecord {
	if ev == nil {
		return nil
	}
	nx := 0
	for _, s := range ev.Sessions {
		nx += len(s.Exchanges)
	}
	cv := &captureConverter{
		ar:        ar,
		conns:     ar.connRecords(len(ev.Conns) + len(ev.UnansweredInboundSYNs)),
		exchanges: ar.ftpRecords(nx),
	}
	out := &ar.evidenceRecs.take(1)[0]
	*out = EvidenceRecord{
		Available: ev.Available, Reason: ev.Reason, Remedy: ev.Remedy, Interface: ev.Interface, Filter: ev.Filter,
		PcapFile: ev.PcapFile, Start: ev.Start, Packets: ev.Packets, KernelDrops: ev.KernelDrops, Snaplen: ev.Snaplen,
		Conns: cv.connList(ev.Conns), UnansweredInboundSYNs: cv.connList(ev.UnansweredInboundSYNs),
		UntrackedPackets: ev.UntrackedPackets, Reordered: ev.Reordered, ReorderedMax: ev.ReorderedMax,
		NotFTPCount: ev.NotFTPCount,
	}
	if ev.NotFTP != nil {
		out.NotFTP = make([]NotFTPRecord, len(ev.NotFTP))
		for i, n := range ev.NotFTP {
			out.NotFTP[i] = NotFTPRecord{Client: cv.endpoint(n.Client), Server: cv.endpoint(n.Server), First: packetRecord(n.First), Protocol: n.Protocol}
		}
	}
	if ev.Sessions != nil {
		out.Sessions = ar.sessPtrs.take(len(ev.Sessions))
		recs := ar.sessions.take(len(ev.Sessions))
		for i, s := range ev.Sessions {
			out.Sessions[i] = cv.session(s, &recs[i])
		}
	}
	return out
}

// captureConverter remembers the records made, by source pointer, and
// the text of the endpoints met (a session's client and server are those
// of its control connection, and its server's address is in each of its
// data connections).
//
// It makes the records of a list in one allocation (connList, session):
// the capture report converts thousands of sessions, and one allocation
// per record was a third of the converting's count.
type captureConverter struct {
	ar        *sessionArena
	conns     map[*capture.Conn]*ConnRecord
	exchanges map[*capture.FTPExchange]*FTPExchangeRecord
	addrs     [8]netip.AddrPort
	texts     [8]string
	nAddrs    int
}

// endpoint is an endpoint as the JSON writes it ("" when unknown),
// found first among the first endpoints met, then in the worker's texts.
func (cv *captureConverter) endpoint(ap netip.AddrPort) string {
	for i, a := range cv.addrs[:cv.nAddrs] {
		if a == ap {
			return cv.texts[i]
		}
	}
	t := ""
	if ap.IsValid() {
		t = cv.ar.endpoint(ap)
	}
	if cv.nAddrs < len(cv.addrs) {
		cv.addrs[cv.nAddrs], cv.texts[cv.nAddrs] = ap, t
		cv.nAddrs++
	}
	return t
}

func packetRecord(p capture.PacketRef) PacketRecord { return PacketRecord{T: p.T, Packet: p.Packet} }

func packetPtr(p *capture.PacketRef) *PacketRecord {
	if p == nil {
		return nil
	}
	r := packetRecord(*p)
	return &r
}

// packetFrom is packetPtr(p) made in (*free)[0], free being what is left
// of a slice sized for the caller's packets.
func packetFrom(p *capture.PacketRef, free *[]PacketRecord) *PacketRecord {
	if p == nil {
		return nil
	}
	r := &(*free)[0]
	*r = packetRecord(*p)
	*free = (*free)[1:]
	return r
}

func (cv *captureConverter) packetRecords(ps []capture.PacketRef) []PacketRecord {
	if ps == nil {
		return nil
	}
	out := cv.ar.packets.take(len(ps))
	for i, p := range ps {
		out[i] = packetRecord(p)
	}
	return out
}

func (cv *captureConverter) connList(cs []*capture.Conn) []*ConnRecord {
	if cs == nil {
		return nil
	}
	out := cv.ar.connPtrs.take(len(cs))
	recs := cv.ar.conns.take(len(cs))
	for i, c := range cs {
		out[i] = cv.conn(c, &recs[i])
	}
	return out
}

// conn is c's record: the one made before, or rec filled (a new one when
// rec is nil); nil for nil.
func (cv *captureConverter) conn(c *capture.Conn, rec *ConnRecord) *ConnRecord {
	if c == nil {
		return nil
	}
	if r, ok := cv.conns[c]; ok {
		return r
	}
	if rec == nil {
		rec = &cv.ar.conns.take(1)[0]
	}
	free := cv.ar.packets.take(countNonNil(c.SYNACK, c.FINInitiator, c.FINResponder, c.FirstData, c.LastData))
	*rec = ConnRecord{
		Initiator: cv.endpoint(c.Initiator), Responder: cv.endpoint(c.Responder), First: packetRecord(c.First),
		Midstream: c.Midstream, SYNs: cv.packetRecords(c.SYNs), SYNACK: packetFrom(c.SYNACK, &free),
		FINInitiator: packetFrom(c.FINInitiator, &free), FINResponder: packetFrom(c.FINResponder, &free),
		BytesFromInitiator: c.BytesFromInitiator, BytesFromResponder: c.BytesFromResponder,
		FirstData: packetFrom(c.FirstData, &free), LastData: packetFrom(c.LastData, &free), Retransmits: c.Retransmits,
		MaxSegmentFromInitiator: c.MaxSegmentFromInitiator, MaxSegmentFromResponder: c.MaxSegmentFromResponder,
		MSSInitiator: c.MSSInitiator, MSSResponder: c.MSSResponder,
		Sliced: c.Sliced, GapBytes: c.GapBytes, OpenAtEnd: c.OpenAtEnd, TLS: tlsFactsRecord(c.TLS),
	}
	if c.RSTs != nil {
		rec.RSTs = make([]RSTRecord, len(c.RSTs))
		for i, x := range c.RSTs {
			rec.RSTs[i] = RSTRecord{PacketRecord: packetRecord(x.PacketRef), From: string(x.From)}
		}
	}
	if c.ICMP != nil {
		rec.ICMP = make([]ICMPRecord, len(c.ICMP))
		for i, x := range c.ICMP {
			rec.ICMP[i] = ICMPRecord{PacketRecord: packetRecord(x.PacketRef), From: x.From, V6: x.V6, Type: x.Type, Code: x.Code, Text: x.Text}
		}
	}
	if c.Stall != nil {
		rec.Stall = &StallRecord{From: c.Stall.From, Duration: c.Stall.Duration}
	}
	cv.conns[c] = rec
	return rec
}

// countNonNil counts the packets given.
func countNonNil(ps ...*capture.PacketRef) int {
	n := 0
	for _, p := range ps {
		if p != nil {
			n++
		}
	}
	return n
}

// session fills out, in place, and returns it.
func (cv *captureConverter) session(s *capture.FTPSession, out *SessionRecord) *SessionRecord {
	*out = SessionRecord{
		ID: s.ID, Client: cv.endpoint(s.Client), Server: cv.endpoint(s.Server), DetectedBy: s.DetectedBy,
		ClientTTL: s.ClientTTL, ServerTTL: s.ServerTTL, User: s.User,
		Truncated: s.Truncated, TextCut: s.TextCut, GapBytes: s.GapBytes, SlicedAt: packetPtr(s.SlicedAt),
		StartedBefore: s.StartedBefore, OneWay: s.OneWay, Malformed: s.Malformed,
	}
	if s.Exchanges != nil {
		out.Exchanges = cv.ar.ftpPtrs.take(len(s.Exchanges))
		recs := cv.ar.ftpRecs.take(len(s.Exchanges))
		replies := cv.ar.replies.take(countReplies(s.Exchanges))[:0]
		for i, x := range s.Exchanges {
			out.Exchanges[i] = cv.exchange(x, &recs[i], &replies)
		}
	}
	if s.Data != nil {
		out.Data = cv.ar.setupPtrs.take(len(s.Data))
		recs := cv.ar.setups.take(len(s.Data))
		for i, d := range s.Data {
			out.Data[i] = cv.dataSetup(d, &recs[i])
		}
	}
	if t := s.TLS; t != nil {
		out.TLS = &SessionTLSRecord{Implicit: t.Implicit, Midstream: t.Midstream, Cleared: packetPtr(t.Cleared), Auth: packetPtr(t.Auth), Encrypted: t.Encrypted, Decryption: decryptionRecord(t.Decryption), Records: t.Records}
	}
	return out
}

func countReplies(xs []*capture.FTPExchange) int {
	n := 0
	for _, x := range xs {
		if x != nil {
			n += len(x.Replies)
		}
	}
	return n
}

// exchange is x's record: the one made before, or rec filled (a new one
// when rec is nil), its replies appended to *replies when it has room for
// them; nil for nil.
func (cv *captureConverter) exchange(x *capture.FTPExchange, rec *FTPExchangeRecord, replies *[]FTPReplyRecord) *FTPExchangeRecord {
	if x == nil {
		return nil
	}
	if r, ok := cv.exchanges[x]; ok {
		return r
	}
	if rec == nil {
		rec = &cv.ar.ftpRecs.take(1)[0]
	}
	*rec = FTPExchangeRecord{PacketRecord: packetRecord(x.PacketRef), Command: x.Command, Unknown: x.Unknown}
	if x.Replies != nil {
		var own []FTPReplyRecord
		if replies == nil || cap(*replies)-len(*replies) < len(x.Replies) {
			replies = &own
			own = cv.ar.replies.take(len(x.Replies))[:0]
		}
		at := len(*replies)
		for _, y := range x.Replies {
			*replies = append(*replies, FTPReplyRecord{PacketRecord: packetRecord(y.PacketRef), ReplyRecord: ReplyRecord{Code: y.Code, Lines: y.Lines}, Cut: y.Cut})
		}
		rec.Replies = (*replies)[at:len(*replies):len(*replies)] // full: an append would copy
	}
	cv.exchanges[x] = rec
	return rec
}

// dataSetup fills out, in place, and returns it; nil for nil.
func (cv *captureConverter) dataSetup(d *capture.DataSetup, out *DataSetupRecord) *DataSetupRecord {
	if d == nil {
		return nil
	}
	*out = DataSetupRecord{
		Mode: d.Mode, Setup: cv.exchange(d.Setup, nil, nil), Announced: cv.endpoint(d.Announced), Transfer: cv.exchange(d.Transfer, nil, nil),
		Conn: cv.conn(d.Conn, nil), Match: d.Match, Inferred: d.Inferred, Passive: d.Passive,
	}
	return out
}

// decryptionRecord converts what a key log decrypted; nil for nil.
func decryptionRecord(d *capture.Decryption) *DecryptionRecord {
	if d == nil {
		return nil
	}
	return &DecryptionRecord{Version: d.Version, CipherSuite: d.CipherSuite, Records: d.Records, Stopped: d.Stopped, StoppedAt: packetPtr(d.StoppedAt)}
}
