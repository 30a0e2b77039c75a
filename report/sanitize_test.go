package report

import (
	"fmt"
	"strings"
	"testing"
)

type cleanLeaf struct {
	Text string
	N    int
}

type cleanNode struct {
	Name   string
	Leaves []cleanLeaf
	Ptr    *cleanLeaf
	Tags   map[string]string
	Arr    [2]string
	Other  []cleanLeaf
	hidden string
}

// String shows every field, the pointed-to leaf's too.
func (n cleanNode) String() string {
	return fmt.Sprintf("%q %+v %+v %q %q %+v %q", n.Name, n.Leaves, n.Ptr, n.Tags, n.Arr, n.Other, n.hidden)
}

// TestCleanCopy: cleanCopy cleans a string at any depth without touching
// the original, and shares what needed no cleaning with it.
func TestCleanCopy(t *testing.T) {
	tests := []struct {
		name string
		in   cleanNode
		// dirty: Leaves holds a string cleanTerm changes (its second).
		dirty bool
	}{
		{"clean", cleanNode{Name: "a", Leaves: []cleanLeaf{{Text: "x"}}, Other: []cleanLeaf{{Text: "y"}}, Ptr: &cleanLeaf{Text: "p"}, Tags: map[string]string{"k": "v"}, hidden: "\x1b[2J"}, false},
		{"deep", cleanNode{Name: "a", Leaves: []cleanLeaf{{Text: "ok"}, {Text: "bad\x1b[2Jx\x07", N: 7}}, Other: []cleanLeaf{{Text: "y"}}, Ptr: &cleanLeaf{Text: "p"}}, true},
		{"pointer", cleanNode{Name: "a", Leaves: []cleanLeaf{{Text: "x"}}, Ptr: &cleanLeaf{Text: "\u202ex"}, Other: []cleanLeaf{{Text: "y"}}}, false},
		{"map and array", cleanNode{Name: "\tb", Tags: map[string]string{"k\x1b": "v\r"}, Arr: [2]string{"ok", "\x00"}, Other: []cleanLeaf{{Text: "y"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.in.String()
			out := cleanCopy(&tt.in)
			if tt.in.String() != before {
				t.Fatalf("the original changed: %s", tt.in)
			}
			for _, bad := range []string{"\x1b", "\x07", "\x00", "\r", "\t", "\u202e"} {
				if strings.Contains(fmt.Sprint(out.Name, out.Leaves, *out.ptrOr(), out.Tags, out.Arr), bad) {
					t.Errorf("%q left in %s", bad, out)
				}
			}
			if out.hidden != tt.in.hidden {
				t.Errorf("unexported field %q, want %q as it was", out.hidden, tt.in.hidden)
			}
			if &out.Other[0] != &tt.in.Other[0] {
				t.Errorf("a slice with nothing to clean was copied")
			}
			if shared := len(out.Leaves) > 0 && &out.Leaves[0] == &tt.in.Leaves[0]; len(out.Leaves) > 0 && shared == tt.dirty {
				t.Errorf("Leaves shared = %v, want %v", shared, !tt.dirty)
			}
			if tt.dirty && out.Leaves[1].N != 7 {
				t.Errorf("a cleaned element lost its other fields: %+v", out.Leaves[1])
			}
		})
	}
}

// ptrOr is the pointed-to leaf, or a zero one.
func (n *cleanNode) ptrOr() *cleanLeaf {
	if n.Ptr == nil {
		return &cleanLeaf{}
	}
	return n.Ptr
}
