package responder

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/internal/ftptest"
)

// TestTLSRecorded: AUTH TLS and a PROT P data connection that resumes the
// control session are recorded as such.
func TestTLSRecorded(t *testing.T) {
	cert := ftptest.NewTestCert(t)
	ap, _, _ := start(t, Config{Open: true, TLS: cert.Config})
	c := dial(t, ap)
	if rep := c.cmd("AUTH TLS"); rep.Code != 234 {
		t.Fatalf("AUTH TLS: %q", rep.Text())
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(cert.CAPEM)
	ccfg := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	tc := tls.Client(c.conn, ccfg)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.conn, c.r = tc, ftp.NewReader(tc)
	c.login(nil)
	c.cmd("PBSZ 0")
	c.cmd("PROT P")
	port, err := ftp.ParseEPSV(c.cmd("EPSV").Text())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	c.cmd("LIST") // 150
	dc := tls.Client(raw, ccfg)
	if _, err := io.ReadAll(dc); err != nil {
		t.Fatal(err)
	}
	resumed := dc.ConnectionState().DidResume
	if !resumed {
		t.Error("the client did not resume the control session")
	}
	dc.Close()
	c.expect(226)
	r := c.record()
	if r.Control.TLS == nil || r.Control.TLS.Mode != "explicit" || r.Control.TLS.Version == "" {
		t.Errorf("control TLS %+v", r.Control.TLS)
	}
	d := r.Data[0]
	if d.Conn == nil || d.Conn.TLS == nil || d.Conn.TLS.Mode != "data" || d.Conn.TLS.Resumed != resumed {
		t.Errorf("data TLS %+v, client resumed %t", d.Conn, resumed)
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }
