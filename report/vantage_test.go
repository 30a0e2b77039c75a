package report

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
)

// TestVantageDecidesTheCallbackFinding: the same failed active callback,
// captured at the client, the server and between them. Only at the client
// does an unanswered SYN mean this host's firewall; elsewhere the rule
// says what its vantage showed, and no fix tells the capture's host to
// open its INPUT chain; where the server's SYNs are in the capture past
// the server, its outbound rules are not blamed and the callback is not
// said to have never arrived (it may have, and been dropped there).
func TestVantageDecidesTheCallbackFinding(t *testing.T) {
	ttl := map[string][2]int{"client": {64, 60}, "server": {60, 64}, "middle": {61, 62}}
	tests := []struct {
		vantage  string
		syn      bool // the server's SYNs are in the capture
		want     string
		says     []string
		never    []string
		inputFix bool
	}{
		{"client", true, "active-callback-dropped-locally", []string{"arrive at port 50010 of this host", "taken at the client"}, nil, true},
		{"server", true, "active-callback-blocked", []string{"got no answer", "left the server (they are in this capture, taken at the server)", "taken at the server"}, []string{"this host", "never arrived", "outbound rules"}, false},
		{"middle", true, "active-callback-blocked", []string{"passed the capture point without any answer", "taken between client and server"}, []string{"this host", "never arrived", "outbound rules"}, false},
		{"server", false, "active-callback-blocked", []string{"shows no SYN from it to the client"}, []string{"this host"}, false},
		{"client", false, "active-callback-blocked", []string{"no SYN to port 50010 reached this host"}, nil, false},
	}
	for _, tc := range tests {
		name := tc.vantage + map[bool]string{true: ", SYNs unanswered", false: ", no SYN"}[tc.syn]
		t.Run(name, func(t *testing.T) {
			h := newHandSession()
			h.s.ClientTTL, h.s.ServerTTL = ttl[tc.vantage][0], ttl[tc.vantage][1]
			h.listedOK()
			setup := h.say("PORT 192,168,10,2,195,90", "200 PORT command successful. Consider using PASV.")
			var c *capture.Conn
			if tc.syn {
				c = &capture.Conn{Initiator: netip.MustParseAddrPort("10.77.0.2:20"), Responder: netip.MustParseAddrPort("192.168.10.2:50010"),
					First: capture.PacketRef{T: h.t + 0.02}, SYNs: []capture.PacketRef{{T: h.t + 0.02}, {T: h.t + 1.02}, {T: h.t + 3.02}}}
			}
			h.data("PORT", "192.168.10.2:50010", setup, h.say("LIST", "425 Failed to establish connection."), c)
			cd := DiagnoseCapture(h.ev)
			if len(cd.Sessions) != 1 || cd.Sessions[0].Session.Vantage != tc.vantage {
				t.Fatalf("sessions %d, vantage %q, want %q", len(cd.Sessions), cd.Sessions[0].Session.Vantage, tc.vantage)
			}
			ids := analyzedIDs(cd)
			if !slices.Equal(ids, []string{tc.want}) {
				t.Fatalf("ids %v, want [%s]", ids, tc.want)
			}
			f := find(cd.Sessions[0].Findings, tc.want)
			text := findingText(f)
			for _, s := range tc.says {
				if !strings.Contains(text, s) {
					t.Errorf("%s lacks %q:\n%s", tc.want, s, text)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(f.Explanation, s) || strings.Contains(f.Title, s) {
					t.Errorf("%s says %q:\n%s", tc.want, s, text)
				}
			}
			if got := strings.Contains(text, "iptables -A INPUT"); got != tc.inputFix {
				t.Errorf("INPUT fix %v, want %v:\n%s", got, tc.inputFix, text)
			}
		})
	}
}
