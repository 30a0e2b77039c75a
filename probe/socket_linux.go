//go:build linux

package probe

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// ReadSocket reads TCP_INFO (no privilege needed): the state, and the SYN
// retransmissions a connecting socket has made (tcpi_retransmits, the
// current run of timeouts, and tcpi_total_retrans).
func ReadSocket(c syscall.RawConn) (SocketState, error) {
	var info *unix.TCPInfo
	var err error
	if cerr := c.Control(func(fd uintptr) {
		info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); cerr != nil {
		return SocketState{}, cerr
	}
	if err != nil {
		return SocketState{}, err
	}
	return linuxSocketState(info.State, info.Retransmits, info.Total_retrans), nil
}

// linuxSocketState reads tcpi_state (include/net/tcp_states.h) and the
// two retransmission counters.
func linuxSocketState(state, retransmits uint8, totalRetrans uint32) SocketState {
	st := SocketState{Source: "TCP_INFO", State: linuxStates[state], SYNRetransmits: int(max(uint32(retransmits), totalRetrans))}
	if st.State == "" {
		st.State = "unknown"
	}
	st.Connecting = state == unix.BPF_TCP_SYN_SENT
	return st
}

// linuxStates names tcpi_state values.
var linuxStates = map[uint8]string{
	unix.BPF_TCP_ESTABLISHED: "established",
	unix.BPF_TCP_SYN_SENT:    "syn-sent",
	unix.BPF_TCP_SYN_RECV:    "syn-received",
	unix.BPF_TCP_FIN_WAIT1:   "fin-wait-1",
	unix.BPF_TCP_FIN_WAIT2:   "fin-wait-2",
	unix.BPF_TCP_TIME_WAIT:   "time-wait",
	unix.BPF_TCP_CLOSE:       "closed",
	unix.BPF_TCP_CLOSE_WAIT:  "close-wait",
	unix.BPF_TCP_LAST_ACK:    "last-ack",
	unix.BPF_TCP_LISTEN:      "listen",
	unix.BPF_TCP_CLOSING:     "closing",
}
