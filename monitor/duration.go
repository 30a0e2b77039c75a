package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a wait in the configuration: "5" means five seconds (as
// curl and ftpdiag's own flags read it), "5s", "1500ms" and "1m" are Go
// durations.
type Duration time.Duration

// UnmarshalText reads a duration as people write it.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// parseDuration reads "5", "2.5", "5s", "1500ms"; it refuses zero,
// negative and absurd values (over a day).
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var v time.Duration
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		v = time.Duration(f * float64(time.Second))
	} else if v, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("bad duration %q: want seconds (5) or a duration (5s, 1500ms, 1m)", s)
	}
	if v <= 0 || v > 24*time.Hour {
		return 0, fmt.Errorf("bad duration %q: want more than 0 and at most 24h", s)
	}
	return v, nil
}
