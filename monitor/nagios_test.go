package monitor

import (
	"strings"
	"testing"
	"time"
)

func TestCheckScenarios(t *testing.T) {
	cases := []struct {
		name   string
		th     Thresholds
		status CheckStatus
		prefix string
	}{
		{"healthy", Thresholds{}, StatusOK, "FTP OK - data modes work: EPSV, PASV, EPRT, PORT | time="},
		{"passive-filtered", Thresholds{}, StatusCritical, "FTP CRITICAL - passive-port-filtered: "},
		{"active-rejected", Thresholds{}, StatusCritical, "FTP CRITICAL - active-address-rejected: "},
		{"login-failed", Thresholds{}, StatusCritical, "FTP CRITICAL - login-failed: "},
		{"nat-private", Thresholds{}, StatusWarning, "FTP WARNING - pasv-private-address: "},
		// healthy.json's run took 5.5 s.
		{"healthy", Thresholds{Warning: 100 * time.Millisecond}, StatusWarning, "FTP WARNING - the probe took 5.50s (warning above 100ms)"},
		{"healthy", Thresholds{Warning: 100 * time.Millisecond, Critical: 200 * time.Millisecond}, StatusCritical, "FTP CRITICAL - the probe took 5.50s (critical above 200ms)"},
		{"healthy", Thresholds{Warning: time.Minute, Critical: 2 * time.Minute}, StatusOK, "FTP OK - "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := loadOutcome(t, c.name)
			st, line := Check(o, c.th)
			if st != c.status || !strings.HasPrefix(line, c.prefix) {
				t.Errorf("Check = %v %q, want %v %q...", st, line, c.status, c.prefix)
			}
			checkLineShape(t, line)
		})
	}
}

func TestCheckPerfdata(t *testing.T) {
	o := loadOutcome(t, "passive-filtered")
	_, line := Check(o, Thresholds{Warning: 5 * time.Second, Critical: 20 * time.Second})
	_, perf, _ := strings.Cut(line, " | ")
	for _, want := range []string{"time=5.500s;5;20;0", "connect=0.002s;;;0", "transfer=0.007s;;;0", "modes_working=2;;;0;4"} {
		if !strings.Contains(perf, want) {
			t.Errorf("perfdata %q lacks %q", perf, want)
		}
	}
}

func TestCheckUnknown(t *testing.T) {
	st, line := Check(Outcome{Failed: "bad URL: no host\nsecond line | pipe"}, Thresholds{})
	if st != StatusUnknown || !strings.HasPrefix(line, "FTP UNKNOWN - bad URL: no host second line / pipe") {
		t.Errorf("Check = %v %q", st, line)
	}
	checkLineShape(t, line)
	long := strings.Repeat("x", 2000)
	_, line = Check(Outcome{Failed: long}, Thresholds{})
	if text, _, _ := strings.Cut(line, " | "); len(text) > maxStatusText+len("FTP UNKNOWN - ") {
		t.Errorf("status text not bounded: %d bytes", len(text))
	}
}

// checkLineShape: one line, one '|' at most (it starts the perfdata).
func checkLineShape(t *testing.T, line string) {
	t.Helper()
	if strings.ContainsAny(line, "\r\n") || strings.Count(line, "|") > 1 {
		t.Errorf("not one plugin line: %q", line)
	}
}
