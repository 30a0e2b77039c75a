package tlsdecrypt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	random1 = "a5c0b1e23c4c6e8f9e1f2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978"
	master  = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30"
	secret  = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
)

func TestParseKeyLog(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		n        int    // client randoms kept
		err      string // "" for none
	}{
		{"TLS 1.2", "CLIENT_RANDOM " + random1 + " " + master + "\n", 1, ""},
		{"TLS 1.3 with comments, other labels, CRLF", "# SSL/TLS secrets log file\r\n\r\nCLIENT_HANDSHAKE_TRAFFIC_SECRET " + random1 + " " + secret + "\r\nSERVER_HANDSHAKE_TRAFFIC_SECRET " + random1 + " " + secret + "\r\nEXPORTER_SECRET " + random1 + " " + secret + "\r\nCLIENT_TRAFFIC_SECRET_0 " + random1 + " " + secret + "\r\nSERVER_TRAFFIC_SECRET_0 " + random1 + " " + secret + "\r\n", 1, ""},
		{"upper-case hex", "CLIENT_RANDOM " + strings.ToUpper(random1) + " " + master + "\n", 1, ""},
		{"only other labels", "EXPORTER_SECRET " + random1 + " " + secret + "\n", 0, "no TLS secrets"},
		{"empty", "", 0, "no TLS secrets"},
		{"garbage", "hello world\n", 0, "line 1: not an NSS key log line"},
		{"binary", "\x00\x01\x02 \xff\xfe \x80\n", 0, "line 1: not an NSS key log line"},
		{"short random", "CLIENT_RANDOM abcd " + master + "\n", 0, "line 1: CLIENT_RANDOM: the client random"},
		{"bad hex secret", "# x\nCLIENT_RANDOM " + random1 + " zz" + master[2:] + "\n", 0, "line 2: CLIENT_RANDOM: the secret"},
		{"master of a TLS 1.3 length", "CLIENT_RANDOM " + random1 + " " + secret + "\n", 0, "the secret is not hex of the right length"},
		{"long line", strings.Repeat("A", 5000) + "\n", 0, "line 1 is longer than"},
	} {
		k, err := ParseKeyLog(strings.NewReader(tc.in))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && k.Len() != tc.n:
			t.Errorf("%s: %d sessions, want %d", tc.name, k.Len(), tc.n)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\x00") {
			t.Errorf("%s: error not one line: %q", tc.name, err)
		}
	}
}

// A key log larger than MaxKeyLogBytes is refused without being read
// whole.
func TestParseKeyLogBounded(t *testing.T) {
	line := "# " + strings.Repeat("x", 500) + "\n"
	r := &repeatReader{line: []byte(line), left: MaxKeyLogBytes + 1<<20}
	if _, err := ParseKeyLog(r); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error %v", err)
	}
	if r.left > 1<<20 {
		t.Errorf("stopped early: %d bytes left", r.left)
	}
}

type repeatReader struct {
	line []byte
	left int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:], r.line[r.off:])
		r.off = (r.off + c) % len(r.line)
		n += c
		r.left -= c
	}
	if n == 0 {
		return 0, bytes.ErrTooLarge
	}
	return n, nil
}

func TestReadKeyLog(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "keys.log")
	if err := os.WriteFile(p, []byte("CLIENT_RANDOM "+random1+" "+master+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := ReadKeyLog(p); err != nil || k.Len() != 1 {
		t.Errorf("ReadKeyLog: %v", err)
	}
	for _, bad := range []string{dir, filepath.Join(dir, "missing")} {
		if _, err := ReadKeyLog(bad); err == nil || !strings.HasPrefix(err.Error(), "key log") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
