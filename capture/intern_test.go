package capture

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"

	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// TestLineTable: a line is shared once seen; long lines and lines past
// the table's bound are kept as they are.
func TestLineTable(t *testing.T) {
	long := "226 " + strings.Repeat("x", maxInternLen)
	tests := []struct {
		name   string
		full   bool // the table is at its bound
		line   string
		shared bool
	}{
		{"short line", false, "226 Transfer complete.", true},
		{"longer than maxInternLen", false, long, false},
		{"table full", true, "150 Here comes the listing.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := lineTable{}
			for i := 0; tt.full && len(tab) < maxInterned; i++ {
				tab.intern(strings.Repeat("y", i%100) + string(rune('a'+i%26)) + strings.Repeat("z", i/2600))
			}
			first := tab.intern(strings.Clone(tt.line))
			second := tab.intern(strings.Clone(tt.line))
			if second != tt.line {
				t.Fatalf("intern changed the text: %q", second)
			}
			if same := unsafe.StringData(first) == unsafe.StringData(second); same != tt.shared {
				t.Errorf("shared = %v, want %v", same, tt.shared)
			}
			if len(tab) > maxInterned {
				t.Errorf("table holds %d lines, bound %d", len(tab), maxInterned)
			}
		})
	}
}

// TestReplyLinesShared: the same reply line in two sessions of a capture
// is one string in memory.
func TestReplyLinesShared(t *testing.T) {
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{Seed: 1, Bytes: 1 << 20, Sessions: 4}); err != nil {
		t.Fatal(err)
	}
	ev, err := ReadTraces([]Trace{{Name: "gen", R: &buf}}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]*byte{}
	shared := 0
	for _, s := range ev.Sessions {
		for _, x := range s.Exchanges {
			for _, r := range x.Replies {
				for _, l := range r.Lines {
					p, ok := seen[l]
					switch {
					case !ok:
						seen[l] = unsafe.StringData(l)
					case p != unsafe.StringData(l):
						t.Errorf("%q is held twice", l)
					default:
						shared++
					}
				}
			}
		}
	}
	if shared == 0 {
		t.Fatal("no reply line repeats in the capture: the test shows nothing")
	}
}
