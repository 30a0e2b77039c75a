package capture

import "math"

// Sides of a control connection whose packets alone a capture holds
// (FTPSession.OneWay).
const (
	OneWayClient = "client"
	OneWayServer = "server"
)

// oneWay says whose packets alone the capture holds of a session's control
// connection when the other side's are provably missing, "" otherwise: a
// capture filtered on one direction (tcpdump 'dst port 21', 'src host
// CLIENT') or a tap on one side of an asymmetric path. The proof is TCP's:
// the client sent bytes on a handshake whose SYN was captured and whose
// SYN-ACK was not (no data flows before the SYN-ACK), or sent a second
// command though no reply to the first is in the file; the server sent a
// SYN-ACK whose SYN is not in the file, or replies beyond its greeting,
// which answer commands the file lacks. A client whose SYNs got no answer
// sends no bytes, and a server that never answered sends none: neither is
// one-way.
func oneWay(s *FTPSession) string {
	c := s.Control
	client := c.BytesFromInitiator > 0 || len(c.SYNs) > 0 || ended(c, SideInitiator)
	// An ICMP error answered the client's packets in the server's stead.
	server := c.BytesFromResponder > 0 || c.SYNACK != nil || ended(c, SideResponder) || len(c.ICMP) > 0
	switch {
	case client && !server && c.BytesFromInitiator > 0 && (len(c.SYNs) > 0 || commandsSent(s) >= 2):
		return OneWayClient
	case server && !client && c.BytesFromResponder > 0 && (c.SYNACK != nil || repliesSent(s) >= 2):
		return OneWayServer
	}
	return ""
}

// ended reports whether a side ended the connection (its FIN or RST).
func ended(c *Conn, side Side) bool { return !math.IsInf(endOf(c, side), 1) }

func commandsSent(s *FTPSession) int {
	n := 0
	for _, x := range s.Exchanges {
		if x.Command != "" {
			n++
		}
	}
	return n
}

func repliesSent(s *FTPSession) int {
	n := 0
	for _, x := range s.Exchanges {
		n += len(x.Replies)
	}
	return n
}
