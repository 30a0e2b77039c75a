package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// TestReportLimit: the memory in use and the headroom, never below the
// floor.
func TestReportLimit(t *testing.T) {
	tests := []struct {
		inUse uint64
		want  int64
	}{
		{0, minReportLimit},
		{10 << 20, minReportLimit},
		{minReportLimit - reportHeadroom, minReportLimit},
		{minReportLimit, minReportLimit + reportHeadroom},
		{1 << 30, 1<<30 + reportHeadroom},
	}
	for _, tt := range tests {
		if got := reportLimit(tt.inUse); got != tt.want {
			t.Errorf("reportLimit(%d) = %d, want %d", tt.inUse, got, tt.want)
		}
	}
}

// TestLimitReportMemory: the limit is set for the report and put back
// after it; GOMEMLIMIT set by the user is left alone.
func TestLimitReportMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	restore := limitReportMemory()
	if got := debug.SetMemoryLimit(-1); got < minReportLimit || got == before {
		t.Errorf("limit during the report = %d, want >= %d (before: %d)", got, minReportLimit, before)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after the report = %d, want %d put back", got, before)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	limitReportMemory()()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("with GOMEMLIMIT set the limit became %d, want %d", got, before)
	}
}

// TestStreamLimit: the floor, then the live heap and the headroom (half
// the live heap when more); never lowered.
func TestStreamLimit(t *testing.T) {
	tests := []struct {
		live  uint64
		limit int64
		want  int64
	}{
		{0, streamFloor, streamFloor},
		{streamFloor - streamHeadroom, streamFloor, streamFloor},
		{streamHeadroom, streamFloor, streamFloor},
		{streamFloor, streamFloor, streamFloor + streamFloor/2},
		{1 << 20, 1 << 30, 1 << 30},
		{1 << 30, streamFloor, 1<<30 + 1<<29},
	}
	for _, tt := range tests {
		if got := streamLimit(tt.live, tt.limit); got != tt.want {
			t.Errorf("streamLimit(%d, %d) = %d, want %d", tt.live, tt.limit, got, tt.want)
		}
	}
}

// TestGovernStreamMemory: the floor is set while analyze writes as it
// reads, raised when the live heap nears it, and put back after;
// GOMEMLIMIT set by the user is left alone.
func TestGovernStreamMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	g := governStreamMemory()
	if got := debug.SetMemoryLimit(-1); got != streamFloor {
		t.Errorf("limit while reading = %d, want %d", got, streamFloor)
	}
	ballast := make([]*[1 << 20]byte, streamFloor>>20)
	for i := range ballast {
		ballast[i] = new([1 << 20]byte)
	}
	runtime.GC()
	g.check()
	if got := debug.SetMemoryLimit(-1); got < streamFloor+streamHeadroom {
		t.Errorf("limit with %d MiB live = %d, want at least %d", len(ballast), got, streamFloor+streamHeadroom)
	}
	runtime.KeepAlive(ballast)
	g.restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after = %d, want %d put back", got, before)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if g := governStreamMemory(); g != nil || debug.SetMemoryLimit(-1) != before {
		t.Errorf("with GOMEMLIMIT set the limit was changed")
	}
	var none *memoryGovernor
	none.restore()
}
