package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ftpdiag/ftpdiag/probe"
)

// maxConfigBytes bounds the configuration file: a real one is a few KiB.
const maxConfigBytes = 1 << 20

// DefaultMaxConcurrent is how many probes the exporter runs at once when
// the configuration does not say.
const DefaultMaxConcurrent = 8

// Config is the exporter's configuration file.
type Config struct {
	// AllowedTargets restricts which hosts /probe may be asked to probe:
	// host names ("ftp.example.net"), wildcard suffixes ("*.example.net"),
	// addresses and prefixes ("192.0.2.10", "10.0.0.0/8", "2001:db8::/32").
	// A name is matched as written in the target, before it resolves.
	AllowedTargets []string `yaml:"allowed_targets"`
	// AllowAnyTarget lets /probe probe any host (an open prober: only on a
	// listener nobody else can reach).
	AllowAnyTarget bool `yaml:"allow_any_target"`
	// MaxConcurrentProbes bounds the probes running at once.
	MaxConcurrentProbes int `yaml:"max_concurrent_probes"`
	// Modules are the named probe settings a scrape chooses with &module=.
	Modules map[string]Module `yaml:"modules"`

	allow []allowRule
}

// Module is one named set of probe settings.
type Module struct {
	// TLS is none, explicit (AUTH TLS), implicit (port 990) or auto (AUTH
	// TLS when the server offers it; the default).
	TLS      string `yaml:"tls"`
	Insecure bool   `yaml:"insecure"`
	CAFile   string `yaml:"ca_file"`
	// TLSMax is "1.2" or "1.3".
	TLSMax string `yaml:"tls_max"`
	// Prot is the data protection level under TLS: P or C.
	Prot string `yaml:"prot"`
	// Modes lists the data modes to probe (default: all four).
	Modes []string `yaml:"modes"`
	// User logs in (default anonymous); the password comes from
	// PasswordFile only.
	User         string `yaml:"user"`
	PasswordFile string `yaml:"password_file"`
	// Path is the directory to list (ending in /) or the file to retrieve.
	Path             string   `yaml:"path"`
	ConnectTimeout   Duration `yaml:"connect_timeout"`
	DataTimeout      Duration `yaml:"data_timeout"`
	ReplyTimeout     Duration `yaml:"reply_timeout"`
	Timeout          Duration `yaml:"timeout"`
	TrustPasvAddress bool     `yaml:"trust_pasv_address"`
	// Capture runs a packet capture beside the probe when the exporter is
	// permitted to (root or CAP_NET_RAW); without permission the probe
	// runs without one.
	Capture bool `yaml:"capture"`
	// Upload runs the STOR/SIZE/DELE write test.
	Upload bool `yaml:"upload"`
	// PasvSamples: extra passive replies to infer the passive range (0:
	// none, the default here, to keep a scrape short).
	PasvSamples int   `yaml:"pasv_samples"`
	RetrBytes   int64 `yaml:"retr_bytes"`
}

// LoadConfig reads and checks the configuration file at path.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("config %s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if len(b) > maxConfigBytes {
		return nil, fmt.Errorf("config %s: larger than %d bytes", path, maxConfigBytes)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses and checks a configuration. Unknown keys are errors.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty configuration: want at least one module under modules:")
		}
		return nil, fmt.Errorf("%s", oneLine(err.Error()))
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// check validates every field and compiles the allow-list.
func (c *Config) check() error {
	if len(c.Modules) == 0 {
		return errors.New("no modules: want at least one under modules: (modules: {default: {}} probes with the defaults)")
	}
	if c.MaxConcurrentProbes < 0 || c.MaxConcurrentProbes > 1000 {
		return fmt.Errorf("max_concurrent_probes %d: want 1 to 1000", c.MaxConcurrentProbes)
	}
	if c.MaxConcurrentProbes == 0 {
		c.MaxConcurrentProbes = DefaultMaxConcurrent
	}
	if len(c.AllowedTargets) == 0 && !c.AllowAnyTarget {
		return errors.New("no allowed_targets: list the hosts this exporter may probe (or set allow_any_target: true on a listener only your Prometheus reaches)")
	}
	for _, s := range c.AllowedTargets {
		r, err := parseAllowRule(s)
		if err != nil {
			return err
		}
		c.allow = append(c.allow, r)
	}
	for _, name := range c.ModuleNames() {
		m := c.Modules[name]
		if _, err := m.options(); err != nil {
			return fmt.Errorf("module %q: %w", name, err)
		}
	}
	return nil
}

// ModuleNames returns the module names, sorted.
func (c *Config) ModuleNames() []string {
	names := make([]string, 0, len(c.Modules))
	for n := range c.Modules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// allowRule is one allowed_targets entry.
type allowRule struct {
	prefix netip.Prefix // an address or network
	name   string       // an exact host name
	suffix string       // "*.example.net" -> ".example.net"
}

func parseAllowRule(s string) (allowRule, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if p, err := netip.ParsePrefix(s); err == nil {
		return allowRule{prefix: p.Masked()}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return allowRule{prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	if rest, ok := strings.CutPrefix(s, "*."); ok && validHostName(rest) {
		return allowRule{suffix: "." + rest}, nil
	}
	if validHostName(s) {
		return allowRule{name: s}, nil
	}
	return allowRule{}, fmt.Errorf("allowed_targets: %q is not a host name, *.domain, address or prefix", s)
}

// allowed reports whether host (a name or an address, as the scrape gave
// it) is in the allow-list.
func (c *Config) allowed(host string) bool {
	if c.AllowAnyTarget {
		return true
	}
	host = strings.ToLower(host)
	a, addrErr := netip.ParseAddr(host)
	for _, r := range c.allow {
		switch {
		case r.prefix.IsValid():
			if addrErr == nil && r.prefix.Contains(a.Unmap()) {
				return true
			}
		case r.suffix != "":
			if addrErr != nil && strings.HasSuffix(host, r.suffix) {
				return true
			}
		case host == r.name:
			return true
		}
	}
	return false
}

// validHostName accepts letters, digits, '-' and '.' labels (no empty
// label), as a DNS name is written.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// DefaultProbeTimeout bounds a probe whose module sets no timeout and
// whose scrape gives no timeout header.
const DefaultProbeTimeout = probe.DefaultRunTimeout

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
