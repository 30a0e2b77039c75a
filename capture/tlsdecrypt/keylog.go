package tlsdecrypt

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxKeyLogBytes bounds the key log read: a line is about 200 bytes per
// secret, so 64 MiB holds secrets for hundreds of thousands of sessions.
const MaxKeyLogBytes = 64 << 20

// maxKeyLogLine bounds one line (a label, a 64-digit client random and a
// secret of at most 64 bytes in hex fit in 256).
const maxKeyLogLine = 1024

// Key log labels (the NSS key log format).
const (
	labelClientRandom = "CLIENT_RANDOM"
	labelClientHS     = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	labelServerHS     = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	labelClientAP     = "CLIENT_TRAFFIC_SECRET_0"
	labelServerAP     = "SERVER_TRAFFIC_SECRET_0"
)

// secrets are what a key log holds for one client random.
type secrets struct {
	master             []byte // TLS 1.2 master secret (48 bytes)
	clientHS, serverHS []byte // TLS 1.3 handshake traffic secrets
	clientAP, serverAP []byte // TLS 1.3 first application traffic secrets
}

// KeyLog maps client randoms to the secrets logged for them.
type KeyLog struct {
	m map[[32]byte]*secrets
}

// Len returns the number of client randoms with at least one secret.
func (k *KeyLog) Len() int {
	if k == nil {
		return 0
	}
	return len(k.m)
}

func (k *KeyLog) lookup(random []byte) *secrets {
	if k == nil || len(random) != 32 {
		return nil
	}
	return k.m[[32]byte(random)]
}

// ReadKeyLog reads an NSS key log file (see ParseKeyLog).
func ReadKeyLog(path string) (*KeyLog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("key log: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("key log: %s is a directory", path)
	}
	k, err := ParseKeyLog(f)
	if err != nil {
		return nil, fmt.Errorf("key log %s: %w", path, err)
	}
	return k, nil
}

// ParseKeyLog reads an NSS key log: lines "LABEL CLIENT_RANDOM SECRET",
// both in hex. CLIENT_RANDOM lines (TLS 1.2 master secrets) and the TLS
// 1.3 handshake and first application traffic secrets are kept; comments
// (#), blank lines and other labels (exporter, early traffic secrets)
// are skipped. A line of a kept label that does not parse, a line that
// is not of the format at all, input past MaxKeyLogBytes, or input
// without any kept secret is an error.
func ParseKeyLog(r io.Reader) (*KeyLog, error) {
	k := &KeyLog{m: map[[32]byte]*secrets{}}
	lr := &io.LimitedReader{R: r, N: MaxKeyLogBytes + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 0, 4096), maxKeyLogLine)
	n := 0
	for sc.Scan() {
		n++
		if err := k.line(sc.Bytes()); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d is longer than %d bytes: not an NSS key log", n+1, maxKeyLogLine)
		}
		return nil, err
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("larger than %d MiB: not a key log", MaxKeyLogBytes>>20)
	}
	if len(k.m) == 0 {
		return nil, errors.New("no TLS secrets in it (lines such as CLIENT_RANDOM or CLIENT_TRAFFIC_SECRET_0)")
	}
	return k, nil
}

// line reads one key log line into k.
func (k *KeyLog) line(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == '#' {
		return nil
	}
	f := bytes.Fields(b)
	if len(f) != 3 || !labelLike(f[0]) {
		return errors.New("not an NSS key log line (LABEL CLIENT_RANDOM SECRET)")
	}
	label := string(f[0])
	var slot func(*secrets) *[]byte
	switch label {
	case labelClientRandom:
		slot = func(s *secrets) *[]byte { return &s.master }
	case labelClientHS:
		slot = func(s *secrets) *[]byte { return &s.clientHS }
	case labelServerHS:
		slot = func(s *secrets) *[]byte { return &s.serverHS }
	case labelClientAP:
		slot = func(s *secrets) *[]byte { return &s.clientAP }
	case labelServerAP:
		slot = func(s *secrets) *[]byte { return &s.serverAP }
	default:
		return nil // another label: not needed to read the records
	}
	random, err := hex.DecodeString(string(f[1]))
	if err != nil || len(random) != 32 {
		return fmt.Errorf("%s: the client random is not 32 bytes in hex", label)
	}
	secret, err := hex.DecodeString(string(f[2]))
	if err != nil || !secretLen(label, len(secret)) {
		return fmt.Errorf("%s: the secret is not hex of the right length", label)
	}
	s := k.m[[32]byte(random)]
	if s == nil {
		s = &secrets{}
		k.m[[32]byte(random)] = s
	}
	*slot(s) = secret
	return nil
}

// secretLen reports whether n bytes is a valid length for label's secret:
// a TLS 1.2 master secret is 48 bytes, a TLS 1.3 traffic secret the
// suite's hash length (32 or 48).
func secretLen(label string, n int) bool {
	if label == labelClientRandom {
		return n == 48
	}
	return n == 32 || n == 48
}

// labelLike reports whether b looks like a key log label: upper-case
// letters, digits and underscores.
func labelLike(b []byte) bool {
	for _, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return len(b) > 0
}

// masters returns up to n of the logged TLS 1.2 master secrets (nil when
// there is none).
func (k *KeyLog) masters(n int) [][]byte {
	if k == nil {
		return nil
	}
	var out [][]byte
	for _, s := range k.m {
		if s.master != nil {
			out = append(out, s.master)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
