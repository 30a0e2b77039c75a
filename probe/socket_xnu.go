package probe

// xnuConnInfo is what the probe reads of macOS's struct
// tcp_connection_info (netinet/tcp.h, TCP_CONNECTION_INFO).
type xnuConnInfo struct {
	state               uint8  // tcpi_state, TCPS_* of netinet/tcp_fsm.h
	txPackets           uint64 // tcpi_txpackets: segments sent, SYNs included
	txRetransmitPackets uint64 // tcpi_txretransmitpackets
}

// xnuSynSent is TCPS_SYN_SENT.
const xnuSynSent = 2

// xnuStates names TCPS_* values.
var xnuStates = [...]string{"closed", "listen", "syn-sent", "syn-received", "established", "close-wait", "fin-wait-1", "closing", "last-ack", "fin-wait-2", "time-wait"}

// state reads a macOS connection info. A connecting socket has sent only
// SYNs: every segment beyond the first, or one counted as retransmitted,
// is a SYN sent again.
func (x xnuConnInfo) socketState() SocketState {
	st := SocketState{Source: "TCP_CONNECTION_INFO", State: "unknown", Connecting: x.state == xnuSynSent}
	if int(x.state) < len(xnuStates) {
		st.State = xnuStates[x.state]
	}
	if st.Connecting {
		again := uint64(0)
		if x.txPackets > 1 {
			again = x.txPackets - 1
		}
		st.SYNRetransmits = int(min(max(again, x.txRetransmitPackets), 255))
	}
	return st
}
