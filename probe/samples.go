package probe

import (
	"fmt"
	"net/netip"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// DefaultPasvSamples is how many passive replies each passive mode collects
// (its data connections included) so that the report can infer the
// server's passive port range from more than one or two ports.
const DefaultPasvSamples = 3

// PasvSample is one port announced by the server in a 227/229 reply that
// was asked for only to sample the passive range (nothing is dialled).
type PasvSample struct {
	T         float64 `json:"t"`
	Announced string  `json:"announced"`
}

// samplePassive tops up the passive replies of a passive mode to
// Options.PasvSamples by sending the mode's command again without opening
// a data connection; it stops at the first failure. The server closes the
// previous listener at each new PASV, so nothing is left open.
func (r *runner) samplePassive(s *session, m *ModeResult) {
	if !m.Mode.Passive() || s.broken || r.ctx.Err() != nil {
		return
	}
	have := 0
	for _, dc := range []*DataConn{&m.ListData, m.RetrData} {
		if dc != nil && dc.Setup.OK() && dc.Announced != "" {
			have++
		}
	}
	for i := have; i < r.opts.PasvSamples; i++ {
		rep, st := s.command(string(m.Mode), "")
		if !st.OK() {
			return
		}
		ap, err := announcedEndpoint(m.Mode, rep, s.controlPeer())
		if err != nil {
			return
		}
		m.PasvSamples = append(m.PasvSamples, PasvSample{T: st.T, Announced: ap.String()})
	}
}

// announcedEndpoint reads the endpoint of a 227 or 229 reply; EPSV carries
// only a port, which belongs to the control peer's address.
func announcedEndpoint(mode Mode, rep ftp.Reply, peer netip.AddrPort) (netip.AddrPort, error) {
	if mode == ModeEPSV {
		port, err := ftp.ParseEPSV(rep.Text())
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("parse EPSV reply: %w", err)
		}
		return netip.AddrPortFrom(peer.Addr(), port), nil
	}
	ap, err := ftp.ParsePASV(rep.Text())
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("parse PASV reply: %w", err)
	}
	return ap, nil
}
