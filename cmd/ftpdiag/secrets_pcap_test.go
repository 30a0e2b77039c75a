//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// echoServer is a loopback FTP server that rejects every login quoting
// the password back, as some servers' 530 and 500 replies do.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				c.Write([]byte("220 echo\r\n"))
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					verb, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
					switch strings.ToUpper(verb) {
					case "USER":
						c.Write([]byte("331 password please\r\n"))
					case "PASS":
						c.Write([]byte("530 Login incorrect for password " + arg + "\r\n"))
					case "QUIT":
						c.Write([]byte("221 bye\r\n"))
						return
					default:
						c.Write([]byte("500 " + sc.Text() + "?\r\n"))
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// TestPcapMasksEchoedPassword: the saved pcapng holds the server's echo
// of the password masked, not in clear.
func TestPcapMasksEchoedPassword(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root")
	}
	addr := echoServer(t)
	pcap := filepath.Join(t.TempDir(), "echo.pcapng")
	t.Setenv("FTPDIAG_PASSWORD", fixturePassword)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	run(ctx, []string{"probe", "--tls", "off", "--modes", "EPSV", "--pcap", pcap, "ftp://alice@" + addr + "/"}, strings.NewReader(""), &stdout, &stderr)
	b, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatalf("no pcapng: %v; stderr %s", err, stderr.String())
	}
	if bytes.Contains(b, []byte(fixturePassword)) {
		t.Errorf("the password is in the pcapng")
	}
	if !bytes.Contains(b, []byte("530 Login incorrect for password "+strings.Repeat("*", len(fixturePassword)))) {
		t.Errorf("the echo is not in the pcapng, masked: the test did not see what it checks")
	}
}
