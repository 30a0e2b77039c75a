package lab

import (
	"os"
	"testing"
)

// TestRemoveStaleSparesStartingLab: a lab of this process that registers
// and makes its temp dir while another lab's sweep runs keeps its dir (the
// sweep read the live labs before listing the dirs, and deleted it: a lab
// test failed with its srv dir gone).
func TestRemoveStaleSparesStartingLab(t *testing.T) {
	l := &Lab{id: newID()}
	var dir string
	betweenStaleReads = func() {
		register(l)
		d, err := os.MkdirTemp("", tempPrefix+l.id+"-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	defer func() {
		betweenStaleReads = nil
		unregister(l)
		os.RemoveAll(dir)
	}()
	removeStale()
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("the starting lab's dir was swept: %v", err)
	}
}
