package capture

// Remedy is the one line that lets ftpdiag capture on macOS: sudo, or
// read access to /dev/bpf*, which Wireshark's ChmodBPF grants the admin
// users at every boot; RemedyHint says it in words, for an error.
const (
	Remedy     = "sudo ftpdiag probe ...   # or install ChmodBPF (\"Install ChmodBPF\" in Wireshark's disk image), log in again, and capture as an admin user"
	RemedyHint = "run with sudo, or install ChmodBPF (the \"Install ChmodBPF\" package in Wireshark's disk image for macOS), which lets admin users read /dev/bpf*, and log in again"
)
