package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ftpdiag/ftpdiag/ftp"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in                    string
		host, user, path, url string
		port                  int
		warn                  bool
		err                   string
		// secret must not appear in the error (a password, or a piece of
		// one that url.Parse would quote).
		secret string
	}{
		{in: "ftp://203.0.113.10/", host: "203.0.113.10", port: 21, path: "/", url: "ftp://203.0.113.10/"},
		{in: "ftp://alice@ftp.example.com:2121/pub/file.bin", host: "ftp.example.com", user: "alice", port: 2121, path: "/pub/file.bin", url: "ftp://alice@ftp.example.com:2121/pub/file.bin"},
		{in: "ftp://bob:s3cret@[2001:db8::1]/", host: "2001:db8::1", user: "bob", port: 21, path: "/", url: "ftp://bob@[2001:db8::1]/", warn: true},
		{in: "ftp.example.com", host: "ftp.example.com", port: 21, url: "ftp://ftp.example.com"},
		{in: "http://example.com/", err: "unsupported scheme"},
		{in: "ftp://host:0/", err: "out of range"},
		{in: "ftp://host:65536/", err: "out of range"},
		{in: "ftp://host:abc/", err: "bad URL"},
		{in: "ftp:///path", err: "no host"},
		{in: "ftp://host/a?b=c", err: "query"},
		{in: "ftp://host/\r\nDELE x", err: "control characters"},
		{in: "ftp://user:pw@host:99999/", err: "out of range"},
		{in: "ftp://user:Hunter2@host/\r\n", err: "control characters", secret: "Hunter2"},
		{in: "ftp://user:Hun%zzter2@host/", err: "percent-encoded", secret: "%zz"},
		{in: "ftp://user:Hun7/er2@host/", err: "percent-encoded", secret: "Hun7"},
		{in: "ftp://user:Hun7#er2@host/", err: "percent-encoded", secret: "Hun7"},
		{in: "ftp://host/pub%0d%0aDELE%20x", err: "control characters"},
		{in: "ftp://us%0aer:pw@host/", err: "control characters"},
		{in: "ftp://user:p%00w@host/", err: "control characters"},
		// A raw / ? # in the password moves the '@' after the host: the
		// URL would parse as another host, port and path.
		{in: "ftp://alice:987654/xyz@host/", err: "percent-encoded", secret: "987654"},
		{in: "ftp://alice:2121/xyz@host/", err: "FTPDIAG_PASSWORD", secret: "xyz"},
		{in: "ftp://alice:x@y/z@host/", err: "percent-encoded", secret: "z@host"},
		{in: "ftp://alice:12?34@host/", err: "percent-encoded", secret: "34"},
		{in: "ftp://alice:12#34@host/", err: "percent-encoded", secret: "34"},
		{in: "alice:2121/xyz@host", err: "percent-encoded", secret: "xyz"},
		{in: "ftp://host/pub/a@b", err: "%40"},
		{in: "ftp://host/pub/a%40b", host: "host", port: 21, path: "/pub/a@b", url: "ftp://host/pub/a%40b"},
		{in: "ftp://alice:p%2Fw@host/", host: "host", user: "alice", port: 21, path: "/", url: "ftp://alice@host/", warn: true},
		{in: "ftp://alice:pa@ss@host/", host: "host", user: "alice", port: 21, path: "/", url: "ftp://alice@host/", warn: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			tg, warn, err := ParseTarget(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrBadURL) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "pw") && strings.Contains(tc.in, ":pw@") {
					t.Errorf("error shows the password: %v", err)
				}
				if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
					t.Errorf("error shows (part of) the password %q: %v", tc.secret, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tg.Host != tc.host || tg.Port != tc.port || tg.User != tc.user || tg.Path != tc.path || tg.URL != tc.url {
				t.Errorf("got %+v", tg)
			}
			if (warn != "") != tc.warn {
				t.Errorf("warning = %q", warn)
			}
			if strings.Contains(tg.URL, "s3cret") {
				t.Errorf("URL keeps the password: %s", tg.URL)
			}
		})
	}
}

