package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestAdviseHugeHeap: after adviseHugeHeap for a large input, a mapping of
// the process of at least hugeHeapBytes carries the huge-page advice ("hg"
// in its VmFlags).
func TestAdviseHugeHeap(t *testing.T) {
	probe := make([]byte, 4<<20)
	if err := syscall.Madvise(probe, syscall.MADV_HUGEPAGE); err != nil {
		t.Skipf("the kernel takes no huge-page advice: %v", err)
	}
	adviseHugeHeap(hugeHeapMinInput)
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	var size int64 // of the mapping whose fields are being read, in KiB
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 2 && fields[0] == "Size:":
			size, _ = strconv.ParseInt(fields[1], 10, 64)
		case len(fields) >= 1 && fields[0] == "VmFlags:":
			for _, fl := range fields[1:] {
				if fl == "hg" && size<<10 >= hugeHeapBytes {
					return
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Errorf("no mapping of %d MiB or more with the huge-page advice after adviseHugeHeap", hugeHeapBytes>>20)
}
