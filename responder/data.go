package responder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// dataSetup is the data connection a PASV/EPSV or PORT/EPRT prepared.
type dataSetup struct {
	pasv      net.Listener
	pasvIdx   int
	active    netip.AddrPort
	activeIdx int
}

func (d *dataSetup) close() {
	if d.pasv != nil {
		d.pasv.Close()
	}
	*d = dataSetup{pasvIdx: -1, activeIdx: -1}
}

// dataRec returns the record of data connection i, or a throwaway when
// the record was full.
func (s *session) dataRec(i int) *DataConn {
	if i < 0 || i >= len(s.rec.Data) {
		return &DataConn{}
	}
	return &s.rec.Data[i]
}

func (s *session) cmdPasv(ctx context.Context, _ string) bool {
	if !s.local.Addr().Is4() {
		return s.reply(500, "PASV needs IPv4: use EPSV.", "")
	}
	port, ok := s.listenPassive(ctx)
	if !ok {
		return s.reply(425, "Cannot open a passive port.", "")
	}
	tuple, _ := ftp.FormatPORT(netip.AddrPortFrom(s.local.Addr(), port))
	text := fmt.Sprintf("Entering Passive Mode (%s). %s%s", tuple, ftp.CopyMarker, ftp.Letters(tuple))
	return s.announce("PASV", 227, text)
}

func (s *session) cmdEpsv(ctx context.Context, arg string) bool {
	switch a := strings.ToUpper(strings.TrimSpace(arg)); {
	case a == "ALL":
		return s.reply(200, "EPSV ALL ok.", "")
	case a == "1" && !s.local.Addr().Is4(), a == "2" && s.local.Addr().Is4():
		return s.reply(522, "Network protocol not supported, use ("+family(s.local.Addr())+").", "")
	case a != "" && a != "1" && a != "2":
		return s.reply(501, "EPSV takes 1, 2 or ALL.", "")
	}
	port, ok := s.listenPassive(ctx)
	if !ok {
		return s.reply(425, "Cannot open a passive port.", "")
	}
	arg3 := "|||" + strconv.Itoa(int(port)) + "|"
	text := fmt.Sprintf("Entering Extended Passive Mode (%s). %s%s", arg3, ftp.CopyMarker, ftp.Letters(arg3))
	return s.announce("EPSV", 229, text)
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "1"
	}
	return "2"
}

// announce records a passive announcement and sends it.
func (s *session) announce(verb string, code int, text string) bool {
	s.data.pasvIdx = addData(&s.rec, DataConn{Command: verb, Announced: strconv.Itoa(code) + " " + text, Outcome: "not used"})
	return s.reply(code, text, "")
}

// listenPassive opens a data listener on the control connection's local
// address.
func (s *session) listenPassive(ctx context.Context) (uint16, bool) {
	s.data.close()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", netip.AddrPortFrom(s.local.Addr(), 0).String())
	if err != nil {
		return 0, false
	}
	s.data.pasv = ln
	return addrPortOf(ln.Addr()).Port(), true
}

func (s *session) cmdPort(_ context.Context, arg string) bool {
	ap, err := ftp.ParsePORT(arg)
	if err != nil {
		return s.reply(501, "Syntax error in PORT argument.", "")
	}
	return s.callbackTo("PORT", ap)
}

func (s *session) cmdEprt(_ context.Context, arg string) bool {
	ap, err := ftp.ParseEPRT(arg)
	if err != nil {
		return s.reply(501, "Syntax error in EPRT argument.", "")
	}
	return s.callbackTo("EPRT", ap)
}

// callbackTo accepts an active-mode address only when it is the control
// connection's own source address and an unprivileged port: the responder
// never connects to a third host. A refusal is answered as vsftpd does.
func (s *session) callbackTo(verb string, ap netip.AddrPort) bool {
	s.data.close()
	d := DataConn{Command: verb, Requested: ap.String(), Outcome: "not used"}
	if why := s.foreign(ap); why != "" {
		d.Outcome = "refused: " + why
		addData(&s.rec, d)
		s.refused++
		return s.reply(500, "Illegal "+verb+" command.", "refused: "+why)
	}
	s.data.active, s.data.activeIdx = ap, addData(&s.rec, d)
	return s.reply(200, verb+" command successful. Consider using PASV.", "")
}

// foreign says why ap may not be called back ("" when it may): it must be
// the control connection's source address, on a port of 1024 or above,
// and, unless Config.LocalCallbacks, not this host itself.
func (s *session) foreign(ap netip.AddrPort) string {
	a := ap.Addr().Unmap()
	switch {
	case a != s.remote.Addr():
		return fmt.Sprintf("%s is not the control connection's source address %s", a, s.remote.Addr())
	case ap.Port() < 1024:
		return fmt.Sprintf("port %d is below 1024", ap.Port())
	case !s.cfg.LocalCallbacks && s.fromThisHost():
		return fmt.Sprintf("%s is this host's own address: callbacks to this host are off (--local-callbacks, for a lab)", a)
	}
	return ""
}

