//go:build !linux

package main

// adviseHugeHeap does nothing here: the huge-page advice analyze gives
// its heap is Linux's (hugeheap_linux.go).
func adviseHugeHeap(int64) {}
