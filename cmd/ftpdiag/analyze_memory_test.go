package main

import (
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
