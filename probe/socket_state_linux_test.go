//go:build linux

package probe

import "testing"

// TCP_INFO's state and counters: a SYN resent shows in either counter.
func TestLinuxSocketState(t *testing.T) {
	for _, tc := range []struct {
		state, retransmits uint8
		total              uint32
		want               SocketState
	}{
		{2, 0, 0, SocketState{State: "syn-sent", Connecting: true}},
		{2, 2, 2, SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: 2}},
		{2, 0, 1, SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: 1}},
		{2, 3, 1, SocketState{State: "syn-sent", Connecting: true, SYNRetransmits: 3}},
		{1, 0, 1, SocketState{State: "established", SYNRetransmits: 1}},
		{7, 0, 0, SocketState{State: "closed"}},
		{99, 0, 0, SocketState{State: "unknown"}},
	} {
		tc.want.Source = "TCP_INFO"
		if got := linuxSocketState(tc.state, tc.retransmits, tc.total); got != tc.want {
			t.Errorf("state %d retransmits %d total %d: got %+v, want %+v", tc.state, tc.retransmits, tc.total, got, tc.want)
		}
	}
}
