package report

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
)

// TestCallbackFailedAtPORTWording: pyftpdlib answers PORT only once its
// callback ended ("421 Active data channel timed out."); the explanation
// says the connection to the address the client announced failed, at
// every tap: "to this host" would name the server in a capture taken
// there.
func TestCallbackFailedAtPORTWording(t *testing.T) {
	for _, tap := range []string{"client", "gateway", "server"} {
		t.Run(tap, func(t *testing.T) {
			src := filepath.Join("..", "testdata", "clients", "inetutils-ftp-pyftpdlib-client-firewall-"+tap+".pcap")
			ev, err := capture.ReadFiles([]string{src}, capture.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range DiagnoseCapture(ev).Sessions {
				for _, f := range d.Findings {
					if !strings.Contains(f.Explanation, "Active data channel timed out") {
						continue
					}
					found = true
					if strings.Contains(f.Explanation, "its connection to this host") || !strings.Contains(f.Explanation, "its connection to the address the client announced failed") {
						t.Errorf("%s: %s", f.ID, f.Explanation)
					}
				}
			}
			if !found {
				t.Fatal("no finding quotes pyftpdlib's reply to PORT")
			}
		})
	}
}
