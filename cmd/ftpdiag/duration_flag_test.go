package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlagDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "5", want: 5 * time.Second},
		{in: "0.5", want: 500 * time.Millisecond},
		{in: "5s", want: 5 * time.Second},
		{in: "5000ms", want: 5 * time.Second},
		{in: "1m", want: time.Minute},
		{in: "1m30s", want: 90 * time.Second},
		{in: " 7 ", want: 7 * time.Second},
		{in: "86400", want: 24 * time.Hour},
		{in: "0", want: 0},
		{in: "", err: "empty duration"},
		{in: "abc", err: "not a duration"},
		{in: "5 s", err: "not a duration"},
		{in: "1e3", err: "not a duration"},
		{in: "Inf", err: "not a duration"},
		{in: "NaN", err: "not a duration"},
		{in: "-5", err: "negative"},
		{in: "-5s", err: "negative"},
		{in: "86401", err: "longer than"},
		{in: "25h", err: "longer than"},
		{in: "99999999999999999999", err: "longer than"},
	} {
		got, err := parseFlagDuration(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseFlagDuration(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("parseFlagDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// Every duration flag of probe takes the same spellings and refuses
// garbage with one line on stderr and exit 2, before any network use.
func TestDurationFlagsUsage(t *testing.T) {
	flags := []string{"--connect-timeout", "--data-timeout", "--reply-timeout", "--timeout", "--stall-timeout"}
	for _, fl := range flags {
		for _, tc := range []struct {
			val  string
			want string
		}{
			{val: "abc", want: "not a duration"},
			{val: "-5", want: "negative"},
			{val: "0", want: "must be positive"},
		} {
			code, out, errs := runCLI(t, "probe", fl, tc.val, "ftp://[")
			lines := strings.Count(strings.TrimRight(errs, "\n"), "\n")
			if code != exitUsage || out != "" || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "timeout") || lines > 1 {
				t.Errorf("probe %s %s: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", fl, tc.val, code, out, errs, tc.want)
			}
		}
	}
}

func TestDurationFlagsHelp(t *testing.T) {
	code, out, errs := runCLI(t, "probe", "--help")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if n := strings.Count(out, strings.TrimSpace(durationUnits)); n != 5 {
		t.Errorf("help names the accepted spellings on %d flags, want 5:\n%s", n, out)
	}
}
