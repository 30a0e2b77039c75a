// Package ftptest is an FTP server on loopback for tests. By default it
// behaves like a small healthy server (anonymous login, PASV, EPSV, PORT,
// EPRT, LIST, RETR, ABOR, NOOP); fields of Server make it misbehave one way at a
// time, so tests can drive the probe and the report through failures
// without a network.
package ftptest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// Server is a scriptable FTP server listening on 127.0.0.1.
type Server struct {
	// Banner is the greeting (default "220 ftptest ready").
	Banner string
	// User and Password, when set, are required; otherwise any login works.
	User, Password string
	// Anonymous, with User set, accepts anonymous (and ftp) logins too.
	Anonymous bool
	// EchoPass, when set, answers every PASS with this reply, each "%s" in
	// it replaced by the password received (a server that quotes back what
	// it was sent).
	EchoPass string
	// TLS, when set, offers explicit FTPS (AUTH TLS, PBSZ, PROT; tls.go).
	TLS *tls.Config
	// Files served by LIST and RETR (name -> content).
	Files map[string][]byte
	// Replies overrides the reply to a verb, e.g. {"PORT": "500 Illegal PORT command."}.
	Replies map[string]string
	// PasvAddr, when valid, replaces the address announced in 227 replies
	// (the port is still that of the real data listener).
	PasvAddr netip.Addr
	// PasvPort, when non-zero, replaces the port announced in 227/229
	// replies (truncated to 16 bits: -65536 announces port 0).
	PasvPort int
	// NoDataListen makes passive replies announce a port nobody listens on.
	NoDataListen bool
	// SkipActiveConnect accepts PORT/EPRT but never connects back.
	SkipActiveConnect bool
	// ConnectAtPort connects back as soon as PORT/EPRT arrives and answers
	// only once that attempt has ended, as pyftpdlib and Twisted do:
	// "200 Active data connection established." (pyftpdlib's wording), or
	// "425 Can't connect to specified address." when the connect fails;
	// LIST/RETR then use that connection.
	ConnectAtPort bool
	// PortConnectHang, with ConnectAtPort, makes every such attempt hang
	// this long and fail without a packet reaching the client, as a
	// callback whose SYNs are dropped on the way does: PORT/EPRT are
	// answered with the 425 only then.
	PortConnectHang time.Duration
	// ListenAddr is the loopback address to serve on (default 127.0.0.1);
	// passive data listeners use it too.
	ListenAddr netip.Addr
	// Hostile faults (hostile.go); the zero value behaves.
	Hostile Hostile
	// Pace makes the server slow or serial, as healthy servers can be
	// (pace.go); the zero value serves at once.
	Pace Pace
	// Writable accepts STOR and DELE (store.go); otherwise they get 550.
	Writable bool
	// Stored and Deleted record the names STOR wrote and DELE removed;
	// read them with StoredAndDeleted.
	Stored, Deleted []string

	rt *runtime
}

// runtime is a started server's state, kept apart so Server is plain,
// copyable configuration.
type runtime struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
	done  chan struct{}
	// filesMu guards Server.Files, Stored and Deleted (STOR writes them).
	filesMu sync.Mutex
	pace    *paceState
	// wire is what the control connections received (tls.go).
	wire wire
}

// Start serves s on 127.0.0.1 until the test ends.
func Start(t testing.TB, s *Server) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(s.listenAddr(), 0).String())
	if err != nil {
		t.Fatalf("ftptest: listen: %v", err)
	}
	s.rt = &runtime{ln: ln, conns: map[net.Conn]bool{}, done: make(chan struct{}), pace: newPaceState(s.Pace)}
	s.rt.wg.Add(1)
	go s.serve()
	t.Cleanup(s.rt.close)
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func (s *runtime) close() {
	close(s.done)
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *runtime) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		c.Close()
		return false
	default:
	}
	s.conns[c] = true
	return true
}

func (s *runtime) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *Server) serve() {
	rt := s.rt
	defer rt.wg.Done()
	for {
		c, err := rt.ln.Accept()
		if err != nil {
			return
		}
		if !rt.track(c) {
			return
		}
		rt.wg.Add(1)
		go func() {
			defer rt.wg.Done()
			defer rt.untrack(c)
			(&conn{srv: s, c: c, w: bufio.NewWriter(c)}).run()
		}()
	}
}

