package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Between reading a capture and writing its report, analyze holds the
// capture's facts (about 5 KB a session) and makes and drops tens of
// kilobytes per session. Paced by GOGC alone, the heap grows to twice the
// facts and, with the garbage collector short of CPU on a loaded machine,
// well beyond (1 GiB, 5,000 sessions: 27 MB of facts, 125 MB peak RSS).
// limitReportMemory caps it with a soft limit (debug.SetMemoryLimit):
// reportHeadroom above the memory in use once the read is over, never
// below minReportLimit, so that the collector is never made to run
// without end, whatever the capture holds. The memory in use is measured
// after the heap the read left idle is given back to the system (it
// counts against the limit until it is): the facts of each session are
// let go as the session is written (report.RenderOnce), so that the
// headroom grows as the report is written.
const (
	reportHeadroom = 24 << 20
	minReportLimit = 64 << 20
)

// limitReportMemory sets the soft memory limit for the report phase from
// the memory in use after the read, and returns the function that puts
// the previous limit back. GOMEMLIMIT, when set, is the user's and wins:
// nothing is changed.
func limitReportMemory() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	old := debug.SetMemoryLimit(reportLimit(ms.Sys - ms.HeapReleased))
	return func() { debug.SetMemoryLimit(old) }
}

// reportLimit is the soft memory limit when inUse bytes are in use.
func reportLimit(inUse uint64) int64 {
	return max(int64(minReportLimit), int64(inUse)+reportHeadroom)
}

// While analyze writes its JSON report as it reads the capture
// (analyzeWhileReading), it holds the facts of the sessions the capture
// shows at once, and of those waiting for an earlier one to end: paced by
// GOGC alone, the heap grows to twice them (1 GiB, 5,000 sessions, 16 at
// once: 88 MB peak RSS, 2.1 s CPU). A soft limit of streamFloor keeps it
// near them (61 MB, 2.6 s CPU; 48 MiB gave 65 MB and 2.4 s, 40 MiB 58 MB
// and 2.9 s; since the diagnosis allocates less, 57-58 MB and 2.0-2.3 s,
// and 46 MiB gave 59-60 MB and no faster run). It follows the live heap up, as the capture is read
// (checked every governEvery): streamHeadroom above it, or half of it
// when that is more, so that a capture of many sessions at once (or one
// whose sessions cannot be written before its end) never makes the
// collector run without end: at worst it runs twice as often as GOGC's
// default would make it.
const (
	streamFloor    = 44 << 20
	streamHeadroom = 16 << 20
	governEvery    = 100 * time.Millisecond
)

// memoryGovernor keeps the soft memory limit of analyzeWhileReading.
type memoryGovernor struct {
	old, limit int64
	live       []metrics.Sample
	stop       chan struct{}
	done       chan struct{}
}

// governStreamMemory sets the soft memory limit for analyzeWhileReading
// and follows the live heap until restore; nil when GOMEMLIMIT is set
// (the user's, left alone).
func governStreamMemory() *memoryGovernor {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	g := &memoryGovernor{limit: streamFloor, live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}},
		stop: make(chan struct{}), done: make(chan struct{})}
	g.old = debug.SetMemoryLimit(g.limit)
	go g.follow()
	return g
}

// follow checks the live heap every governEvery until restore.
func (g *memoryGovernor) follow() {
	defer close(g.done)
	tick := time.NewTicker(governEvery)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
			g.check()
		}
	}
}

// check raises the limit when the live heap (as the last collection
// found it) nears it.
func (g *memoryGovernor) check() {
	metrics.Read(g.live)
	if g.live[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if l := streamLimit(g.live[0].Value.Uint64(), g.limit); l != g.limit {
		g.limit = l
		debug.SetMemoryLimit(l)
	}
}

// restore stops following and puts back the limit there was before.
func (g *memoryGovernor) restore() {
	if g == nil {
		return
	}
	close(g.stop)
	<-g.done
	debug.SetMemoryLimit(g.old)
}

// streamLimit is the soft limit with live bytes live under limit: never
// lower, never below streamFloor, streamHeadroom or half the live heap
// (the more) above the live heap.
func streamLimit(live uint64, limit int64) int64 {
	return max(limit, streamFloor, int64(live)+max(streamHeadroom, int64(live/2)))
}
