package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/ftpdiag/ftpdiag/internal/humantime"
)

// durationUnits is the hint every duration flag's help ends with.
const durationUnits = " (a bare number is seconds, as with curl: 5, 5s, 5000ms, 1m)"

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

// parseFlagDuration is humantime.Parse: the flags and the exporter's
// configuration read durations alike.
func parseFlagDuration(s string) (time.Duration, error) { return humantime.Parse(s) }
