// Package capture records what the wire showed while ftpdiag probed a
// server: per-connection TCP facts (SYNs, SYN-ACK, RST, FIN, ICMP errors,
// bytes, retransmissions, stalls) on the probe's timeline, and a pcapng of
// the traffic with FTP passwords redacted.
//
// Packets come from a live capture, pure Go on every release system (an
// AF_PACKET ring on Linux, a BPF device on macOS, Npcap's wpcap.dll loaded
// at run time on Windows; libpcap through cgo with the "pcap" build tag),
// or from a pcap/pcapng file
// (ReadFile); both feed the same tracker, so tests replay synthetic files
// with no privileges. The package states facts only: what a missing SYN-ACK
// or an ICMP error means is for the report package to say.
package capture
