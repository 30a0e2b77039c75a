package monitor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"empty", "", "empty configuration"},
		{"no modules", "allowed_targets: [a.example]\n", "no modules"},
		{"unknown top key", "allowed_targets: [a.example]\nmodulez: {}\nmodules: {default: {}}\n", "modulez"},
		{"unknown module key", "allowed_targets: [a.example]\nmodules: {default: {pasword_file: x}}\n", "pasword_file"},
		{"inline password refused", "allowed_targets: [a.example]\nmodules: {default: {user: u, password: x}}\n", "password"},
		{"no allow-list", "modules: {default: {}}\n", "no allowed_targets"},
		{"bad allow rule", "allowed_targets: ['ftp example']\nmodules: {default: {}}\n", "not a host name"},
		{"bad duration", "allowed_targets: [a.example]\nmodules: {default: {timeout: soon}}\n", "bad duration"},
		{"negative duration", "allowed_targets: [a.example]\nmodules: {default: {timeout: -5s}}\n", "bad duration"},
		{"bad mode", "allowed_targets: [a.example]\nmodules: {default: {modes: [EPSV, SPDY]}}\n", "unknown mode"},
		{"bad tls", "allowed_targets: [a.example]\nmodules: {default: {tls: sometimes}}\n", "tls"},
		{"bad tls_max", "allowed_targets: [a.example]\nmodules: {default: {tls_max: '1.1'}}\n", "tls_max"},
		{"password file without user", "allowed_targets: [a.example]\nmodules: {default: {password_file: /x}}\n", "without user"},
		{"relative path", "allowed_targets: [a.example]\nmodules: {default: {path: pub/}}\n", "absolute path"},
		{"user with @", "allowed_targets: [a.example]\nmodules: {default: {user: 'a@b'}}\n", "user or path"},
		{"concurrency", "allowed_targets: [a.example]\nmax_concurrent_probes: -1\nmodules: {default: {}}\n", "max_concurrent_probes"},
		{"not yaml", "\x00\x01{{{", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml))
			if err == nil {
				t.Fatalf("accepted: %q", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig([]byte("allowed_targets: [ftp.example.net]\nmodules: {default: {}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxConcurrentProbes != DefaultMaxConcurrent {
		t.Errorf("max_concurrent_probes = %d, want %d", c.MaxConcurrentProbes, DefaultMaxConcurrent)
	}
	o, err := c.Modules["default"].options()
	if err != nil {
		t.Fatal(err)
	}
	if o.Modes != nil || o.RunTimeout != 0 || o.PasvSamples != -1 || o.TLS.Mode != "auto" {
		t.Errorf("default module options = modes %v, timeout %v, samples %d, tls %q", o.Modes, o.RunTimeout, o.PasvSamples, o.TLS.Mode)
	}
}

func TestParseConfigModule(t *testing.T) {
	y := `allowed_targets: ["10.0.0.0/8"]
modules:
  ftps:
    tls: explicit
    user: monitor
    password_file: /etc/ftpdiag/pw
    modes: [epsv, PASV]
    connect_timeout: 3
    data_timeout: 1500ms
    timeout: 1m
    path: /pub/probe.bin
`
	c, err := ParseConfig([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Modules["ftps"]
	o, err := m.options()
	if err != nil {
		t.Fatal(err)
	}
	if o.ConnectTimeout != 3*time.Second || o.DataTimeout != 1500*time.Millisecond || o.RunTimeout != time.Minute {
		t.Errorf("timeouts %v %v %v", o.ConnectTimeout, o.DataTimeout, o.RunTimeout)
	}
	if len(o.Modes) != 2 || o.Modes[0] != "EPSV" || o.Modes[1] != "PASV" {
		t.Errorf("modes %v", o.Modes)
	}
	if m.scheme() != "ftpes" {
		t.Errorf("scheme %q", m.scheme())
	}
}

func TestAllowed(t *testing.T) {
	c, err := ParseConfig([]byte(`allowed_targets: [ftp.example.net, "*.example.org", "192.0.2.0/24", "2001:db8::1"]
modules: {default: {}}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"ftp.example.net":      true,
		"FTP.Example.NET":      true,
		"www.example.net":      false,
		"a.example.org":        true,
		"a.b.example.org":      true,
		"example.org":          false,
		"evilexample.org":      false,
		"192.0.2.77":           true,
		"192.0.3.1":            false,
		"2001:db8::1":          true,
		"2001:db8::2":          false,
		"::ffff:192.0.2.5":     true,
		"192.0.2.77.evil.test": false,
	}
	for host, want := range cases {
		if got := c.allowed(host); got != want {
			t.Errorf("allowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSplitTarget(t *testing.T) {
	cases := []struct {
		in   string
		host string
		port int
		bad  bool
	}{
		{in: "ftp.example.net", host: "ftp.example.net"},
		{in: "ftp.example.net:2121", host: "ftp.example.net", port: 2121},
		{in: "192.0.2.1:21", host: "192.0.2.1", port: 21},
		{in: "[2001:db8::1]:21", host: "2001:db8::1", port: 21},
		{in: "2001:db8::1", host: "2001:db8::1"},
		{in: "", bad: true},
		{in: "ftp://ftp.example.net", bad: true},
		{in: "user@ftp.example.net", bad: true},
		{in: "ftp.example.net/etc", bad: true},
		{in: "ftp.example.net:0", bad: true},
		{in: "ftp.example.net:99999", bad: true},
		{in: "a b", bad: true},
		{in: "ftp.example.net%0d%0aPASS", bad: true},
	}
	for _, c := range cases {
		host, port, err := splitTarget(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("splitTarget(%q) accepted", c.in)
			}
			continue
		}
		if err != nil || host != c.host || port != c.port {
			t.Errorf("splitTarget(%q) = %q %d %v", c.in, host, port, err)
		}
	}
}

func TestModuleTargetPasswordFile(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := Module{TLS: "implicit", User: "mon:itor", PasswordFile: pw, Path: "/pub/"}
	tg, err := m.target("[2001:db8::1]")
	if err != nil {
		t.Fatal(err)
	}
	if tg.Password != "s3cret" || tg.PasswordSource != "file" || tg.User != "mon:itor" || tg.Port != 990 || tg.Path != "/pub/" {
		t.Errorf("target %+v", tg)
	}
	if strings.Contains(tg.URL, "s3cret") {
		t.Errorf("URL holds the password: %s", tg.URL)
	}
	if err := os.WriteFile(pw, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.target("ftp.example.net"); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty password file: %v", err)
	}
	anon, err := Module{}.target("ftp.example.net:2121")
	if err != nil || anon.PasswordSource != "anonymous" || anon.Port != 2121 || anon.Scheme != "ftp" {
		t.Errorf("anonymous target %+v %v", anon, err)
	}
}

func TestParseDuration(t *testing.T) {
	cases := map[string]time.Duration{"5": 5 * time.Second, "2.5": 2500 * time.Millisecond, "5s": 5 * time.Second, "1500ms": 1500 * time.Millisecond, "1m": time.Minute}
	for in, want := range cases {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "soon", "25h", "NaN"} {
		if _, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) accepted", in)
		}
	}
}