func TestResolvePassword(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	env := func(k string) (string, bool) { return "fromenv", k == PasswordEnv }
	text := "machine other login alice password nope\nmachine ftp.example.com login alice password fromnetrc\ndefault login anonymous password x\n"
	netrc := func() (string, error) { return text, nil }
	// unread fails when a netrc is read although an earlier source answers
	// (it is read lazily: only when needed).
	unread := func() (string, error) { return "", errors.New("netrc read although not needed") }
	tests := []struct {
		name      string
		user      string
		c         Credentials
		want, src string
		wantErr   bool
	}{
		{"anonymous by default", "", Credentials{Env: noEnv, Netrc: unread}, AnonymousPassword, "anonymous", false},
		// A password in the environment belongs to a user: with none in
		// the URL the login is anonymous and never sends it.
		{"no user, FTPDIAG_PASSWORD set: anonymous, the password not used", "", Credentials{Env: env, Netrc: unread}, AnonymousPassword, "anonymous", false},
		{"no user, --password-stdin: refused", "", Credentials{Env: noEnv, Stdin: strings.NewReader("fromstdin\n")}, "", "", true},
		{"env first", "alice", Credentials{Env: env, Netrc: unread}, "fromenv", "env", false},
		{"stdin", "alice", Credentials{Env: noEnv, Netrc: unread, Stdin: strings.NewReader("fromstdin\nrest")}, "fromstdin", "stdin", false},
		{"netrc", "alice", Credentials{Env: noEnv, Netrc: netrc}, "fromnetrc", "netrc", false},
		{"netrc unreadable", "alice", Credentials{Env: noEnv, Netrc: unread}, "", "", true},
		{"prompt", "alice", Credentials{Env: noEnv, Prompt: func(string) (string, error) { return "typed", nil }}, "typed", "prompt", false},
		{"nothing", "alice", Credentials{Env: noEnv}, "", "", true},
		{"empty stdin", "alice", Credentials{Env: noEnv, Stdin: strings.NewReader("")}, "", "", true},
		{"giant stdin", "alice", Credentials{Env: noEnv, Stdin: strings.NewReader(strings.Repeat("x", 10000))}, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := Target{Host: "ftp.example.com", User: tc.user}
			err := ResolvePassword(&tg, tc.c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tc.wantErr && (tg.Password != tc.want || tg.PasswordSource != tc.src) {
				t.Errorf("password %q from %q, want %q from %q", tg.Password, tg.PasswordSource, tc.want, tc.src)
			}
		})
	}
}

func TestNetrcPassword(t *testing.T) {
	text := "# comment\nmachine a.example login u password p1\nmacdef init\ncd /pub\nmachine evil login u password bad\n\nmachine b.example\n  login u\n  password p2\ndefault login u password pd\n"
	tests := []struct{ machine, login, want string }{
		{"a.example", "u", "p1"}, {"b.example", "u", "p2"}, {"c.example", "u", "pd"}, {"a.example", "other", ""},
	}
	for _, tc := range tests {
		got, ok := netrcPassword(text, tc.machine, tc.login)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("netrcPassword(%s,%s) = %q,%v want %q", tc.machine, tc.login, got, ok, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Outcome
	}{
		{nil, OutcomeOK},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, OutcomeRefused},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), OutcomeReset},
		{fmt.Errorf("dial: %w", syscall.EHOSTUNREACH), OutcomeUnreachable},
		{fmt.Errorf("dial: %w", syscall.ENETUNREACH), OutcomeUnreachable},
		{fmt.Errorf("read: %w", os.ErrDeadlineExceeded), OutcomeTimeout},
		{context.DeadlineExceeded, OutcomeTimeout},
		{fmt.Errorf("reply: %w", ftp.ErrLineTooLong), OutcomeProtocol},
		{fmt.Errorf("reply: %w", ftp.ErrMalformedReply), OutcomeProtocol},
		{io.EOF, OutcomeClosed},
		{io.ErrUnexpectedEOF, OutcomeClosed},
		{&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, OutcomeDNS},
		{errors.New("something else"), OutcomeError},
	}
	for _, tc := range tests {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestSplitTargetPath(t *testing.T) {
	tests := []struct{ in, dir, file string }{
		{"", "", ""}, {"/", "", ""}, {"/pub/", "pub", ""}, {"/pub/file.bin", "pub", "pub/file.bin"}, {"/file.bin", "", "file.bin"},
	}
	for _, tc := range tests {
		d, f := splitTargetPath(tc.in)
		if d != tc.dir || f != tc.file {
			t.Errorf("splitTargetPath(%q) = %q,%q want %q,%q", tc.in, d, f, tc.dir, tc.file)
		}
	}
}

func TestPickFile(t *testing.T) {
	listing := "total 1032\r\n-rw-r--r--    1 0        0         1048576 Nov 25 17:00 big.bin\r\ndrwxr-xr-x    2 0        0            4096 Nov 25 17:00 pub\r\n-rw-r--r--    1 0        0               0 Nov 25 17:00 empty\r\n-rw-r--r--    1 0        0             452 Nov 25 17:00 small.txt\r\n"
	if got := pickFile("", []byte(listing)); got != "small.txt" {
		t.Errorf("pickFile = %q", got)
	}
	if got := pickFile("pub", []byte(listing)); got != "pub/small.txt" {
		t.Errorf("pickFile in pub = %q", got)
	}
	if got := pickFile("", []byte("garbage\n")); got != "" {
		t.Errorf("pickFile on garbage = %q", got)
	}
}

func TestParsePortRange(t *testing.T) {
	for in, ok := range map[string]bool{"50000-50010": true, "50000": true, "0-5": false, "10-5": false, "a-b": false, "1-70000": false} {
		if _, err := ParsePortRange(in); (err == nil) != ok {
			t.Errorf("ParsePortRange(%q) err = %v", in, err)
		}
	}
}
