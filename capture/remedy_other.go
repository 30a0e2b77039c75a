//go:build !linux && !darwin && !windows

package capture

// Remedy is the one line that lets ftpdiag capture on this system, where
// only a libpcap build captures; RemedyHint says it in words.
const (
	Remedy     = "CGO_ENABLED=1 go install -tags pcap github.com/ftpdiag/ftpdiag/cmd/ftpdiag@latest   # then run it as root"
	RemedyHint = "rebuild with -tags pcap (cgo and libpcap) and run as root"
)
