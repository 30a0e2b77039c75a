package probe_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/probe"
)

// ftpsServer is a small FTPS server on loopback: explicit (AUTH TLS) or
// implicit TLS, PBSZ/PROT, EPSV/PASV, LIST and RETR, and vsftpd's
// require_ssl_reuse check on data connections.
type ftpsServer struct {
	implicit bool
	// requireReuse refuses data sessions that did not resume (522).
	requireReuse bool
	// noTLS13Reuse counts no TLS 1.3 data session as resumed: a server
	// whose TLS 1.3 tickets the client cannot use.
	noTLS13Reuse bool
	// forceLogin answers a plain-text USER as vsftpd's
	// force_local_logins_ssl does.
	forceLogin bool
	// noAuth refuses AUTH TLS.
	noAuth bool

	cfg *tls.Config
	ln  net.Listener
	wg  sync.WaitGroup
	mu  sync.Mutex
	log []string // data TLS verdicts
}

type testPKI struct {
	roots *x509.CertPool
	cert  tls.Certificate
}

// newPKI issues a CA and a server certificate for 127.0.0.1 valid until
// notAfter.
func newPKI(t *testing.T, notAfter time.Time) testPKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(48 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "ftps.test"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: notAfter, DNSNames: []string{"ftps.test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	return testPKI{roots: roots, cert: tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}}
}

func (s *ftpsServer) start(t *testing.T, pki testPKI) string {
	t.Helper()
	s.cfg = &tls.Config{Certificates: []tls.Certificate{pki.cert}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return ln.Addr().String()
}

func (s *ftpsServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var conn net.Conn = c
	secure := false
	if s.implicit {
		tc := tls.Server(c, s.cfg)
		if tc.Handshake() != nil {
			return
		}
		conn, secure = tc, true
	}
	r := bufio.NewReader(conn)
	reply := func(line string) { fmt.Fprintf(conn, "%s\r\n", line) }
	reply("220 ftps test")
	var pasv net.Listener
	defer func() {
		if pasv != nil {
			pasv.Close()
		}
	}()
	prot := "C"
	stored := map[string]int{} // STOR name -> size
	// openData accepts the passive data connection, answers 150 and, under
	// PROT P, runs TLS with the reuse check; nil when it failed (replied).
	openData := func() net.Conn {
		if pasv == nil {
			reply("425 Use PORT or PASV first.")
			return nil
		}
		pasv.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
		dc, err := pasv.Accept()
		pasv.Close()
		pasv = nil
		if err != nil {
			reply("425 Failed to establish connection.")
			return nil
		}
		reply("150 Here comes the data.")
		if prot != "P" {
			return dc
		}
		tc := tls.Server(dc, s.cfg)
		dc.SetDeadline(time.Now().Add(5 * time.Second))
		if err := tc.Handshake(); err != nil {
			dc.Close()
			reply("522 SSL connection failed")
			return nil
		}
		st := tc.ConnectionState()
		reused := st.DidResume && !(s.noTLS13Reuse && st.Version == tls.VersionTLS13)
		s.mu.Lock()
		s.log = append(s.log, fmt.Sprintf("%s reused=%v", tls.VersionName(st.Version), reused))
		s.mu.Unlock()
		if s.requireReuse && !reused {
			dc.Close()
			reply("522 SSL connection failed: session reuse required")
			return nil
		}
		return tc
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		switch strings.ToUpper(verb) {
		case "AUTH":
			if s.noAuth || secure {
				reply("502 AUTH not available")
				continue
			}
			reply("234 Proceed with negotiation.")
			tc := tls.Server(c, s.cfg)
			if tc.Handshake() != nil {
				return
			}
			conn, secure, r = tc, true, bufio.NewReader(tc)
		case "USER":
			if s.forceLogin && !secure {
				reply("530 Non-anonymous sessions must use encryption.")
				continue
			}
			reply("331 Please specify the password.")
		case "PASS":
			reply("230 Login successful.")
		case "PBSZ":
			reply("200 PBSZ set to 0.")
		case "PROT":
			prot = arg
			reply("200 PROT now " + arg + ".")
		case "EPSV", "PASV":
			if pasv != nil {
				pasv.Close()
			}
			pasv, _ = net.Listen("tcp", "127.0.0.1:0")
			p := pasv.Addr().(*net.TCPAddr).Port
			if strings.EqualFold(verb, "EPSV") {
				reply(fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", p))
			} else {
				reply(fmt.Sprintf("227 Entering Passive Mode (127,0,0,1,%d,%d).", p>>8, p&255))
			}
		case "LIST", "RETR", "STOR":
			data := openData()
			if data == nil {
				continue
			}
			switch strings.ToUpper(verb) {
			case "LIST":
				fmt.Fprintf(data, "-rw-r--r--    1 0        0              19 Jan 01  2024 small.txt\r\n")
			case "RETR":
				fmt.Fprintf(data, "hello from ftpstest\n")
			case "STOR":
				b, _ := io.ReadAll(io.LimitReader(data, 1<<20))
				stored[arg] = len(b)
			}
			data.Close()
			reply("226 Transfer complete.")
		case "SIZE":
			if n, ok := stored[arg]; ok {
				reply(fmt.Sprintf("213 %d", n))
			} else {
				reply("550 Could not get file size.")
			}
		case "DELE":
			delete(stored, arg)
			reply("250 Delete operation successful.")
		case "QUIT":
			reply("221 Goodbye.")
			return
		case "TYPE", "ABOR":
			reply("200 OK.")
		case "SYST":
			reply("215 UNIX Type: L8")
		case "FEAT":
			reply("211 End")
		default:
			reply("502 Command not implemented.")
		}
	}
}

func runTLS(t *testing.T, url string, tlsOpts probe.TLSOptions) *probe.Result {
	t.Helper()
	return runTLSWith(t, url, tlsOpts, nil)
}

// runTLSWith is runTLS with set changing the options first.
func runTLSWith(t *testing.T, url string, tlsOpts probe.TLSOptions, set func(*probe.Options)) *probe.Result {
	t.Helper()
	tg, _, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	tg.Password, tg.PasswordSource = "s3cret-pw", "env"
	opts := probe.Options{ConnectTimeout: 2 * time.Second, DataTimeout: 2 * time.Second, ReplyTimeout: 3 * time.Second,
		Modes: []probe.Mode{probe.ModeEPSV, probe.ModePASV}, TLS: tlsOpts}
	if set != nil {
		set(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := probe.Run(ctx, tg, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(append([]probe.ModeResult{}, res.Modes...), res.Plain...) {
		for _, ex := range m.Transcript {
			if strings.Contains(ex.Command, "s3cret-pw") {
				t.Errorf("%s transcript shows the password: %q", m.Mode, ex.Command)
			}
		}
	}
	return res
}

func wantTLSWorks(t *testing.T, res *probe.Result, version string) {
	t.Helper()
	for _, m := range res.Modes {
		if !m.Works || m.TLS == nil || m.TLS.Level != "P" || m.Retr == nil || !m.Retr.Step.OK() {
			t.Errorf("%s: works=%v tls=%+v list=%+v retr=%+v", m.Mode, m.Works, m.TLS, m.List.Step, m.Retr)
			continue
		}
		for _, dc := range []*probe.DataConn{&m.ListData, m.RetrData} {
			if dc.TLS == nil || !dc.TLS.Resumed || dc.TLS.Version != version {
				t.Errorf("%s data TLS = %+v, want resumed %s", m.Mode, dc.TLS, version)
			}
		}
	}
}

func TestTLSExplicitDataSessionsResume(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{requireReuse: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{RootCAs: pki.roots, RootsName: "test CA"})
	wantTLSWorks(t, res, "TLS 1.3")
	tr := res.TLS
	if tr == nil || tr.Mode != probe.TLSExplicit || tr.Auth == nil || tr.Auth.Code != 234 || tr.Fallback != "" {
		t.Fatalf("TLS = %+v", tr)
	}
	c := tr.Certificate
	if c == nil || !c.Valid() || c.Subject != "CN=ftps.test" || c.Issuer != "CN=test CA" || c.ServerName != "127.0.0.1" ||
		len(c.IPAddresses) != 1 || c.Roots != "test CA" {
		t.Errorf("certificate = %+v", c)
	}
	if len(res.Plain) != 0 {
		t.Errorf("explicit run has a plain comparison: %+v", res.Plain)
	}
}

// TestTLSDataHandshakeKeptWhole: under PROT P each data connection is
// announced to OnDataTLS (a capture keeps it whole) before its handshake,
// by its own local address, and released once; under PROT C none is.
func TestTLSDataHandshakeKeptWhole(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	for _, tt := range []struct {
		prot string
		want int // data connections announced: LIST and RETR per mode
	}{{probe.ProtPrivate, 4}, {probe.ProtClear, 0}} {
		s := &ftpsServer{requireReuse: true}
		addr := s.start(t, pki)
		var mu sync.Mutex
		released := map[netip.AddrPort]int{}
		res := runTLSWith(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{RootCAs: pki.roots, Prot: tt.prot}, func(o *probe.Options) {
			o.OnDataTLS = func(local netip.AddrPort) func() {
				mu.Lock()
				defer mu.Unlock()
				if _, dup := released[local]; dup || !local.Addr().IsLoopback() {
					t.Errorf("PROT %s: announced %v (again, or not the local address)", tt.prot, local)
				}
				released[local] = 0
				return func() { mu.Lock(); released[local]++; mu.Unlock() }
			}
		})
		for _, m := range res.Modes {
			if !m.Works {
				t.Errorf("PROT %s %s: does not work: %+v", tt.prot, m.Mode, m.List.Step)
			}
		}
		mu.Lock()
		if len(released) != tt.want {
			t.Errorf("PROT %s: %d data connections announced, want %d", tt.prot, len(released), tt.want)
		}
		for a, n := range released {
			if n != 1 {
				t.Errorf("PROT %s: %v released %d times, want 1", tt.prot, a, n)
			}
		}
		mu.Unlock()
	}
}

func TestTLS13WithoutReuseFallsBackToTLS12(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{requireReuse: true, noTLS13Reuse: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{RootCAs: pki.roots})
	wantTLSWorks(t, res, "TLS 1.2")
	if res.TLS.Fallback == "" || res.TLS.Version != "TLS 1.2" || len(res.Notes) == 0 {
		t.Errorf("TLS = %+v, notes %q: want a TLS 1.2 fallback with a note", res.TLS, res.Notes)
	}
}

// TestTLS13FallbackUploadUsesTLS12: the upload runs after the TLS 1.2
// retry and must use what the retry learnt, not TLS 1.3 again (which the
// server refuses on data connections).
func TestTLS13FallbackUploadUsesTLS12(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{requireReuse: true, noTLS13Reuse: true}
	addr := s.start(t, pki)
	tg, _, err := probe.ParseTarget("ftpes://alice@" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	tg.Password, tg.PasswordSource = "s3cret-pw", "env"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := probe.Run(ctx, tg, probe.Options{ConnectTimeout: 2 * time.Second, DataTimeout: 2 * time.Second, ReplyTimeout: 3 * time.Second,
		Modes: []probe.Mode{probe.ModeEPSV}, Upload: true, TLS: probe.TLSOptions{RootCAs: pki.roots}})
	if err != nil {
		t.Fatal(err)
	}
	if res.TLS.Fallback == "" {
		t.Fatalf("no TLS 1.2 fallback: %+v", res.TLS)
	}
	u := res.Upload
	if u == nil || !u.OK() || u.Data.TLS == nil || u.Data.TLS.Version != "TLS 1.2" {
		t.Fatalf("upload = %+v (data TLS %+v)", u, u.Data.TLS)
	}
}

func TestTLS13WithoutReusePinnedReportsResumption(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{requireReuse: true, noTLS13Reuse: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{RootCAs: pki.roots, MaxVersion: tls.VersionTLS13})
	m := res.Mode(probe.ModeEPSV)
	if m.Works || m.ListData.TLS == nil || m.ListData.TLS.Handshake.Outcome != probe.OutcomeTLSResumption || m.List.Final == nil || m.List.Final.Code != 522 {
		t.Errorf("EPSV = works %v data TLS %+v final %v, want tls-resumption and 522", m.Works, m.ListData.TLS, m.List.Final)
	}
	if res.TLS.Fallback != "" {
		t.Errorf("fallback %q with the version pinned", res.TLS.Fallback)
	}
}

func TestTLSImplicit(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{implicit: true, requireReuse: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftps://alice@"+addr+"/", probe.TLSOptions{RootCAs: pki.roots})
	wantTLSWorks(t, res, "TLS 1.3")
	if res.TLS.Mode != probe.TLSImplicit || res.TLS.Auth != nil {
		t.Errorf("TLS = %+v", res.TLS)
	}
}

func TestTLSProtClearDataInPlainText(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{}
	addr := s.start(t, pki)
	res := runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{RootCAs: pki.roots, Prot: probe.ProtClear})
	for _, m := range res.Modes {
		if !m.Works || m.TLS == nil || m.TLS.Level != "C" || m.ListData.TLS != nil {
			t.Errorf("%s: works=%v tls=%+v data tls=%+v", m.Mode, m.Works, m.TLS, m.ListData.TLS)
		}
	}
}

func TestTLSUntrustedCertificate(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{requireReuse: true}
	addr := s.start(t, pki)
	// System roots do not know the test CA.
	res := runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{})
	m := res.Mode(probe.ModeEPSV)
	if m.TLS == nil || m.TLS.Handshake.Outcome != probe.OutcomeTLSCertificate || m.Login.Ran() {
		t.Errorf("EPSV TLS = %+v, login %+v: want tls-certificate and no login", m.TLS, m.Login)
	}
	if c := res.TLS.Certificate; c == nil || c.Trusted || !c.NameMatches || c.Roots != "system" || c.VerifyError == "" {
		t.Errorf("certificate = %+v", c)
	}
	res = runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{Insecure: true})
	wantTLSWorks(t, res, "TLS 1.3")
}

func TestTLSExpiredCertificateInsecureStillResumes(t *testing.T) {
	pki := newPKI(t, time.Now().Add(-time.Hour))
	s := &ftpsServer{requireReuse: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{RootCAs: pki.roots, Insecure: true})
	wantTLSWorks(t, res, "TLS 1.3")
	if c := res.TLS.Certificate; c == nil || !c.Expired || !c.Trusted || c.Valid() {
		t.Errorf("certificate = %+v", c)
	}
}

func TestTLSAutoComparesPassiveInPlainText(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{requireReuse: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftp://alice@"+addr+"/", probe.TLSOptions{Mode: probe.TLSAuto, RootCAs: pki.roots})
	wantTLSWorks(t, res, "TLS 1.3")
	if res.TLS.Requested != probe.TLSAuto || res.TLS.Mode != probe.TLSExplicit {
		t.Errorf("TLS = %+v", res.TLS)
	}
	if len(res.Plain) != 2 {
		t.Fatalf("plain comparison has %d modes, want EPSV and PASV", len(res.Plain))
	}
	for _, p := range res.Plain {
		if !p.Works || p.TLS != nil {
			t.Errorf("plain %s: works=%v tls=%+v", p.Mode, p.Works, p.TLS)
		}
	}
}

func TestTLSAutoNotOfferedRunsPlain(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{noAuth: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftp://alice@"+addr+"/", probe.TLSOptions{Mode: probe.TLSAuto})
	if res.TLS == nil || res.TLS.Mode != probe.TLSOff || res.TLS.Auth == nil || res.TLS.Auth.Code != 502 || len(res.Plain) != 0 {
		t.Fatalf("TLS = %+v, plain %d", res.TLS, len(res.Plain))
	}
	for _, m := range res.Modes {
		if !m.Works || m.TLS != nil {
			t.Errorf("%s: works=%v tls=%+v", m.Mode, m.Works, m.TLS)
		}
	}
	if got := res.Mode(probe.ModePASV).Transcript; len(got) > 1 && strings.HasPrefix(got[1].Command, "AUTH") {
		t.Errorf("PASV asked AUTH TLS again after the lead learnt it is not offered")
	}
}

func TestTLSExplicitRefusedAuth(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{noAuth: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftpes://alice@"+addr+"/", probe.TLSOptions{})
	m := res.Mode(probe.ModeEPSV)
	if m.TLS == nil || m.TLS.Handshake.Outcome != probe.OutcomeReply || m.Login.Ran() {
		t.Errorf("EPSV TLS = %+v login %+v", m.TLS, m.Login)
	}
}

func TestPlainLoginRefusedForTLSIsTLSRequired(t *testing.T) {
	pki := newPKI(t, time.Now().Add(24*time.Hour))
	s := &ftpsServer{forceLogin: true}
	addr := s.start(t, pki)
	res := runTLS(t, "ftp://alice@"+addr+"/", probe.TLSOptions{Mode: probe.TLSOff})
	m := res.Mode(probe.ModeEPSV)
	if m.Login.Outcome != probe.OutcomeTLSRequired || m.Login.Reply == nil || m.Login.Reply.Code != 530 {
		t.Errorf("login = %+v, want tls-required with the 530", m.Login)
	}
	if res.TLS != nil {
		t.Errorf("plain run has a TLS result: %+v", res.TLS)
	}
}

func TestTLSSchemes(t *testing.T) {
	for _, c := range []struct {
		url  string
		port int
	}{{"ftps://h/", 990}, {"ftpes://h/", 21}, {"ftps://h:2990/", 2990}} {
		tg, _, err := probe.ParseTarget(c.url)
		if err != nil || tg.Port != c.port {
			t.Errorf("%s: port %d err %v, want %d", c.url, tg.Port, err, c.port)
		}
	}
	tg, _, _ := probe.ParseTarget("ftps://127.0.0.1:1/")
	if _, err := probe.Run(context.Background(), tg, probe.Options{TLS: probe.TLSOptions{Mode: probe.TLSExplicit}}); err == nil {
		t.Errorf("ftps:// with --tls explicit: no error")
	}
	for _, s := range []string{"auto", "OFF", "explicit", "implicit"} {
		if _, err := probe.ParseTLSMode(s); err != nil {
			t.Errorf("ParseTLSMode(%q): %v", s, err)
		}
	}
	if _, err := probe.ParseTLSMode("starttls"); err == nil {
		t.Errorf("ParseTLSMode(starttls): no error")
	}
}

func TestParseProtAndTLSMax(t *testing.T) {
	prot := map[string]string{"": probe.ProtPrivate, "p": probe.ProtPrivate, "P": probe.ProtPrivate, " c ": probe.ProtClear}
	for in, want := range prot {
		if got, err := probe.ParseProt(in); err != nil || got != want {
			t.Errorf("probe.ParseProt(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := probe.ParseProt("S"); err == nil {
		t.Error("ParseProt(S) accepted")
	}
	max := map[string]uint16{"": 0, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}
	for in, want := range max {
		if got, err := probe.ParseTLSMax(in); err != nil || got != want {
			t.Errorf("probe.ParseTLSMax(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"1.1", "1.0", "tls13"} {
		if _, err := probe.ParseTLSMax(bad); err == nil {
			t.Errorf("probe.ParseTLSMax(%q) accepted", bad)
		}
	}
}
