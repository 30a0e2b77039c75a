package monitor

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ftpdiag/ftpdiag/probe"
)

// maxPasswordFileBytes bounds a password file.
const maxPasswordFileBytes = 4096

// options turns the module into probe options (without the network seams
// and hooks, which the runner adds) and checks every field.
func (m Module) options() (probe.Options, error) {
	o := probe.Options{
		ConnectTimeout:   time.Duration(m.ConnectTimeout),
		DataTimeout:      time.Duration(m.DataTimeout),
		ReplyTimeout:     time.Duration(m.ReplyTimeout),
		RunTimeout:       time.Duration(m.Timeout),
		TrustPasvAddress: m.TrustPasvAddress,
		Upload:           m.Upload,
		RetrBytes:        m.RetrBytes,
		PasvSamples:      m.PasvSamples,
	}
	if m.PasvSamples < 0 || m.PasvSamples > 50 {
		return o, fmt.Errorf("pasv_samples %d: want 0 to 50", m.PasvSamples)
	}
	if m.PasvSamples == 0 {
		o.PasvSamples = -1 // none beyond the transfers: a scrape stays short
	}
	if m.RetrBytes < 0 {
		return o, fmt.Errorf("retr_bytes %d: want a positive size", m.RetrBytes)
	}
	for _, s := range m.Modes {
		mode := probe.Mode(strings.ToUpper(strings.TrimSpace(s)))
		if !knownMode(mode) {
			return o, fmt.Errorf("modes: unknown mode %q (want EPSV, PASV, EPRT, PORT)", s)
		}
		o.Modes = append(o.Modes, mode)
	}
	var err error
	if o.TLS, err = m.tlsOptions(); err != nil {
		return o, err
	}
	if m.PasswordFile != "" && m.User == "" {
		return o, errors.New("password_file without user: name the user it belongs to")
	}
	if strings.ContainsAny(m.User+m.Path, "\r\n\x00@?#") {
		return o, errors.New("user or path holds a control character or one of @ ? #")
	}
	if m.Path != "" && !strings.HasPrefix(m.Path, "/") {
		return o, fmt.Errorf("path %q: want an absolute path (/pub/ or /pub/file.bin)", m.Path)
	}
	return o, nil
}

func knownMode(m probe.Mode) bool {
	for _, k := range probe.AllModes {
		if m == k {
			return true
		}
	}
	return false
}

func (m Module) tlsOptions() (probe.TLSOptions, error) {
	var o probe.TLSOptions
	mode := m.TLS
	if mode == "none" {
		mode = string(probe.TLSOff)
	}
	if mode == "" {
		mode = string(probe.TLSAuto)
	}
	tm, err := probe.ParseTLSMode(mode)
	if err != nil {
		return o, fmt.Errorf("tls: %w (none is off)", err)
	}
	o.Mode = tm
	if o.Prot, err = probe.ParseProt(m.Prot); err != nil {
		return o, fmt.Errorf("prot: %w", err)
	}
	if o.MaxVersion, err = probe.ParseTLSMax(m.TLSMax); err != nil {
		return o, fmt.Errorf("tls_max: %w", err)
	}
	o.Insecure = m.Insecure
	if m.CAFile != "" {
		if _, err := os.Stat(m.CAFile); err != nil {
			return o, fmt.Errorf("ca_file: %w", err)
		}
	}
	return o, nil
}

// scheme is the URL scheme for the module's TLS mode: the probe reads
// explicit and implicit TLS from it too.
func (m Module) scheme() string {
	switch m.TLS {
	case "explicit":
		return "ftpes"
	case "implicit":
		return "ftps"
	}
	return "ftp"
}

// target builds the probe's target from a scrape's target parameter
// (HOST or HOST:PORT, [V6] or [V6]:PORT) and the module. It reads the
// password file, so a rotated password is picked up on the next scrape.
func (m Module) target(hostPort string) (probe.Target, error) {
	host, port, err := splitTarget(hostPort)
	if err != nil {
		return probe.Target{}, err
	}
	raw := m.scheme() + "://" + joinHost(host, port) + m.Path
	if m.User != "" {
		raw = m.scheme() + "://" + urlUser(m.User) + "@" + joinHost(host, port) + m.Path
	}
	t, _, err := probe.ParseTarget(raw)
	if err != nil {
		return probe.Target{}, err
	}
	if m.PasswordFile != "" {
		pw, err := readPasswordFile(m.PasswordFile)
		if err != nil {
			return probe.Target{}, err
		}
		t.Password, t.PasswordSource = pw, "file"
		return t, nil
	}
	err = probe.ResolvePassword(&t, probe.Credentials{})
	return t, err
}

// splitTarget checks a scrape's target parameter: a host and an optional
// port, nothing else (no scheme, user, path or query: those belong to the
// module, so a scrape cannot smuggle them in).
func splitTarget(s string) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("no target: want ?target=HOST[:PORT]")
	}
	if len(s) > 300 || strings.ContainsAny(s, "/@?#\\ \t\r\n\x00%") {
		return "", 0, fmt.Errorf("target %q: want HOST or HOST:PORT", clip(s))
	}
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		host, portStr = strings.Trim(s, "[]"), ""
	}
	port := 0
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 1 || p > 65535 {
			return "", 0, fmt.Errorf("target %q: port out of range 1-65535", clip(s))
		}
		port = p
	}
	if host == "" {
		return "", 0, fmt.Errorf("target %q: no host", clip(s))
	}
	return host, port, nil
}

func joinHost(host string, port int) string {
	if port == 0 {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// urlUser percent-encodes the characters a URL's user part cannot hold.
func urlUser(u string) string {
	r := strings.NewReplacer("%", "%25", ":", "%3A", "/", "%2F")
	return r.Replace(u)
}

func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password_file: %w", err)
	}
	defer f.Close()
	buf := make([]byte, maxPasswordFileBytes+1)
	n, _ := io.ReadFull(f, buf)
	if n > maxPasswordFileBytes {
		return "", fmt.Errorf("password_file %s: longer than %d bytes", path, maxPasswordFileBytes)
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	pw := strings.TrimRight(line, "\r")
	if pw == "" {
		return "", fmt.Errorf("password_file %s: empty first line", path)
	}
	return pw, nil
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
