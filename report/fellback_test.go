package report

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
)

// TestAnalyzeClientFellBack: a captured client whose EPSV (EPRT) the server
// refused as not implemented and which went on with PASV (PORT) on the
// same control connection failed no transfer for the refusal (curl and
// tnftp against Twisted 22.4.0, "502 Command 'EPSV' not implemented"):
// epsv-unsupported or active-unsupported is a warning, the mode is no
// failed one, and a PASV whose data connection the capture does not hold
// is no "passive disabled" and no transfer the server refused.
func TestAnalyzeClientFellBack(t *testing.T) {
	listed := func(h *handSession, c *capture.Conn) *capture.FTPExchange {
		c.BytesFromResponder, c.FirstData, c.LastData, c.FINResponder = 148, &capture.PacketRef{T: h.t + 0.01}, &capture.PacketRef{T: h.t + 0.01}, &capture.PacketRef{T: h.t + 0.02}
		return h.say("LIST", "125 Data connection already open, starting transfer", "226 Transfer Complete.")
	}
	callback := func(h *handSession) *capture.Conn {
		return &capture.Conn{Initiator: netip.MustParseAddrPort("10.77.0.2:40100"), Responder: netip.MustParseAddrPort("192.168.10.2:50001"),
			First: capture.PacketRef{T: h.t}, SYNs: []capture.PacketRef{{T: h.t}}, SYNACK: &capture.PacketRef{T: h.t + 0.001}}
	}
	tests := []struct {
		name     string
		build    func(h *handSession)
		warnings []string // no error, these warnings
	}{
		{"EPSV 502, PASV, LIST works (curl)", func(h *handSession) {
			h.data("EPSV", "", h.say("EPSV", "502 Command 'EPSV' not implemented"), nil, nil)
			setup := h.say("PASV", "227 Entering Passive Mode (10,77,0,2,117,48).")
			c := h.passiveConn(0)
			h.data("PASV", "10.77.0.2:30000", setup, listed(h, c), c)
		}, []string{"epsv-unsupported"}},
		{"EPRT 502, PORT, LIST works (curl -P)", func(h *handSession) {
			h.data("EPRT", "192.168.10.2:50001", h.say("EPRT |1|192.168.10.2|50001|", "502 Command 'EPRT' not implemented"), nil, nil)
			setup := h.say("PORT 192,168,10,2,195,81", "200 PORT OK")
			c := callback(h)
			h.data("PORT", "192.168.10.2:50001", setup, listed(h, c), c)
		}, []string{"active-unsupported"}},
		{"EPSV 502, PASV, capture filtered to the control port (the server's tap of a dropped passive range)", func(h *handSession) {
			h.data("EPSV", "", h.say("EPSV", "502 Command 'EPSV' not implemented"), nil, nil)
			h.data("PASV", "10.77.0.2:30000", h.say("PASV", "227 Entering Passive Mode (10,77,0,2,117,48)."), nil, nil)
			h.say("QUIT", "221 Goodbye.")
		}, []string{"epsv-unsupported"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			h.s.Exchanges[0].Replies[0].Reply.Lines = []string{"220 Twisted 22.4.0 FTP Server"}
			tc.build(h)
			cd := DiagnoseCapture(h.ev)
			var errs, warns []string
			for _, d := range cd.Sessions {
				for _, f := range d.Findings {
					switch f.Severity {
					case SeverityError:
						errs = append(errs, f.ID)
					case SeverityWarning:
						warns = append(warns, f.ID)
					}
				}
			}
			// The refused set-up is no transfer the server refused: the
			// verdict never says no data connection was due.
			notDue := len(cd.Sessions) > 0 && strings.Contains(cd.Sessions[0].Verdict, "No data connection was due")
			if len(errs) > 0 || !slices.Equal(warns, tc.warnings) || notDue {
				for _, d := range cd.Sessions {
					t.Logf("verdict: %s", d.Verdict)
					for _, f := range d.Findings {
						t.Logf("  %s %s: %s", f.Severity, f.ID, f.Explanation)
					}
				}
				t.Errorf("errors %v, warnings %v; want no error, warnings %v", errs, warns, tc.warnings)
			}
		})
	}
}
