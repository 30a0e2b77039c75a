//go:build pcap && !windows

package capture

// loadPcap has nothing to do: with -tags pcap, libpcap is linked (cgo).
func loadPcap() error { return nil }
