package report

import (
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/ftpdiag/ftpdiag/capture"
)

// CaptureWriter writes the JSON report of `ftpdiag analyze` while the
// capture is read: the capture reader hands on each session once its
// facts can no longer change (capture.ReadOptions.Settled), and the
// session is diagnosed, encoded and written at once, on up to GOMAXPROCS
// workers, in order, and let go of. Memory is then that of the sessions
// the capture shows at once, not of all of them. The report is byte for
// byte the one RenderCapture writes of the whole diagnosis, sessions
// diagnosed as DiagnoseCapture diagnoses them.
//
// Settled is called on the goroutine that reads the capture, which it
// holds back while the workers are behind; Finish writes the sessions
// left and the end of the report. Nothing is written before the first
// session or Finish: a file that is not a capture leaves the output empty.
type CaptureWriter struct {
	ew      *errWriter
	version string
	cd      *CaptureDiagnosis
	started bool

	gr grouper
	// hdr is the capture's header; seenEnd is the latest fact of the
	// sessions taken from the grouper (the capture's end, for those
	// diagnosed at the end).
	hdr     *capture.Evidence
	seenEnd float64
	sent    int

	jobs     chan groupJob
	quit     chan struct{}
	stopOnce sync.Once
	workers  sync.WaitGroup
	turns    turns
}

// jobQueue is how many groups may wait for a worker. The reader hands
// sessions on in bursts (tens at a look: those that went quiet since the
// last), and a queue of a few made it stop reading at each burst until the
// workers were nearly through it; while it waited, a worker waiting for
// its turn to write left a core idle. With room for a burst the reader
// goes on: on the analyze bench (5,000 sessions, two cores) the cores'
// idle time went from 0.3-0.6 s to 0.2-0.3 s a run (runtime/metrics'
// /cpu/classes/idle), peak RSS unchanged. The groups queued are sessions
// the reader has let go of.
const jobQueue = 64

// groupJob is a group of sessions to diagnose, the i-th of the report,
// with the facts of the capture it is diagnosed against.
type groupJob struct {
	i     int
	g     []*capture.FTPSession
	hdr   *capture.Evidence
	whole wholeCapture
}

// NewCaptureWriter returns a writer of the JSON report of a capture read
// from files, for ftpdiag version.
func NewCaptureWriter(w io.Writer, version string, files []string) *CaptureWriter {
	cw := &CaptureWriter{
		ew:      &errWriter{w: w},
		version: version,
		cd:      &CaptureDiagnosis{Schema: Schema, Version: version, Kind: "capture", Files: files, Summary: []SessionSummary{}},
		quit:    make(chan struct{}),
	}
	n := runtime.GOMAXPROCS(0)
	cw.jobs = make(chan groupJob, max(2*n, jobQueue))
	cw.turns.init()
	for range n {
		cw.workers.Go(cw.work)
	}
	return cw
}

// Settled takes the sessions the capture reader handed on.
func (cw *CaptureWriter) Settled(st capture.Settled) {
	cw.hdr = st.Capture
	for _, s := range st.Sessions {
		cw.gr.add(s)
	}
	groups := cw.gr.take(st.Horizon, judgeable)
	cw.see(groups)
	// offControl is left false: a judgeable group does not read it.
	cw.send(groups, wholeCapture{end: st.Now})
}

// judgeable reports whether a group can be diagnosed before the end of
// the capture. Whether the capture holds connections off the control
// ports (wholeCapture.offControl: a capture filtered to port 21 holds no
// data connection) is known only at its end, as a session on a port seen
// earlier may still come; it matters only to a group that set up a data
// connection and has none in the capture.
func judgeable(g *sessionGroup) bool {
	if linksData(g.sessions) {
		return true
	}
	for _, s := range g.sessions {
		if len(s.Data) > 0 {
			return false
		}
	}
	return true
}

// see moves seenEnd past the facts of groups.
func (cw *CaptureWriter) see(groups []*sessionGroup) {
	for _, g := range groups {
		for _, s := range g.sessions {
			cw.seenEnd = max(cw.seenEnd, sessionEnd(s))
			for _, c := range s.SessionConns() {
				cw.seenEnd = max(cw.seenEnd, lastSeen(c))
			}
		}
	}
}

// send hands groups to the workers, in order.
func (cw *CaptureWriter) send(groups []*sessionGroup, whole wholeCapture) {
	for _, g := range groups {
		if !cw.started {
			cw.start()
		}
		job := groupJob{i: cw.sent, g: g.sessions, hdr: cw.hdr, whole: whole}
		cw.sent++
		select {
		case cw.jobs <- job:
		case <-cw.quit: // writing failed: Finish says so
			return
		}
	}
}

// start writes the report's head, up to the sessions.
func (cw *CaptureWriter) start() {
	cw.started = true
	cw.ew.printf("{\n")
	for _, m := range cw.cd.envelopeHead(cw.version) {
		if !m.omit {
			cw.member(m, ",\n")
		}
	}
	cw.ew.printf("  \"sessions\": [")
}

