package report

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
)

// transferred adds a set-up of mode with its transfer command, whose data
// connection is in the capture and carried bytes.
func (h *handSession) transferred(mode, setupLine, setupReply, cmd string, port uint16) {
	setup := h.say(setupLine, setupReply)
	ep := netip.AddrPortFrom(netip.MustParseAddr("10.77.0.2"), port)
	c := &capture.Conn{Initiator: netip.MustParseAddrPort("192.168.10.2:40100"), Responder: ep,
		First: capture.PacketRef{T: h.t}, SYNs: []capture.PacketRef{{T: h.t}}, SYNACK: &capture.PacketRef{T: h.t + 0.001},
		BytesFromResponder: 2000, FirstData: &capture.PacketRef{T: h.t + 0.01}, LastData: &capture.PacketRef{T: h.t + 0.01}, FINResponder: &capture.PacketRef{T: h.t + 0.02}}
	x := h.say(cmd, "150 Ok to send data.", "226 Transfer complete.")
	h.data(mode, ep.String(), setup, x, c)
}

// TestAnalyzeTransfersByVerb: a captured session's transfers are reported
// as what they were, by verb: a second listing is a listing, an upload is
// never called RETR, and a download refused with 550 (no data connection
// due) does not grade its mode as failing.
func TestAnalyzeTransfersByVerb(t *testing.T) {
	epsv := func(port int) string { return "229 Entering Extended Passive Mode (|||" + strconv.Itoa(port) + "|)" }
	tests := []struct {
		name  string
		build func(h *handSession)
		// modes: per rebuilt mode, its attempts' names.
		modes   [][]string
		ids     []string // error and warning ids
		absent  []string // words no rendering may hold
		present []string // words the text rendering holds
	}{
		{"LIST then LIST -a: two listings", func(h *handSession) {
			h.transferred("EPSV", "EPSV", epsv(30001), "LIST", 30001)
			h.transferred("EPSV", "EPSV", epsv(30002), "LIST -a", 30002)
		}, [][]string{{"LIST"}, {"LIST"}}, nil, []string{"RETR"}, []string{"LIST -a"}},
		{"LIST then STOR: a listing and an upload", func(h *handSession) {
			h.transferred("EPSV", "EPSV", epsv(30001), "LIST", 30001)
			h.transferred("EPSV", "EPSV", epsv(30002), "STOR up.bin", 30002)
		}, [][]string{{"LIST", "STOR"}}, nil, []string{"RETR"}, []string{"STOR data", "STOR up.bin"}},
		{"STOR alone", func(h *handSession) {
			h.transferred("PASV", "PASV", "227 Entering Passive Mode (10,77,0,2,117,50).", "STOR up.bin", 30002)
		}, [][]string{{"STOR"}}, nil, []string{"RETR", "LIST"}, []string{"STOR data"}},
		{"NLST then RETR: a listing and a download", func(h *handSession) {
			h.transferred("EPSV", "EPSV", epsv(30001), "NLST", 30001)
			h.transferred("EPSV", "EPSV", epsv(30002), "RETR f", 30002)
		}, [][]string{{"NLST", "RETR"}}, nil, nil, []string{"NLST data", "RETR data"}},
		{"RETR refused with 550, nothing else", func(h *handSession) {
			h.data("PASV", "10.77.0.2:30002", h.say("PASV", "227 Entering Passive Mode (10,77,0,2,117,50)."), h.say("RETR nosuch", "550 Failed to open file."), nil)
			h.say("QUIT", "221 Goodbye.")
		}, [][]string{{"RETR"}}, []string{"transfer-denied"}, []string{"no data mode works", "FAILS"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandSession()
			tc.build(h)
			cd := DiagnoseCapture(h.ev)
			if len(cd.Sessions) != 1 {
				t.Fatalf("%d sessions", len(cd.Sessions))
			}
			d := cd.Sessions[0]
			r, _, _ := rebuildResult(h.ev, scanCapture(h.ev), groupSessions(h.ev.Sessions)[0], "")
			var modes [][]string
			for i := range r.Modes {
				var names []string
				for _, a := range attempts(&r.Modes[i]) {
					names = append(names, a.name)
				}
				modes = append(modes, names)
			}
			slices.SortFunc(modes, func(a, b []string) int { return strings.Compare(strings.Join(a, ","), strings.Join(b, ",")) })
			if !slices.EqualFunc(modes, tc.modes, slices.Equal) {
				t.Errorf("modes %v, want %v", modes, tc.modes)
			}
			if got := analyzedIDs(cd); !slices.Equal(got, tc.ids) {
				t.Errorf("ids %v, want %v (verdict %q)", got, tc.ids, d.Verdict)
			}
			for _, f := range []Format{FormatText, FormatMarkdown, FormatHTML} {
				var b bytes.Buffer
				if err := RenderCapture(&b, cd, f, RenderOptions{}); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				for _, w := range tc.absent {
					if i := strings.Index(out, w); i >= 0 {
						t.Errorf("%s rendering says %q: %q", f, w, out[max(0, i-80):min(len(out), i+80)])
					}
				}
				if f != FormatText {
					continue
				}
				for _, w := range tc.present {
					if !strings.Contains(out, w) {
						t.Errorf("text rendering lacks %q:\n%s", w, out)
					}
				}
			}
		})
	}
}
