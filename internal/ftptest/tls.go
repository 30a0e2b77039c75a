package ftptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Explicit FTPS for the fixture: with Server.TLS set, AUTH TLS upgrades the
// control connection (RFC 4217), PBSZ and PROT are accepted, and under
// PROT P every data connection runs TLS after the preliminary reply. Every
// byte the server reads from a control connection is kept as it crossed
// the wire (ciphertext once TLS is up), so tests can assert on what was
// sent in clear.

// maxWire bounds the recorded control bytes of one server.
const maxWire = 1 << 20

// TestCert is a CA and a server certificate for 127.0.0.1 issued by it.
type TestCert struct {
	// Config serves the certificate; put it in Server.TLS.
	Config *tls.Config
	// CAPEM is the CA certificate, PEM-encoded (for --ca-file).
	CAPEM []byte
}

// NewTestCert issues a throwaway CA and a certificate for 127.0.0.1 and
// localhost, valid from a day ago to a day ahead.
func NewTestCert(t testing.TB) TestCert {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ftptest: CA key: %v", err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ftptest CA"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("ftptest: CA certificate: %v", err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ftptest: key: %v", err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "ftptest"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(24 * time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatalf("ftptest: certificate: %v", err)
	}
	return TestCert{
		Config: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der, caDER}, PrivateKey: key}}},
		CAPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
	}
}

// wire records what control connections received, bounded by maxWire.
type wire struct {
	mu  sync.Mutex
	buf []byte
}

func (w *wire) add(b []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := maxWire - len(w.buf); room > 0 {
		w.buf = append(w.buf, b[:min(len(b), room)]...)
	}
}

// recordingConn keeps a copy of every byte read from the connection.
type recordingConn struct {
	net.Conn
	w *wire
}

func (c recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.w.add(b[:n])
	return n, err
}

// Received returns every byte the server read on its control connections
// so far, as it crossed the wire (at most 1 MiB).
func (s *Server) Received() []byte {
	s.rt.wire.mu.Lock()
	defer s.rt.wire.mu.Unlock()
	return append([]byte(nil), s.rt.wire.buf...)
}

// startTLS answers AUTH TLS: 234 and a server handshake on the control
// connection. It returns the reader to go on with, or nil when the
// connection should end.
func (k *conn) startTLS(arg string, r *bufio.Reader) (*bufio.Reader, bool) {
	if k.srv.TLS == nil || k.secure || !strings.EqualFold(strings.TrimSpace(arg), "TLS") {
		k.reply("504 AUTH TLS not available.")
		return r, true
	}
	k.reply("234 Proceed with negotiation.")
	tc := tls.Server(recordingConn{Conn: k.c, w: &k.srv.rt.wire}, k.srv.TLS)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		return nil, false
	}
	tc.SetDeadline(time.Time{})
	k.c, k.w, k.secure = tc, bufio.NewWriter(tc), true
	return bufio.NewReaderSize(tc, 4096), true
}

// protect answers PBSZ and PROT (only under TLS).
func (k *conn) protect(verb, arg string) {
	if !k.secure {
		k.reply("503 " + verb + " not allowed on insecure control connection.")
		return
	}
	if verb == "PBSZ" {
		k.reply("200 PBSZ set to 0.")
		return
	}
	switch p := strings.ToUpper(strings.TrimSpace(arg)); p {
	case "P", "C":
		k.prot = p
		k.reply("200 PROT now " + p + ".")
	default:
		k.reply("504 Unsupported PROT level.")
	}
}

// secureData runs TLS on a data connection under PROT P; nil when the
// handshake failed (the connection is closed).
func (k *conn) secureData(dc net.Conn) net.Conn {
	if k.prot != "P" || k.srv.TLS == nil {
		return dc
	}
	tc := tls.Server(dc, k.srv.TLS)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		dc.Close()
		return nil
	}
	tc.SetDeadline(time.Time{})
	return tc
}
