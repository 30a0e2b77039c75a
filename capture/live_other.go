//go:build !linux && !darwin && !windows && !pcap

package capture

import (
	"context"
	"fmt"
	"runtime"
)

// Start reports that this build cannot capture: on this OS capture needs
// libpcap, which only a build with -tags pcap (and cgo) includes.
func Start(ctx context.Context, cfg Config) (*Live, error) {
	return nil, fmt.Errorf("capture: packet capture is unavailable in this build for %s (rebuild with -tags pcap and libpcap/Npcap installed)", runtime.GOOS)
}