// conn is one control connection's state.
type conn struct {
	srv      *Server
	c        net.Conn
	w        *bufio.Writer
	user     string
	loggedIn bool
	pasv     net.Listener
	port     netip.AddrPort
	early    net.Conn   // ConnectAtPort: the connection made at PORT/EPRT
	held     []net.Conn // data connections a hostile fault keeps open
	secure   bool       // the control connection runs TLS (tls.go)
	prot     string     // the PROT level in force ("" or "C": clear)
	// overLimit: this session is beyond Pace.MaxSessions.
	overLimit bool
}

func (k *conn) reply(line string) {
	k.writeReply(line)
}

func (k *conn) run() {
	defer k.closePasv()
	defer k.closeEarly()
	defer k.closeHeld()
	banner := k.srv.Banner
	if banner == "" {
		banner = "220 ftptest ready"
	}
	release, ok := k.admit()
	defer release()
	if !ok {
		return
	}
	if handled, _ := k.limitReply("BANNER"); handled {
		return
	}
	if !k.greet(banner) {
		return
	}
	r := bufio.NewReaderSize(recordingConn{Conn: k.c, w: &k.srv.rt.wire}, 4096)
	for {
		k.c.SetReadDeadline(time.Now().Add(30 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		verb = strings.ToUpper(verb)
		if !k.delay(verb) {
			return
		}
		if handled, keep := k.limitReply(verb); handled {
			if !keep {
				return
			}
			continue
		}
		if verb == "AUTH" {
			var keep bool
			if r, keep = k.startTLS(arg, r); !keep {
				return
			}
			continue
		}
		if handled, keep := k.hostileVerb(verb); handled {
			if !keep {
				return
			}
			continue
		}
		if rep, ok := k.srv.Replies[verb]; ok {
			k.reply(rep)
			if strings.HasPrefix(rep, "421") {
				return // 421 closes the control connection
			}
			continue
		}
		if !k.handle(verb, arg) {
			return
		}
	}
}

func (k *conn) handle(verb, arg string) bool {
	switch verb {
	case "USER":
		k.user = arg
		k.reply("331 Please specify the password.")
	case "PASS":
		if !k.loginCost() {
			return false
		}
		if k.srv.EchoPass != "" {
			k.reply(strings.ReplaceAll(k.srv.EchoPass, "%s", arg))
			return true
		}
		if k.srv.User != "" && !k.anonymousOK() && (k.user != k.srv.User || arg != k.srv.Password) {
			k.reply("530 Login incorrect.")
			return true
		}
		k.loggedIn = true
		k.reply("230 Login successful.")
		if k.srv.Hostile.CloseAfterLogin {
			return false
		}
	case "SYST":
		k.reply("215 UNIX Type: L8")
	case "FEAT":
		k.reply("211-Features:\r\n EPRT\r\n EPSV\r\n PASV\r\n SIZE\r\n211 End")
	case "PBSZ", "PROT":
		k.protect(verb, arg)
	case "TYPE":
		k.reply("200 Switching to Binary mode.")
	case "PASV", "EPSV":
		k.passive(verb)
	case "PORT", "EPRT":
		k.active(verb, arg)
	case "LIST":
		k.transfer(verb, k.listing(), "150 Here comes the directory listing.")
	case "SIZE":
		k.size(arg)
	case "STOR":
		k.store(arg)
	case "DELE":
		k.dele(arg)
	case "RETR":
		data, ok := k.file(arg)
		if !ok {
			k.reply("550 Failed to open file.")
			return true
		}
		k.transfer(verb, data, fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes).", arg, len(data)))
	case "ABOR":
		k.reply("225 No transfer to ABOR.")
	case "NOOP":
		k.reply("200 NOOP ok.")
	case "QUIT":
		k.reply("221 Goodbye.")
		return false
	default:
		k.reply("500 Unknown command.")
	}
	return true
}

func (k *conn) closePasv() {
	if k.pasv != nil {
		k.pasv.Close()
		k.pasv = nil
	}
}

func (k *conn) passive(verb string) {
	k.closePasv()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(k.srv.listenAddr(), 0).String())
	if err != nil {
		k.reply("425 Cannot listen.")
		return
	}
	ap := ln.Addr().(*net.TCPAddr).AddrPort()
	if k.srv.NoDataListen {
		ln.Close()
	} else {
		k.pasv = ln
	}
	if rep, ok := k.pasvReply(verb, ap); ok {
		k.reply(rep)
		return
	}
	port := ap.Port()
	if k.srv.PasvPort != 0 {
		port = uint16(k.srv.PasvPort) // -65536 announces port 0
	}
	if verb == "EPSV" {
		k.reply(ftp.FormatEPSV(port))
		return
	}
	addr := ap.Addr()
	if k.srv.PasvAddr.IsValid() {
		addr = k.srv.PasvAddr
	}
	rep, err := ftp.FormatPASV(netip.AddrPortFrom(addr, port))
	if err != nil {
		k.reply("425 Cannot announce.")
		return
	}
	k.reply(rep)
}

func (k *conn) active(verb, arg string) {
	k.closePasv()
	var ap netip.AddrPort
	var err error
	if verb == "PORT" {
		ap, err = ftp.ParsePORT(arg)
	} else {
		ap, err = ftp.ParseEPRT(arg)
	}
	if err != nil || !ap.Addr().IsLoopback() {
		// A test server never connects anywhere but loopback.
		k.reply(fmt.Sprintf("500 Illegal %s command.", verb))
		return
	}
	k.closeEarly()
	if k.srv.ConnectAtPort {
		k.connectAtPort(ap)
		return
	}
	k.port = ap
	k.reply(fmt.Sprintf("200 %s command successful. Consider using PASV.", verb))
}

// connectAtPort connects to ap at once and answers PORT/EPRT when the
// attempt has ended (ConnectAtPort).
func (k *conn) connectAtPort(ap netip.AddrPort) {
	if d := k.srv.PortConnectHang; d > 0 {
		if k.sleep(d) {
			k.reply("425 Can't connect to specified address.")
		}
		return
	}
	c, err := k.dialActive(ap)
	if err != nil {
		k.reply("425 Can't connect to specified address.")
		return
	}
	k.early = c
	k.reply("200 Active data connection established.")
}

func (k *conn) closeEarly() {
	if k.early != nil {
		k.early.Close()
		k.early = nil
	}
}

func (k *conn) dataConn() (net.Conn, error) {
	if c := k.early; c != nil {
		k.early = nil
		return c, nil
	}
	if k.pasv != nil {
		k.pasv.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
		c, err := k.pasv.Accept()
		k.closePasv()
		return c, err
	}
	if k.port.IsValid() && !k.srv.SkipActiveConnect {
		ap := k.port
		k.port = netip.AddrPort{}
		return k.dialActive(ap)
	}
	if k.port.IsValid() {
		time.Sleep(200 * time.Millisecond)
	}
	return nil, fmt.Errorf("no data connection")
}

// openData opens the data connection the last PASV/PORT set up and sends
// the preliminary reply, or answers 425 when there is none.
func (k *conn) openData(preliminary string) (net.Conn, bool) {
	dc, err := k.dataConn()
	if err != nil {
		k.reply("425 Use PORT or PASV first.")
		return nil, false
	}
	k.reply(preliminary)
	if dc = k.secureData(dc); dc == nil {
		k.reply("522 SSL connection failed.")
		return nil, false
	}
	return dc, true
}

// transfer sends data on the data connection after the preliminary reply
// (vsftpd's wording: RETR names the size).
func (k *conn) transfer(verb string, data []byte, preliminary string) {
	if k.hostileTransfer(verb, data, preliminary) {
		return
	}
	dc, ok := k.openData(preliminary)
	if !ok {
		return
	}
	defer dc.Close()
	dc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := dc.Write(data); err != nil {
		k.reply("426 Failure writing network stream.")
		return
	}
	dc.Close()
	k.reply("226 Transfer complete.")
}

func (k *conn) listing() []byte {
	sizes := k.names()
	var b strings.Builder
	for _, n := range sortedNames(sizes) {
		fmt.Fprintf(&b, "-rw-r--r--    1 0        0        %8d Nov 25 17:00 %s\r\n", sizes[n], n)
	}
	return []byte(b.String())
}

// anonymousOK reports whether the USER given is an anonymous login the
// server accepts.
func (k *conn) anonymousOK() bool {
	return k.srv.Anonymous && (strings.EqualFold(k.user, "anonymous") || strings.EqualFold(k.user, "ftp"))
}

func (s *Server) listenAddr() netip.Addr {
	if s.ListenAddr.IsValid() {
		return s.ListenAddr
	}
	return netip.MustParseAddr("127.0.0.1")
}
