package monitor

import (
	"fmt"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/humantime"
)

// Duration is a wait in the configuration, read as the command line's
// flags read it (internal/humantime): "5" is five seconds, "5s", "1500ms"
// and "1m" are Go durations.
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

// parseDuration is humantime.Parse without zero: a configured wait of
// nothing is a mistake (leave the key out for the default).
func parseDuration(s string) (time.Duration, error) {
	v, err := humantime.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration: %w", err)
	}
	if v == 0 {
		return 0, fmt.Errorf("bad duration %q: want more than 0 (leave the key out for the default)", s)
	}
	return v, nil
}
