package capture

// Remedy is the one line that lets ftpdiag capture without running as
// root (the capture-unavailable finding's fix); RemedyHint says it in
// words, for an error.
const (
	Remedy     = "sudo setcap cap_net_raw,cap_net_admin+eip $(command -v ftpdiag)"
	RemedyHint = "run as root, or give the binary the capabilities once: " + Remedy
)