// member writes one member of the envelope, with the sessions' writer:
// encoding/json took 0.07 s for the summary of 5,000 sessions, at the end
// of the run when nothing else is left to do.
func (cw *CaptureWriter) member(m envelopeMember, end string) {
	b, err := newJSONEncoder().marshalIndentSafe(m.value, "  ", "  ")
	if err != nil {
		cw.turns.fail(err)
		return
	}
	cw.ew.printf("  %q: %s%s", m.key, b, end)
}

// summary writes the envelope's last member, "summary", byte for byte as
// member would, but one row at a time as the sessions are: member held
// the JSON of every row at once (3 MB for 5,000 sessions, encoded after
// the last session, when the other cores have nothing left to do).
func (cw *CaptureWriter) summary(rows []SessionSummary) {
	if len(rows) == 0 {
		cw.member(envelopeMember{"summary", rows, false}, "\n") // null or []
		return
	}
	enc := newJSONEncoder()
	sep := []byte(",\n    ")
	cw.ew.printf("  \"summary\": [")
	for i := range rows {
		b, err := enc.marshalIndentSafe(&rows[i], "    ", "  ")
		if err != nil {
			cw.turns.fail(err)
			return
		}
		if i == 0 {
			cw.ew.write(sep[1:], b)
		} else {
			cw.ew.write(sep, b)
		}
	}
	cw.ew.printf("\n  ]\n")
}

// work diagnoses, encodes and writes groups, each in its turn.
func (cw *CaptureWriter) work() {
	sc := &scratch{json: newJSONEncoder()}
	meanings := meaningCache{}
	arena := newSessionArena() // each session is written before the next is made
	for job := range cw.jobs {
		if cw.turns.err() != nil {
			continue // writing failed: the jobs left are drained
		}
		whole := job.whole
		whole.meanings, whole.arena = meanings, arena
		// The diagnosis is the worker's own (its arena's): given the
		// version in place, not in a copy on the heap.
		d := groupDiagnosis(job.hdr, whole, job.g, job.i+1, nil, false)
		d.Version = cw.version
		b, err := sc.json.marshalIndentSafe(d, "    ", "  ")
		sum := summarize(d, len(job.g))
		if !cw.turns.take(job.i, func() error {
			if err != nil {
				return err
			}
			sep := ",\n    "
			if job.i == 0 {
				sep = sep[1:]
			}
			cw.ew.write([]byte(sep), b)
			cw.cd.Summary = append(cw.cd.Summary, sum)
			return cw.ew.err
		}) {
			cw.stop()
		}
	}
}

// stop tells Settled to send no more.
func (cw *CaptureWriter) stop() { cw.stopOnce.Do(func() { close(cw.quit) }) }

// Abort ends a report whose capture could not be read at all (Finish is
// not called): nothing was written.
func (cw *CaptureWriter) Abort() {
	close(cw.jobs)
	cw.workers.Wait()
}

// Finish diagnoses and writes the sessions ev holds (those the reader did
// not hand on), then the end of the report: readError (the damage met,
// "" when none), the notes, the totals and the summary. The diagnosis it
// returns has the summary and the exit code.
func (cw *CaptureWriter) Finish(ev *capture.Evidence, readError string) (*CaptureDiagnosis, error) {
	cw.hdr = ev.Header()
	for _, s := range ev.Sessions {
		cw.gr.add(s)
	}
	groups := cw.gr.take(math.Inf(1), func(*sessionGroup) bool { return true })
	cw.see(groups)
	whole := scanCapture(ev)
	whole.end = max(whole.end, cw.seenEnd)
	cw.send(groups, whole)
	close(cw.jobs)
	cw.workers.Wait()
	if err := cw.turns.err(); err != nil {
		return nil, err
	}
	if !cw.started {
		cw.start()
	}
	cd := cw.cd
	cd.Packets, cd.Conns, cd.Notes, cd.ReadError = ev.Packets, ev.ConnCount(), captureNotes(ev), readError
	if cw.sent > 0 {
		cw.ew.printf("\n  ")
	}
	cw.ew.printf("],\n")
	for _, m := range cd.envelopeTail() {
		if !m.omit {
			cw.member(m, ",\n")
		}
	}
	cw.summary(cd.Summary)
	cw.ew.printf("}\n")
	if err := cw.turns.err(); err != nil {
		return nil, err
	}
	return cd, cw.ew.err
}

// turns hands results over one at a time, in order: the i-th waits for
// the ones before it. The first error stops everything.
type turns struct {
	mu     sync.Mutex
	turn   *sync.Cond
	done   int
	failed error
}

func (t *turns) init() { t.turn = sync.NewCond(&t.mu) }

// take waits for turn i and calls fn, unless an error came first; it
// reports whether the caller goes on. Turn i is over either way.
func (t *turns) take(i int, fn func() error) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.done != i && t.failed == nil {
		t.turn.Wait()
	}
	if t.failed == nil {
		t.failed = fn()
	}
	t.done++
	t.turn.Broadcast()
	return t.failed == nil
}

// fail records err unless an error came first.
func (t *turns) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failed == nil {
		t.failed = err
	}
	t.turn.Broadcast()
}

func (t *turns) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}
