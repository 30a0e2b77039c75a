package report

import (
	"net/netip"
	"unsafe"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// A capture report diagnoses thousands of sessions, and each makes tens
// of kilobytes of lists that live only until the session is written: its
// rebuilt modes, their transcripts and records, its ladders, its matrix.
// Made anew for each session they were most of the report's allocations,
// and under analyze's memory limit each megabyte allocated is paid again
// in collector work. A worker that writes each session before it
// diagnoses the next (CaptureWriter, encodeEach) reuses one sessionArena
// for them instead.

// sessionArena holds a worker's lists of one session's diagnosis. A
// diagnosis that is kept (DiagnoseCapture, Each) is made with noArena,
// whose lists are made anew.
type sessionArena struct {
	slabs []interface{ reset() } // all of them
	// The rebuilt result (rebuildResult).
	results   *slab[probe.Result]
	retrs     *slab[secondConn]
	moments   *slab[transferMoments]
	modes     *slab[probe.ModeResult]
	links     *slab[modeLinks]
	ranks     *slab[uint8]
	exchanges *slab[probe.Exchange]
	// The session's facts (sessionInfo).
	infos   *slab[SessionInfo]
	strings *slab[string]
	matches map[string]int
	// The wire views of the modes' connections (observeLinks).
	obs    observations
	linked *slab[linkedObs]
	// The rules' input (groupDiagnosis) and what they derive.
	evidence *slab[capture.Evidence]
	connRefs *slab[*capture.Conn]
	inputs   *slab[input]
	analyses *slab[analysis]
	modePtrs *slab[*probe.ModeResult]
	samples  *slab[pasvSample]
	failures *slab[firstFail]
	// The report's own lists (ladders, matrix).
	diagnoses *slab[Diagnosis]
	ladders   *slab[Ladder]
	events    *slab[LadderEvent]
	rows      *slab[MatrixRow]
	// The probe record (probeRecordIn).
	probeRecs    *slab[ProbeRecord]
	modeRecs     *slab[ModeRecord]
	exRecs       *slab[ExchangeRecord]
	dataRecs     *slab[DataConnRecord]
	transferRecs *slab[TransferRecord]
	replyRecs    *slab[ReplyRecord]
	meaningRecs  *slab[MeaningRecord]
	// The evidence record (evidenceRecordIn), with the maps that find a
	// record already made.
	evidenceRecs *slab[EvidenceRecord]
	conns        *slab[ConnRecord]
	connPtrs     *slab[*ConnRecord]
	packets      *slab[PacketRecord]
	ftpRecs      *slab[FTPExchangeRecord]
	ftpPtrs      *slab[*FTPExchangeRecord]
	replies      *slab[FTPReplyRecord]
	setups       *slab[DataSetupRecord]
	setupPtrs    *slab[*DataSetupRecord]
	sessions     *slab[SessionRecord]
	sessPtrs     *slab[*SessionRecord]
	connMap      map[*capture.Conn]*ConnRecord
	ftpMap       map[*capture.FTPExchange]*FTPExchangeRecord

	// texts are endpoints written (endpoint), kept across sessions.
	texts map[netip.AddrPort]string
}

// noArena makes every list anew. Its slabs are nil: it is never written,
// and shared by every goroutine.
var noArena = &sessionArena{}

func newSessionArena() *sessionArena {
	a := &sessionArena{
		obs:     observations{ctl: map[*probe.ModeResult]*wireObs{}, data: map[*probe.DataConn]*wireObs{}},
		matches: map[string]int{},
		connMap: map[*capture.Conn]*ConnRecord{}, ftpMap: map[*capture.FTPExchange]*FTPExchangeRecord{},
		texts: map[netip.AddrPort]string{},
	}
	a.results, a.retrs, a.modes = slabOf[probe.Result](a), slabOf[secondConn](a), slabOf[probe.ModeResult](a)
	a.moments = slabOf[transferMoments](a)
	a.links, a.ranks, a.exchanges = slabOf[modeLinks](a), slabOf[uint8](a), slabOf[probe.Exchange](a)
	a.infos, a.strings, a.linked = slabOf[SessionInfo](a), slabOf[string](a), slabOf[linkedObs](a)
	a.evidence, a.connRefs = slabOf[capture.Evidence](a), slabOf[*capture.Conn](a)
	a.inputs, a.analyses, a.modePtrs = slabOf[input](a), slabOf[analysis](a), slabOf[*probe.ModeResult](a)
	a.samples, a.failures = slabOf[pasvSample](a), slabOf[firstFail](a)
	a.diagnoses = slabOf[Diagnosis](a)
	a.ladders, a.events, a.rows = slabOf[Ladder](a), slabOf[LadderEvent](a), slabOf[MatrixRow](a)
	a.probeRecs, a.modeRecs, a.exRecs = slabOf[ProbeRecord](a), slabOf[ModeRecord](a), slabOf[ExchangeRecord](a)
	a.dataRecs, a.transferRecs = slabOf[DataConnRecord](a), slabOf[TransferRecord](a)
	a.replyRecs, a.meaningRecs = slabOf[ReplyRecord](a), slabOf[MeaningRecord](a)
	a.evidenceRecs, a.conns, a.connPtrs = slabOf[EvidenceRecord](a), slabOf[ConnRecord](a), slabOf[*ConnRecord](a)
	a.packets, a.ftpRecs, a.ftpPtrs = slabOf[PacketRecord](a), slabOf[FTPExchangeRecord](a), slabOf[*FTPExchangeRecord](a)
	a.replies, a.setups, a.setupPtrs = slabOf[FTPReplyRecord](a), slabOf[DataSetupRecord](a), slabOf[*DataSetupRecord](a)
	a.sessions, a.sessPtrs = slabOf[SessionRecord](a), slabOf[*SessionRecord](a)
	return a
}

// slabOf makes a slab of a's, given back with the others (reset).
func slabOf[T any](a *sessionArena) *slab[T] {
	s := new(slab[T])
	a.slabs = append(a.slabs, s)
	return s
}

// reset gives back the lists of the session last diagnosed: it has been
// written, and nothing of it is read again.
func (a *sessionArena) reset() {
	if a == noArena {
		return // nothing to give back, and shared
	}
	for _, s := range a.slabs {
		s.reset()
	}
	a.obs.ctl, a.obs.data = emptied(a.obs.ctl), emptied(a.obs.data)
	a.matches = emptied(a.matches)
	a.connMap, a.ftpMap = emptied(a.connMap), emptied(a.ftpMap)
}

// endpoint is ap.String(), written once per worker: a session's
// endpoints go into its modes, data connections, records and session
// facts, each several times, and the server's into every session (16
// strings a session were a tenth of the diagnosis' allocations). The
// strings are immutable: sharing them between sessions changes nothing.
// noArena writes each anew.
func (a *sessionArena) endpoint(ap netip.AddrPort) string {
	if a.texts == nil {
		return ap.String()
	}
	if t, ok := a.texts[ap]; ok {
		return t
	}
	if len(a.texts) >= maxEndpointTexts {
		clear(a.texts) // a capture of many clients: start again
	}
	t := ap.String()
	a.texts[ap] = t
	return t
}

const maxEndpointTexts = 4096

// observations are the arena's, emptied, or new ones with room for n
// modes.
func (a *sessionArena) observations(n int) *observations {
	if a.obs.ctl == nil {
		return &observations{ctl: make(map[*probe.ModeResult]*wireObs, n), data: make(map[*probe.DataConn]*wireObs, n)}
	}
	return &a.obs
}

// matchCounts is the map of a session's links by how they were matched
// (SessionInfo.Matches): the arena's, emptied, or a new one.
func (a *sessionArena) matchCounts() map[string]int {
	if a.matches == nil {
		return map[string]int{}
	}
	return a.matches
}

// connRecords is the map of a session's connection records: the arena's,
// or a new one with room for n.
func (a *sessionArena) connRecords(n int) map[*capture.Conn]*ConnRecord {
	if a.connMap == nil {
		return make(map[*capture.Conn]*ConnRecord, n)
	}
	return a.connMap
}

// ftpRecords is the map of a session's exchange records: the arena's, or
// a new one with room for n.
func (a *sessionArena) ftpRecords(n int) map[*capture.FTPExchange]*FTPExchangeRecord {
	if a.ftpMap == nil {
		return make(map[*capture.FTPExchange]*FTPExchangeRecord, n)
	}
	return a.ftpMap
}

// secondConn is a rebuilt mode's second data connection and transfer, made
// together.
type secondConn struct {
	dc probe.DataConn
	tr probe.Transfer
}

// emptied is m emptied, or a new map when m grew past maxKeptMap: clear
// takes as long as the map is big, and most sessions fill a few entries.
func emptied[K comparable, V any](m map[K]V) map[K]V {
	if len(m) > maxKeptMap {
		return map[K]V{}
	}
	clear(m)
	return m
}

const maxKeptMap = 256

// orNoArena is a, or noArena when a is nil.
func orNoArena(a *sessionArena) *sessionArena {
	if a == nil {
		return noArena
	}
	return a
}

// slab hands out slices of one array, until reset. When the array is
// full a bigger one is made (the lists already handed out keep the old
// one), so that after a few sessions one array holds a session's lists.
type slab[T any] struct {
	buf  []T
	used int
}

const (
	minSlab = 16
	// maxSlabBytes bounds what a slab keeps past reset: a session of
	// thousands of transfers does not leave its lists' size on a worker.
	maxSlabBytes = 1 << 20
)

// take returns n zeroed Ts, with room for n: from the slab, or made anew
// when s is nil. It is never nil: the JSON tells an empty list from none.
func (s *slab[T]) take(n int) []T {
	if s == nil {
		return make([]T, n)
	}
	if n == 0 {
		return []T{}
	}
	if s.used+n > len(s.buf) {
		s.buf = make([]T, max(n, 2*len(s.buf), minSlab))
		s.used = 0
	}
	out := s.buf[s.used : s.used+n : s.used+n]
	s.used += n
	clear(out)
	return out
}

// reset makes the whole array free again; nil does nothing.
func (s *slab[T]) reset() {
	if s == nil {
		return
	}
	s.used = 0
	var t T
	if uintptr(len(s.buf))*unsafe.Sizeof(t) > maxSlabBytes {
		s.buf = nil
	}
}
