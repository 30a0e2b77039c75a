package capgen

import (
	"bytes"
	"testing"
)

// TestWriteFewBytes: a capture of many sessions and few bytes is written
// whole (an earlier transfer taking more than its share of a session's
// bytes left the next one a negative size: a panic).
func TestWriteFewBytes(t *testing.T) {
	for _, o := range []Options{
		{Seed: 3, Bytes: 2 << 20, Sessions: 1500},
		{Seed: 1, Bytes: 1, Sessions: 50},
	} {
		var b bytes.Buffer
		st, err := Write(&b, o)
		if err != nil || st.Sessions != o.Sessions || st.Packets == 0 {
			t.Errorf("%+v: %+v, %v; want %d sessions written", o, st, err, o.Sessions)
		}
	}
}