// fromThisHost reports whether the control connection comes from this
// host: a loopback address, the address it reached, or another of the
// host's own.
func (s *session) fromThisHost() bool {
	a := s.remote.Addr()
	return a.IsLoopback() || a.IsUnspecified() || a == s.local.Addr().Unmap() || s.cfg.ownAddr(a)
}

// openData accepts or makes the prepared data connection, recording it.
func (s *session) openData(ctx context.Context) (net.Conn, *DataConn, bool) {
	var c net.Conn
	var err error
	var rec *DataConn
	switch {
	case s.data.pasv != nil:
		rec = s.dataRec(s.data.pasvIdx)
		c, err = s.acceptData()
	case s.data.active.IsValid():
		rec = s.dataRec(s.data.activeIdx)
		if why := s.foreign(s.data.active); why != "" {
			// Checked again: the host may have taken the address since.
			s.data.close()
			rec.Outcome = "refused: " + why
			s.refused++
			s.reply(425, "Failed to establish connection.", rec.Outcome)
			return nil, nil, false
		}
		c, err = s.dialCallback(ctx, s.data.active)
	default:
		s.reply(425, "Use PORT, EPRT, PASV or EPSV first.", "")
		return nil, nil, false
	}
	s.data.close()
	if err != nil {
		rec.Outcome = outcomeOf(err)
		s.reply(425, "Failed to establish connection.", rec.Outcome)
		return nil, nil, false
	}
	rec.Outcome = "connected"
	rec.Conn = &Conn{Remote: addrPortOf(c.RemoteAddr()).String(), Local: addrPortOf(c.LocalAddr()).String()}
	return c, rec, true
}

// acceptData waits DataTimeout for the one connection to the passive
// port, from any address: a data connection from another address than
// the control connection is exactly what the record must show.
func (s *session) acceptData() (net.Conn, error) {
	if tl, ok := s.data.pasv.(*net.TCPListener); ok {
		_ = tl.SetDeadline(s.cfg.Now().Add(s.cfg.DataTimeout))
	}
	return s.data.pasv.Accept()
}

// dialCallback connects to the client, from port 20 when this process may
// bind it (Record.Port20 says which), else from an ephemeral port.
func (s *session) dialCallback(ctx context.Context, dst netip.AddrPort) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DataTimeout)
	defer cancel()
	c, err := s.dialFrom(ctx, 20, dst)
	why := bindFailure(err)
	if why == "" {
		s.rec.Port20 = "bound"
		return c, err
	}
	s.rec.Port20 = why
	return s.dialFrom(ctx, 0, dst)
}

func (s *session) dialFrom(ctx context.Context, port uint16, dst netip.AddrPort) (net.Conn, error) {
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(s.local.Addr(), port)), Control: reuseAddr}
	return d.DialContext(ctx, "tcp", dst.String())
}

// outcomeOf names a data connection failure.
func outcomeOf(err error) string {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	}
	return "error: " + oneLine(err.Error())
}

func (s *session) cmdList(ctx context.Context, arg string) bool {
	return s.transfer(ctx, "the listing", strings.NewReader(string(listing(false))))
}

func (s *session) cmdNlst(ctx context.Context, arg string) bool {
	return s.transfer(ctx, "the listing", strings.NewReader(string(listing(true))))
}

func (s *session) cmdRetr(ctx context.Context, arg string) bool {
	f, ok := lookupFile(strings.TrimSpace(arg))
	if !ok {
		return s.reply(550, "No such file: the responder serves generated files only.", "")
	}
	return s.transfer(ctx, fmt.Sprintf("%s (%d bytes)", f.name, f.size), &patternReader{size: f.size})
}

// transfer sends r over the prepared data connection.
func (s *session) transfer(ctx context.Context, what string, r io.Reader) bool {
	c, rec, ok := s.openData(ctx)
	if !ok {
		return true
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if !s.reply(150, "Opening BINARY mode data connection for "+what+".", "") {
		return false
	}
	dc, ok := s.protectData(c, rec.Conn)
	if !ok {
		rec.Outcome = "error: TLS handshake failed"
		return s.reply(425, "TLS handshake on the data connection failed.", "")
	}
	if err := s.copyData(dc, r); err != nil {
		rec.Outcome = "connected, transfer cut: " + outcomeOf(err)
		return s.reply(426, "Connection closed; transfer aborted.", "")
	}
	if err := dc.Close(); err != nil {
		rec.Outcome = "connected, close failed: " + outcomeOf(err)
	}
	return s.reply(226, "Transfer complete.", "")
}

// dataChunk is how much is written under one deadline.
const dataChunk = 32 << 10

// copyData writes r to c, each chunk within DataTimeout.
func (s *session) copyData(c net.Conn, r io.Reader) error {
	buf := make([]byte, dataChunk)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_ = c.SetWriteDeadline(s.cfg.Now().Add(s.cfg.DataTimeout))
			if _, werr := c.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
