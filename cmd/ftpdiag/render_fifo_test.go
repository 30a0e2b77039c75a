//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRenderFIFOCancels: a report path that never delivers (a FIFO nobody
// writes to) does not hang render: Ctrl-C (the context) ends it with exit 2.
func TestRenderFIFOCancels(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "report.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Release the reader left blocked in open once the test is over.
	defer func() {
		if f, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
			f.Close()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"render", fifo}, strings.NewReader(""), &stdout, &stderr)
	}()
	select {
	case code := <-done:
		if code != exitUsage || !strings.Contains(stderr.String(), "context canceled") {
			t.Errorf("exit %d, stderr %q; want 2 naming the cancellation", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("render still blocked on the FIFO after cancellation")
	}
}
