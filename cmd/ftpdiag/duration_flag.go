package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// durationUnits is the hint every duration flag's help ends with.
const durationUnits = " (a bare number is seconds, as with curl: 5, 5s, 5000ms, 1m)"

// maxFlagDuration bounds a duration flag: beyond a day no wait is meant.
const maxFlagDuration = 24 * time.Hour

// durationValue is a duration flag that takes what people type: a bare
// number of seconds ("5", "0.5") or a Go duration ("5s", "5000ms", "1m").
// A negative, garbage or overlong value is refused when the flag is set.
type durationValue time.Duration

// durationVar registers a duration flag that accepts bare seconds.
func durationVar(fl *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	fl.Var((*durationValue)(p), name, usage+durationUnits)
}

func (d *durationValue) Set(s string) error {
	v, err := parseFlagDuration(s)
	if err != nil {
		return err
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string { return time.Duration(*d).String() }

// Type is "duration" so help and completion treat it as pflag's own.
func (d *durationValue) Type() string { return "duration" }

// parseFlagDuration parses a bare number as seconds and anything else as
// a Go duration; it refuses negatives and values beyond a day.
func parseFlagDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty duration; give seconds (5) or a unit (5s, 5000ms, 1m)")
	}
	var d time.Duration
	if f, err := strconv.ParseFloat(t, 64); err == nil && isPlainNumber(t) {
		if f < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		if f > maxFlagDuration.Seconds() {
			return 0, fmt.Errorf("duration %q is longer than %s", s, maxFlagDuration)
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
	if d > maxFlagDuration {
		return 0, fmt.Errorf("duration %q is longer than %s", s, maxFlagDuration)
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
