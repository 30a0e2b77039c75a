package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// Between reading a capture and writing its report, analyze holds the
// capture's facts (about 5 KB a session) and makes and drops tens of
// kilobytes per session. Paced by GOGC alone, the heap grows to twice the
// facts and, with the garbage collector short of CPU on a loaded machine,
// well beyond (1 GiB, 5,000 sessions: 27 MB of facts, 125 MB peak RSS).
// limitReportMemory caps it with a soft limit (debug.SetMemoryLimit):
// reportHeadroom above twice the facts, never below minReportLimit, so
// that the collector is never made to run without end, whatever the
// capture holds (98 MB peak RSS on the same capture, the same CPU time).
const (
	reportHeadroom = 24 << 20
	minReportLimit = 64 << 20
)

// limitReportMemory sets the soft memory limit for the report phase from
// the facts the capture read left live, and returns the function that
// puts the previous limit back. GOMEMLIMIT, when set, is the user's and
// wins: nothing is changed.
func limitReportMemory() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	old := debug.SetMemoryLimit(reportLimit(ms.HeapAlloc))
	return func() { debug.SetMemoryLimit(old) }
}

// reportLimit is the soft memory limit for facts of live bytes.
func reportLimit(live uint64) int64 {
	return max(int64(minReportLimit), 2*int64(live)+reportHeadroom)
}
