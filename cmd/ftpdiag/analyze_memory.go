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
