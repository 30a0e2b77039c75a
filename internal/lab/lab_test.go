//go:build linux

package lab

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

func banner(t *testing.T, l *Lab, ns string, a netip.Addr) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return l.Banner(ctx, ns, netip.AddrPortFrom(a, 21).String())
}

func TestLabHealthy(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	if l.Target != l.ServerAddr || l.Target6 != l.ServerAddr6 {
		t.Fatalf("targets %v %v, want server's own addresses", l.Target, l.Target6)
	}
	for _, a := range []netip.Addr{l.Target, l.Target6} {
		b, err := banner(t, l, l.ClientNS, a)
		if err != nil || !strings.HasPrefix(b, "220") {
			t.Errorf("banner from client ns at %v: %q, %v", a, b, err)
		}
	}
	// Also through the shell, as integration tests run binaries in the ns.
	out, err := l.Command(context.Background(), l.ClientNS, "bash", "-c",
		"exec 3<>/dev/tcp/"+l.Target.String()+"/21; head -n1 <&3").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "220") {
		t.Errorf("bash /dev/tcp banner: %q, %v", out, err)
	}
}

func TestLabServerNAT(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{ServerNAT: true, ForwardPassiveRange: true})
	if l.Target != l.PublicServerAddr {
		t.Fatalf("target %v, want %v", l.Target, l.PublicServerAddr)
	}
	for _, a := range []netip.Addr{l.Target, l.Target6} {
		b, err := banner(t, l, l.ClientNS, a)
		if err != nil || !strings.HasPrefix(b, "220") {
			t.Errorf("banner from client ns at %v: %q, %v", a, b, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := l.DialContext(ctx, l.ClientNS, "tcp", netip.AddrPortFrom(l.ServerAddr, 21).String()); err == nil {
		c.Close()
		t.Errorf("private server address %v reachable from the client", l.ServerAddr)
	}
}

func TestLabCleanup(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{ClientNAT: true})
	pid := l.VsftpdPID()
	if pid == 0 || !processAlive(pid) {
		t.Fatalf("vsftpd pid %d not alive", pid)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	list, err := run("ip", "netns", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range l.Namespaces() {
		for _, line := range strings.Split(list, "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] == ns {
				t.Errorf("namespace %s still listed after Close", ns)
			}
		}
	}
	if processAlive(pid) {
		t.Errorf("vsftpd pid %d still alive after Close", pid)
	}
	if _, err := os.Stat(l.Dir); err == nil {
		t.Errorf("served dir %s still exists", l.Dir)
	}
}

func TestOwnerPID(t *testing.T) {
	for name, want := range map[string]int{"fdl123x4cg": 123, "fdl9x1s": 9, "fdlx1": 0, "other": 0, "fdl12": 0} {
		if got := ownerPID(name); got != want {
			t.Errorf("ownerPID(%q) = %d, want %d", name, got, want)
		}
	}
}

// curl runs curl inside the client namespace; the test is skipped without curl.
func curl(t *testing.T, l *Lab, args ...string) (string, error) {
	t.Helper()
	if _, err := lookTool("curl"); err != nil {
		t.Skip("curl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := l.Command(ctx, l.ClientNS, "curl", append([]string{"-sS", "--connect-timeout", "5", "-m", "15"}, args...)...).CombinedOutput()
	return string(out), err
}

func TestLabTransfers(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	small := string(SmallFileData())
	cases := []struct {
		name string
		args []string
	}{
		{"passive anonymous", []string{"ftp://" + l.Target.String() + "/" + SmallFile}},
		{"active anonymous", []string{"--ftp-port", "-", "ftp://" + l.Target.String() + "/" + SmallFile}},
		{"passive local user", []string{"-u", User + ":" + Password, "ftp://" + l.Target.String() + "/" + SmallFile}},
		{"epsv v6", []string{"ftp://[" + l.Target6.String() + "]/" + SmallFile}},
		{"eprt v6", []string{"--ftp-port", "-", "ftp://[" + l.Target6.String() + "]/" + SmallFile}},
	}
	for _, c := range cases {
		out, err := curl(t, l, c.args...)
		if err != nil || out != small {
			t.Errorf("%s: curl %v: %v: %.200q", c.name, c.args, err, out)
		}
	}
	out, err := curl(t, l, "-o", "/dev/null", "-w", "%{size_download}", "ftp://"+l.Target.String()+"/"+BigFile)
	if err != nil || out != "1048576" {
		t.Errorf("big file: %v: %q", err, out)
	}
}

func TestLabClientNATActiveRejected(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{ClientNAT: true})
	out, err := curl(t, l, "-v", "--ftp-port", "-", "ftp://"+l.Target.String()+"/"+SmallFile)
	if err == nil || !strings.Contains(out, "500 Illegal PORT command") {
		t.Errorf("active through client NAT: %v: %s", err, out)
	}
	if out, err := curl(t, l, "ftp://"+l.Target.String()+"/"+SmallFile); err != nil || out != string(SmallFileData()) {
		t.Errorf("passive through client NAT: %v: %.200q", err, out)
	}
}

func TestLabServerNATHelper(t *testing.T) {
	t.Parallel()
	// No pasv_address: the 227 reply carries 10.77.0.2, and only the
	// kernel FTP helper on the server gateway rewrites it.
	l := Start(t, Config{ServerNAT: true, FTPHelper: true})
	out, err := curl(t, l, "-v", "--disable-epsv", "--no-ftp-skip-pasv-ip", "ftp://"+l.Target.String()+"/"+SmallFile)
	if err != nil || !strings.Contains(out, "203,0,113,10") {
		t.Errorf("passive through server NAT with helper: %v: %s", err, out)
	}
}

func TestLabRefusesHalfBuilt(t *testing.T) {
	t.Parallel()
	if err := Available(); err != nil {
		t.Skip(err)
	}
	l, err := start(Config{ServerGatewayRules: [][]string{{"-A", "FORWARD", "-j", "NO-SUCH-TARGET"}}})
	if err == nil {
		l.Close()
		t.Fatal("start succeeded with a bad rule")
	}
	if !strings.Contains(err.Error(), "NO-SUCH-TARGET") {
		t.Errorf("error does not name the failing step: %v", err)
	}
	t.Logf("expected failure: %v", err)
	list, _ := run("ip", "netns", "list")
	liveMu.Lock()
	defer liveMu.Unlock()
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 && ownerPID(f[0]) == os.Getpid() {
			owned := false
			for l := range liveLabs {
				for _, ns := range l.Namespaces() {
					owned = owned || ns == f[0]
				}
			}
			if !owned {
				t.Errorf("namespace %s left behind after failed start", f[0])
			}
		}
	}
}
