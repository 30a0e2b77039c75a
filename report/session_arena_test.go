package report

import (
	"testing"
)

// TestSlabTake: a slab hands out zeroed lists of the length asked,
// never nil (the JSON writes an empty list as [], a nil one as null),
// that do not overlap until reset, and reuses its array after reset; a
// nil slab makes each list anew.
func TestSlabTake(t *testing.T) {
	tests := []struct {
		name string
		s    *slab[int]
	}{
		{"slab", new(slab[int])},
		{"nil", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.take(0); got == nil || len(got) != 0 {
				t.Fatalf("take(0) = %#v, want an empty list", got)
			}
			a := tt.s.take(3)
			for i := range a {
				a[i] = i + 1
			}
			b := tt.s.take(40) // past the first array
			if len(a) != 3 || cap(a) != 3 || len(b) != 40 || cap(b) != 40 {
				t.Fatalf("len/cap %d/%d and %d/%d, want 3/3 and 40/40", len(a), cap(a), len(b), cap(b))
			}
			for i := range b {
				b[i] = -1
			}
			if a[0] != 1 || a[2] != 3 {
				t.Errorf("a list handed out was overwritten: %v", a)
			}
			tt.s.reset()
			c := tt.s.take(40)
			for _, v := range c {
				if v != 0 {
					t.Fatalf("take after reset: %v, want zeroes", c)
				}
			}
			if reused := &c[0] == &b[0]; reused != (tt.s != nil) {
				t.Errorf("array reused after reset: %v, want %v", reused, tt.s != nil)
			}
		})
	}
}

// TestSlabResetBound: a slab does not keep past reset an array bigger
// than maxSlabBytes.
func TestSlabResetBound(t *testing.T) {
	var s slab[[64]byte]
	s.take(maxSlabBytes/64 + 1)
	s.reset()
	if s.buf != nil {
		t.Errorf("kept %d bytes past reset, want at most %d", len(s.buf)*64, maxSlabBytes)
	}
	s.take(10)
	s.reset()
	if s.buf == nil {
		t.Errorf("a small array was not kept")
	}
}
