package tlsdecrypt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// chunk is bytes one side wrote, in the order the client saw them.
type chunk struct {
	fromClient bool
	b          []byte
}

// recorder wraps the client's end of a pipe and records both ways.
type recorder struct {
	net.Conn
	mu     *sync.Mutex
	chunks *[]chunk
}

func (r recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	*r.chunks = append(*r.chunks, chunk{true, bytes.Clone(b)})
	r.mu.Unlock()
	return r.Conn.Write(b)
}

func (r recorder) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	if n > 0 {
		r.mu.Lock()
		*r.chunks = append(*r.chunks, chunk{false, bytes.Clone(b[:n])})
		r.mu.Unlock()
	}
	return n, err
}

var (
	certOnce sync.Once
	testCert tls.Certificate
)

func cert(t *testing.T) tls.Certificate {
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ftp.test"},
			NotBefore: time.Unix(0, 0), NotAfter: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC), DNSNames: []string{"ftp.test"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		testCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return testCert
}

// session runs a TLS session between Go's client and server over a pipe:
// the client sends cmds, the server answers each with its reply. It
// returns the wire bytes in the client's order and the key log.
func session(t *testing.T, version, suite uint16, cmds, replies []string) ([]chunk, []byte) {
	t.Helper()
	var keylog bytes.Buffer
	chunks := resumable(t, version, suite, nil, nil, &keylog, cmds, replies)
	return chunks, keylog.Bytes()
}

