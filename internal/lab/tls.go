//go:build linux

package lab

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ServerName is the DNS name in the lab certificate (besides the server's
// addresses). Nothing resolves it: it only exists in the certificate.
const ServerName = "ftp.lab.test"

// ImplicitPort is the control port of implicit FTPS.
const ImplicitPort = 990

// VsftpdTLS turns on FTPS in the lab's vsftpd (ssl_enable=YES) with a
// certificate issued by a CA the lab generates (Lab.CAFile). Its zero value
// is explicit TLS, optional for logins and data, require_ssl_reuse=YES,
// TLS allowed for anonymous sessions.
type VsftpdTLS struct {
	// Implicit runs implicit FTPS on ImplicitPort (implicit_ssl=YES).
	Implicit bool
	// NoReuse sets require_ssl_reuse=NO (vsftpd's default is YES).
	NoReuse bool
	// ForceLogins sets force_local_logins_ssl=YES: plain-text logins of
	// local users get "530 Non-anonymous sessions must use encryption.".
	ForceLogins bool
	// ForceData sets force_local_data_ssl=YES (PROT P required).
	ForceData bool
	// Expired issues a certificate whose validity ended yesterday.
	Expired bool
	// WrongName issues a certificate for another name only.
	WrongName bool
}

// labCA is the lab's certificate authority, made once per process.
type labCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	pem  []byte
}

var (
	caOnce sync.Once
	ca     *labCA
	caErr  error
)

// rsaBits is the key size: vsftpd 3.0.3 loads its key as rsa_private_key_file;
// 2048 bits is the smallest size current OpenSSL security levels accept.
const rsaBits = 2048

func getCA() (*labCA, error) {
	caOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			caErr = fmt.Errorf("lab CA key: %w", err)
			return
		}
		now := time.Now()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "ftpdiag lab CA", Organization: []string{"ftpdiag test lab"}},
			// Valid long before the expired server certificate was issued.
			NotBefore:             now.Add(-365 * 24 * time.Hour),
			NotAfter:              now.Add(365 * 24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			caErr = fmt.Errorf("lab CA certificate: %w", err)
			return
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			caErr = fmt.Errorf("lab CA certificate: %w", err)
			return
		}
		ca = &labCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	})
	return ca, caErr
}

// issue makes the server certificate and key (PEM).
func (c *labCA) issue(t VsftpdTLS) (certPEM, keyPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, nil, fmt.Errorf("lab server key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: ServerName, Organization: []string{"ftpdiag test lab"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{ServerName},
		IPAddresses: []net.IP{serverAddr.AsSlice(), serverAddr6.AsSlice(),
			sgwWAN.AsSlice(), sgwWAN6.AsSlice()},
	}
	if t.Expired {
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-30*24*time.Hour), now.Add(-24*time.Hour)
	}
	if t.WrongName {
		tmpl.Subject.CommonName = "other.example"
		tmpl.DNSNames, tmpl.IPAddresses = []string{"other.example"}, nil
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		return nil, nil, fmt.Errorf("lab server certificate: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return certPEM, keyPEM, nil
}

// writeTLSFiles writes the CA (Lab.CAFile), the server certificate and
// its key into the lab's temp dir when the config asks for TLS.
func (l *Lab) writeTLSFiles() error {
	t := l.cfg.Vsftpd.TLS
	if l.cfg.ResponderTLS {
		t = &VsftpdTLS{}
	}
	if t == nil {
		return nil
	}
	c, err := getCA()
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := c.issue(*t)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{{"ca.pem", c.pem, 0o644}, {"server.pem", certPEM, 0o644}, {"server.key", keyPEM, 0o600}}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(l.base, f.name), f.data, f.mode); err != nil {
			return fmt.Errorf("lab TLS files: %w", err)
		}
	}
	l.CAFile = filepath.Join(l.base, "ca.pem")
	return nil
}

// tlsConfLines are the vsftpd.conf lines for Config.Vsftpd.TLS.
func (l *Lab) tlsConfLines() []string {
	t := l.cfg.Vsftpd.TLS
	if t == nil {
		return nil
	}
	lines := []string{
		"ssl_enable=YES",
		"rsa_cert_file=" + filepath.Join(l.base, "server.pem"),
		"rsa_private_key_file=" + filepath.Join(l.base, "server.key"),
		// vsftpd 3.0.3's default is DES-CBC3-SHA, which Go does not offer.
		"ssl_ciphers=HIGH",
		"ssl_sslv2=NO",
		"ssl_sslv3=NO",
		"ssl_tlsv1=YES",
		"allow_anon_ssl=YES",
		"force_anon_logins_ssl=NO",
		"force_anon_data_ssl=NO",
		"require_ssl_reuse=" + yesNo(!t.NoReuse),
		"force_local_logins_ssl=" + yesNo(t.ForceLogins),
		"force_local_data_ssl=" + yesNo(t.ForceData),
		// debug_ssl logs each data connection's session-reuse verdict;
		// vsftpd logs only with xferlog_enable.
		"debug_ssl=YES",
		"xferlog_enable=YES",
	}
	if t.Implicit {
		lines = append(lines, "implicit_ssl=YES", fmt.Sprintf("listen_port=%d", ImplicitPort))
	}
	return lines
}

// ControlPort is the port vsftpd answers on: 21, or ImplicitPort for
// implicit FTPS.
func (l *Lab) ControlPort() int {
	if t := l.cfg.Vsftpd.TLS; t != nil && t.Implicit {
		return ImplicitPort
	}
	return 21
}

// startupBanner reads the greeting from the server namespace, through TLS
// for implicit FTPS (the certificate is not checked: this only waits for
// vsftpd to be up).
func (l *Lab) startupBanner(addr string) (string, error) {
	if l.ControlPort() != ImplicitPort {
		return l.banner(l.ServerNS, addr, time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := l.DialContext(ctx, l.ServerNS, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	_ = c.SetDeadline(dl)
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // readiness check only
	line, err := bufio.NewReader(tc).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// VsftpdLog returns vsftpd's log (vsftpd_log_file; with TLS, debug_ssl=YES
// adds each data connection's "SSL session reuse" verdict).
func (l *Lab) VsftpdLog() string {
	b, _ := os.ReadFile(filepath.Join(l.base, "vsftpd.log"))
	return string(b)
}
