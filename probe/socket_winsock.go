package probe

import (
	"encoding/binary"
	"fmt"
)

// Windows' TCP_INFO_v0 (mstcpip.h), as SIO_TCP_INFO with version 0 fills
// it in (Windows 10 1703 and later): offsets of the fields read.
const (
	winInfoV0Size      = 88 // sizeof(TCP_INFO_v0) on 386, amd64 and arm64
	winInfoStateOff    = 0  // TCPSTATE State (an enum, 32 bits)
	winInfoSynRetrans  = 84 // UCHAR SynRetrans
	winTCPStateSynSent = 2  // TCPSTATE_SYN_SENT
)

// winStates names TCPSTATE values.
var winStates = [...]string{"closed", "listen", "syn-sent", "syn-received", "established", "fin-wait-1", "fin-wait-2", "close-wait", "closing", "last-ack", "time-wait"}

// winSocketState decodes a TCP_INFO_v0 buffer of n valid bytes.
func winSocketState(b []byte) (SocketState, error) {
	if len(b) < winInfoV0Size {
		return SocketState{}, fmt.Errorf("SIO_TCP_INFO returned %d bytes, want %d", len(b), winInfoV0Size)
	}
	s := binary.LittleEndian.Uint32(b[winInfoStateOff:])
	st := SocketState{Source: "SIO_TCP_INFO", State: "unknown", Connecting: s == winTCPStateSynSent, SYNRetransmits: int(b[winInfoSynRetrans])}
	if s < uint32(len(winStates)) {
		st.State = winStates[s]
	}
	return st, nil
}
