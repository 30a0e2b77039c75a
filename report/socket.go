package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/probe"
)

// socketFact is the evidence a connecting socket's own counters give: its
// SYN was sent again and never answered. ok is false when the socket says
// nothing of the kind (no reading, connected, or no SYN resent).
func socketFact(what string, sf *probe.SocketFacts) (Fact, bool) {
	if sf == nil || sf.State != "syn-sent" || sf.SYNRetransmits < 1 {
		return Fact{}, false
	}
	return Fact{T: sf.T, Text: fmt.Sprintf("%s: this host's TCP stack (%s on the connecting socket) had sent the SYN %s and received no answer; counted by the socket, not seen on the wire",
		what, sf.Source, plural(sf.SYNRetransmits+1, "time", "times"))}, true
}

// socketNote is the sentence a finding carries when the connecting
// sockets' counters, not a capture, back it.
func socketNote(source string) string {
	return fmt.Sprintf("This comes from this host's TCP stack (%s on the connecting socket), not from the wire: no packet capture ran, so it shows that no SYN-ACK came back, not where the SYNs were dropped.", source)
}
