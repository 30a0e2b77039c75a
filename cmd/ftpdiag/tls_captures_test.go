package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The FTPS captures of issue 14 (scripts/make-tls-captures, testdata/tls):
// Python ftplib, curl and lftp against vsftpd with require_ssl_reuse=YES,
// and against Pure-FTPd (which never demands reuse), TLS 1.2 and 1.3, taken
// at the client, each with its key log. Without the
// key log the control channel is encrypted: the verdict rests on the
// handshakes. Goldens in testdata/tls/golden (-update).

var tlsDir = filepath.Join("..", "..", "testdata", "tls")

func TestTLSCaptures(t *testing.T) {
	tests := []struct {
		file   string
		errors []string // exactly
		also   []string // below error
	}{
		// TLS 1.2: a full data handshake, no data either way, the server
		// closes first: vsftpd's refusal (522) looks like this, and so
		// does an empty listing on a server that does not demand reuse
		// (the ftplib-empty-* captures below): a warning, inferred, never
		// an error without the key log.
		{"ftplib-tls12-vsftpd-reuse", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"ftplib-empty-tls12-vsftpd-reuse", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"ftplib-empty-tls12-vsftpd-noreuse", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"ftplib-empty-tls12-pure-ftpd", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"ftplib-empty-vsftpd-reuse", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"ftplib-empty-vsftpd-noreuse", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"ftplib-empty-pure-ftpd", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		// TLS 1.3: not resumed, but what flowed after cannot be told apart
		// from a listing: a warning.
		{"ftplib-vsftpd-reuse", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"ftplib-reuse-vsftpd-reuse", nil, []string{"control-encrypted"}},
		{"ftplib-reuse-tls12-vsftpd-reuse", nil, []string{"control-encrypted"}},
		{"curl-vsftpd-reuse", nil, []string{"control-encrypted"}},
		{"curl-tls12-vsftpd-reuse", nil, []string{"control-encrypted"}},
		{"lftp-vsftpd-reuse", nil, []string{"control-encrypted"}},
		// Pure-FTPd never demands reuse: TLS 1.2 data flows after a full
		// handshake (no finding); in TLS 1.3 what flowed cannot be told
		// from tickets (a warning, the transfer left unseen).
		{"ftplib-tls12-pure-ftpd", nil, []string{"control-encrypted"}},
		{"ftplib-pure-ftpd", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
		{"curl-pure-ftpd", nil, []string{"data-tls-not-resumed", "control-encrypted"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(tlsDir, tc.file+".pcap"))
			if err != nil {
				t.Fatal(err)
			}
			g := analyzeGolden(t, data)
			if p := verdictProblem(g, tc.errors, tc.also); p != "" {
				t.Errorf("%s: %s%s", tc.file, p, g.describe())
			}
			resumedOK := len(tc.errors) == 0 && len(tc.also) == 1
			if resumedOK && len(g.ids("")) != 1 {
				t.Errorf("%s: every data connection resumed, yet %v", tc.file, g.ids(""))
			}
			checkTLSGolden(t, tc.file, g)
		})
	}
}

// checkTLSGolden compares g with testdata/tls/golden/NAME.json, or
// rewrites it with -update.
func checkTLSGolden(t *testing.T, name string, g clientGolden) {
	t.Helper()
	path := filepath.Join(tlsDir, "golden", name+".json")
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s (go test ./cmd/ftpdiag -run TLSCaptures -update): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("analyze of %s differs from %s (rerun with -update and review the diff):\n%s", name, path, got)
	}
}
