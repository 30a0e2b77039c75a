// Package humantime reads durations as people type them on a command line
// or in a configuration file: a bare number is seconds, as with curl
// ("5", "0.5"), anything else a Go duration ("5s", "5000ms", "1m"). The
// probe's flags and the exporter's configuration share it, so "5" means
// the same everywhere.
package humantime

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Max bounds a duration: beyond a day no wait is meant.
const Max = 24 * time.Hour

// Parse parses a bare number as seconds and anything else as
// a Go duration; it refuses negatives and values beyond a day.
func Parse(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty duration; give seconds (5) or a unit (5s, 5000ms, 1m)")
	}
	var d time.Duration
	if f, err := strconv.ParseFloat(t, 64); err == nil && isPlainNumber(t) {
		if f < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		if f > Max.Seconds() {
			return 0, fmt.Errorf("duration %q is longer than %s", s, Max)
		}
		d = time.Duration(f * float64(time.Second))
	} else {
		var perr error
		if d, perr = time.ParseDuration(t); perr != nil {
			return 0, fmt.Errorf("%q is not a duration; give seconds (5) or a unit (5s, 5000ms, 1m)", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	if d > Max {
		return 0, fmt.Errorf("duration %q is longer than %s", s, Max)
	}
	return d, nil
}

// isPlainNumber reports whether s is digits with at most one decimal
// point and an optional sign: no exponent, no "Inf" or "NaN" spelled in
// letters that ParseFloat would accept.
func isPlainNumber(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	dot := false
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
