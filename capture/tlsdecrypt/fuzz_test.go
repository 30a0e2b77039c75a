package tlsdecrypt

import (
	"bytes"
	"testing"
)

// FuzzConn feeds arbitrary bytes to both directions of a Conn whose key
// log holds secrets for the random the input's ClientHello may carry:
// decryption may stop, it must never panic, and what it returns comes
// from records that authenticated (none here, the secrets being wrong).
func FuzzConn(f *testing.F) {
	ch := []byte{22, 3, 1, 0, 42, 1, 0, 0, 38, 3, 3}
	ch = append(ch, bytes.Repeat([]byte{0xa5}, 32)...)
	ch = append(ch, 0, 0, 0)
	sh := []byte{22, 3, 3, 0, 46, 2, 0, 0, 42, 3, 3}
	sh = append(sh, bytes.Repeat([]byte{0x5a}, 32)...)
	sh = append(sh, 0, 0xc0, 0x2f, 0, 0, 0)
	f.Add(ch, sh, uint8(3))
	sh13 := append([]byte{}, sh...)
	sh13[4], sh13[8] = 52, 48
	sh13[43], sh13[44] = 0x13, 0x01
	sh13 = append(sh13[:46], 0, 6, 0, 43, 0, 2, 3, 4)
	f.Add(ch, sh13, uint8(5))
	f.Add([]byte{20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 20}, []byte{23, 3, 3, 0x40, 0}, uint8(1))
	keys := &KeyLog{m: map[[32]byte]*secrets{}}
	var r [32]byte
	for i := range r {
		r[i] = 0xa5
	}
	keys.m[r] = &secrets{master: make([]byte, 48), clientHS: make([]byte, 32), serverHS: make([]byte, 32), clientAP: make([]byte, 32), serverAP: make([]byte, 32)}
	f.Fuzz(func(t *testing.T, client, server []byte, step uint8) {
		c := NewConn(keys)
		n := int(step%16) + 1
		for len(client) > 0 || len(server) > 0 {
			a, b := min(n, len(client)), min(n, len(server))
			if out := c.Feed(true, client[:a]); len(out) > 0 {
				t.Fatalf("plaintext from records under wrong keys: %q", out)
			}
			if out := c.Feed(false, server[:b]); len(out) > 0 {
				t.Fatalf("plaintext from records under wrong keys: %q", out)
			}
			client, server = client[a:], server[b:]
		}
		_ = c.Status()
	})
}
