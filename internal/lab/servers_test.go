//go:build linux

package lab

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Every scenario either applies to a server or says why not.
func TestScenarioServers(t *testing.T) {
	for _, sc := range Scenarios {
		if len(sc.Servers) == 0 {
			t.Errorf("%s applies to no server", sc.Name)
		}
		for _, srv := range Servers {
			_, applies := sc.NotApplicable[srv]
			applies = !applies
			if applies != sc.AppliesTo(srv) {
				t.Errorf("%s/%s: in both or neither of Servers and NotApplicable", sc.Name, srv)
			}
			cfg, err := sc.For(srv)
			switch {
			case applies && (err != nil || cfg.Server != srv):
				t.Errorf("%s.For(%s) = %q, %v", sc.Name, srv, cfg.Server, err)
			case !applies && !errors.Is(err, errNotApplicable):
				t.Errorf("%s.For(%s): %v, want not applicable", sc.Name, srv, err)
			case !applies && sc.NotApplicable[srv] == "":
				t.Errorf("%s/%s: no reason given", sc.Name, srv)
			}
		}
	}
	if _, err := (Scenario{Name: "x"}).For("ftpd-9000"); err == nil || !strings.Contains(err.Error(), "unknown lab server") {
		t.Errorf("unknown server: %v", err)
	}
}

// Each server's generated configuration carries the scenario's settings
// in that server's own terms.
func TestServerConfigTranslation(t *testing.T) {
	tests := []struct {
		server string
		set    Vsftpd
		want   []string
	}{
		{ServerVsftpd, Vsftpd{}, []string{"listen_ipv6=YES", "connect_timeout=5", "pasv_min_port=30000"}},
		{ServerVsftpd, Vsftpd{PasvAddress: "203.0.113.10"}, []string{"listen=YES", "listen_ipv6=NO", "pasv_address=203.0.113.10"}},
		{ServerVsftpd, Vsftpd{MaxPerHost: 2}, []string{"max_per_ip=2"}},
		{ServerVsftpd, Vsftpd{MissingHome: true}, []string{"ftp_username=nobody", "no_anon_password=NO"}},
		{ServerProFTPD, Vsftpd{}, []string{"UseReverseDNS off", "IdentLookups off", "PassivePorts 30000 30009", "<Limit WRITE>"}},
		{ServerProFTPD, Vsftpd{DisablePort: true}, []string{"<Limit PORT EPRT>", "DenyAll"}},
		{ServerProFTPD, Vsftpd{DisablePasv: true, DisablePort: true}, []string{"<Limit PASV EPSV PORT EPRT>"}},
		{ServerProFTPD, Vsftpd{PasvAddress: "203.0.113.10", MaxPerHost: 2}, []string{"MasqueradeAddress 203.0.113.10", "MaxClientsPerHost 2"}},
		{ServerPureFTPd, Vsftpd{}, []string{"-p 30000:30009", "-S ,21", "-H"}},
		{ServerPureFTPd, Vsftpd{PasvAddress: "203.0.113.10", MaxPerHost: 2, DisablePasv: true}, []string{"-P 203.0.113.10", "-C 2", " -N"}},
		{ServerPyftpdlib, Vsftpd{}, []string{`"pasv_min": 30000`, `"pasv_max": 30009`}},
		{ServerPyftpdlib, Vsftpd{PasvAddress: "203.0.113.10", MaxPerHost: 2, DisablePort: true},
			[]string{`"masquerade_address": "203.0.113.10"`, `"max_cons_per_ip": 2`, `"PORT"`, `"EPRT"`}},
		{ServerTwisted, Vsftpd{MaxPerHost: 2}, []string{`"connection_limit": 2`}},
	}
	for _, tc := range tests {
		l := &Lab{Server: tc.server, cfg: Config{Server: tc.server, Vsftpd: tc.set}, base: "/lab", Dir: "/lab/srv"}
		var got string
		switch tc.server {
		case ServerVsftpd:
			got = l.vsftpdConf()
		case ServerProFTPD:
			got = l.proftpdConf()
		case ServerPureFTPd:
			got = strings.Join(pureFTPdArgv(l), " ")
		case ServerPyftpdlib:
			got = pyftpdlibJSON(t, l)
		case ServerTwisted:
			got = twistedJSON(t, l)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %+v: configuration lacks %q:\n%s", tc.server, tc.set, w, got)
			}
		}
	}
}

func pyftpdlibJSON(t *testing.T, l *Lab) string {
	t.Helper()
	l.base = t.TempDir()
	if err := writePyftpdlib(l); err != nil {
		t.Fatal(err)
	}
	return readServerJSON(t, l)
}

func twistedJSON(t *testing.T, l *Lab) string {
	t.Helper()
	l.base = t.TempDir()
	if err := writeTwisted(l); err != nil {
		t.Fatal(err)
	}
	return readServerJSON(t, l)
}

func readServerJSON(t *testing.T, l *Lab) string {
	t.Helper()
	s := l.ServerConfig()
	if s == "" {
		t.Fatal("no server.json written")
	}
	return s
}

// TestLabEveryServerGreets starts each server in a healthy lab and reads
// its greeting from the client namespace over IPv4 (and IPv6 where it
// listens), then checks Close ended it.
func TestLabEveryServerGreets(t *testing.T) {
	for _, srv := range Servers {
		t.Run(srv, func(t *testing.T) {
			t.Parallel()
			sc, _ := ScenarioByName("healthy")
			cfg, err := sc.For(srv)
			if err != nil {
				t.Fatal(err)
			}
			l := Start(t, cfg)
			addrs := []netip.Addr{l.Target}
			if !l.ipv4Only() {
				addrs = append(addrs, l.Target6)
			}
			for _, a := range addrs {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				b, err := l.Banner(ctx, l.ClientNS, netip.AddrPortFrom(a, 21).String())
				cancel()
				if err != nil || !strings.HasPrefix(b, "220") {
					t.Errorf("%s greeting at %v: %q, %v", srv, a, b, err)
				}
			}
			pid := l.ServerPID()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if processAlive(pid) {
				t.Errorf("%s pid %d alive after Close", srv, pid)
			}
		})
	}
}