// resumable is session with a client session cache (nil: none) and a
// server ticket key shared between calls.
func resumable(t *testing.T, version, suite uint16, cache tls.ClientSessionCache, tickets *[32]byte, keylog *bytes.Buffer, cmds, replies []string) []chunk {
	t.Helper()
	var mu sync.Mutex
	var chunks []chunk
	cc, sc := net.Pipe()
	defer cc.Close()
	defer sc.Close()
	cfg := &tls.Config{MinVersion: version, MaxVersion: version, InsecureSkipVerify: true, KeyLogWriter: keylog, ServerName: "ftp.test", ClientSessionCache: cache}
	if suite != 0 {
		cfg.CipherSuites = []uint16{suite}
	}
	client := tls.Client(recorder{cc, &mu, &chunks}, cfg)
	scfg := &tls.Config{Certificates: []tls.Certificate{cert(t)}, MinVersion: version, MaxVersion: version}
	if tickets != nil {
		scfg.SetSessionTicketKeys([][32]byte{*tickets})
	}
	server := tls.Server(sc, scfg)
	done := make(chan error, 1)
	go func() {
		for i, r := range replies {
			if _, err := io.ReadFull(server, make([]byte, len(cmds[i]))); err != nil {
				done <- err
				return
			}
			if _, err := server.Write([]byte(r)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	buf := make([]byte, 4096)
	for _, c := range cmds {
		if _, err := client.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return chunks
}

// feed decrypts the recorded chunks, one byte at a time when split is
// set, and returns the plaintext each way.
func feed(c *Conn, chunks []chunk, split bool) (fromClient, fromServer string) {
	var cl, sv strings.Builder
	for _, ch := range chunks {
		parts := [][]byte{ch.b}
		if split {
			parts = nil
			for i := range ch.b {
				parts = append(parts, ch.b[i:i+1])
			}
		}
		for _, p := range parts {
			out := c.Feed(ch.fromClient, p)
			if ch.fromClient {
				cl.Write(out)
			} else {
				sv.Write(out)
			}
		}
	}
	return cl.String(), sv.String()
}

// Go's crypto/tls client and server, its KeyLogWriter's key log: every
// suite this package reads, both versions, records whole and split.
func TestConnGoTLS(t *testing.T) {
	cmds := []string{"USER ftp\r\n", "PASS s3cret\r\n", "PASV\r\n", strings.Repeat("NOOP\r\n", 4000)}
	replies := []string{"331 Please specify the password.\r\n", "230 Login successful.\r\n", "227 Entering Passive Mode (10,0,0,1,117,48).\r\n", "200 NOOP ok.\r\n"}
	for _, tc := range []struct {
		name           string
		version, suite uint16
		wantSuite      string
	}{
		{"1.2 AES-128-GCM", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
		{"1.2 AES-256-GCM", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
		{"1.2 ChaCha20", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
		{"1.3", tls.VersionTLS13, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunks, kl := session(t, tc.version, tc.suite, cmds, replies)
			keys, err := ParseKeyLog(bytes.NewReader(kl))
			if err != nil {
				t.Fatal(err)
			}
			for _, split := range []bool{false, true} {
				c := NewConn(keys)
				cl, sv := feed(c, chunks, split)
				st := c.Status()
				if st.Stopped != "" {
					t.Fatalf("split %v: stopped: %s", split, st.Stopped)
				}
				if cl != strings.Join(cmds, "") || sv != strings.Join(replies, "") {
					t.Errorf("split %v: client %q...\nserver %q", split, cl[:min(len(cl), 60)], sv)
				}
				if st.Version != map[uint16]string{tls.VersionTLS12: "TLS 1.2", tls.VersionTLS13: "TLS 1.3"}[tc.version] || tc.wantSuite != "" && st.Suite != tc.wantSuite || st.Records < 8 {
					t.Errorf("status %+v", st)
				}
			}
		})
	}
}

// Without the session's secrets, with another session's, and after a
// hole, decryption stops, says why, and returns nothing more.
func TestConnStops(t *testing.T) {
	cmds := []string{"USER ftp\r\n", "PASS s3cret\r\n"}
	replies := []string{"331 Password.\r\n", "230 Logged in.\r\n"}
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		chunks, kl := session(t, version, 0, cmds, replies)
		other, kl2 := session(t, version, 0, cmds, replies)
		_ = other
		// Another session's secrets under this session's client random:
		// the records must not authenticate.
		mine, _ := ParseKeyLog(bytes.NewReader(kl))
		wrong, _ := ParseKeyLog(bytes.NewReader(kl2))
		swapped := &KeyLog{m: map[[32]byte]*secrets{}}
		for r := range mine.m {
			for _, s := range wrong.m {
				swapped.m[r] = s
			}
		}
		unrelated, _ := ParseKeyLog(bytes.NewReader(kl2))
		for _, tc := range []struct {
			name string
			keys *KeyLog
			lose bool
			want string
		}{
			{"no line", unrelated, false, "the key log has no"},
			{"wrong secrets", swapped, false, "did not authenticate"},
			{"hole", mine, true, "lost bytes"},
		} {
			c := NewConn(tc.keys)
			var got strings.Builder
			for i, ch := range chunks {
				if tc.lose && i == len(chunks)/2 {
					c.Lost(ch.fromClient)
				}
				got.Write(c.Feed(ch.fromClient, ch.b))
			}
			st := c.Status()
			if !strings.Contains(st.Stopped, tc.want) {
				t.Errorf("%x %s: stopped %q, want %q", version, tc.name, st.Stopped, tc.want)
			}
			if !tc.lose && got.Len() > 0 {
				t.Errorf("%x %s: plaintext %q", version, tc.name, got.String())
			}
			if strings.Contains(got.String(), "230") && tc.lose {
				t.Errorf("%x %s: read past the hole: %q", version, tc.name, got.String())
			}
		}
	}
}

// Bytes that are not TLS stop the decryption; they never panic.
func TestConnNotTLS(t *testing.T) {
	c := NewConn(&KeyLog{})
	if out := c.Feed(true, []byte("USER ftp\r\n")); out != nil || !strings.Contains(c.Status().Stopped, "not a TLS record") {
		t.Errorf("out %q, status %+v", out, c.Status())
	}
}

// A resumed TLS 1.2 session: Go's client logs the master secret of the
// full handshake only, under the first session's client random. The
// resumed session's records open with that secret, found because its
// keys authenticate them; without the first session's line nothing is
// decrypted and the reason says so.
func TestConnResumed12(t *testing.T) {
	cmds, replies := []string{"LIST\r\n"}, []string{"150 Here it comes.\r\n"}
	cache := tls.NewLRUClientSessionCache(4)
	var tickets [32]byte
	var first, second bytes.Buffer
	resumable(t, tls.VersionTLS12, 0, cache, &tickets, &first, cmds, replies)
	chunks := resumable(t, tls.VersionTLS12, 0, cache, &tickets, &second, cmds, replies)
	if second.Len() != 0 {
		t.Skipf("the client logged the resumed session (%q): nothing to find", second.String())
	}
	// Other sessions' secrets beside it: only the right one authenticates.
	_, other := session(t, tls.VersionTLS12, 0, cmds, replies)
	keys, err := ParseKeyLog(bytes.NewReader(append(append([]byte{}, other...), first.Bytes()...)))
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(keys)
	cl, sv := feed(c, chunks, false)
	if st := c.Status(); st.Stopped != "" || cl != cmds[0] || sv != replies[0] {
		t.Errorf("resumed: %+v, client %q, server %q", st, cl, sv)
	}
	wrong, _ := ParseKeyLog(bytes.NewReader(other))
	c = NewConn(wrong)
	if cl, sv := feed(c, chunks, false); cl != "" || sv != "" || !strings.Contains(c.Status().Stopped, "none of the 1 master secrets") {
		t.Errorf("without the first session's line: %+v, %q %q", c.Status(), cl, sv)
	}
}
