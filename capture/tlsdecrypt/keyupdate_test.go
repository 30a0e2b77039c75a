package tlsdecrypt

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// seal13 is the sender's side of open, for tests: one TLS 1.3 record of
// content type typ under a traffic secret at sequence number seq.
func seal13(t *testing.T, s *suite, secret []byte, seq uint64, typ byte, payload []byte) []byte {
	t.Helper()
	key, iv, err := trafficKeys13(s, secret)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := s.newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	o := &opener{iv: iv, seq: seq}
	inner := append(append([]byte{}, payload...), typ)
	hdr := []byte{typeApplicationData, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(hdr[3:], uint16(len(inner)+aead.Overhead()))
	return aead.Seal(hdr, o.seqNonce(), inner, hdr)
}

// handshake frames a handshake message.
func handshake(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// clear frames a record sent in the clear.
func clear(typ byte, payload []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// A TLS 1.3 session built record by record: the handshake keys until
// each side's Finished, then the application keys, then a KeyUpdate from
// the client: the next secret reads what follows it. A key log without
// the client's application secret stops decryption, both ways, at the
// client's Finished, and says which line is missing.
func TestConnKeyUpdate13(t *testing.T) {
	s := suites[0x1303] // ChaCha20-Poly1305
	random := bytes.Repeat([]byte{0x42}, 32)
	sec := &secrets{}
	for i, p := range []*[]byte{&sec.clientHS, &sec.serverHS, &sec.clientAP, &sec.serverAP} {
		*p = bytes.Repeat([]byte{byte(i + 1)}, 32)
	}
	next, err := nextSecret13(s, sec.clientAP)
	if err != nil {
		t.Fatal(err)
	}
	ch := append(append([]byte{3, 3}, random...), 0, 0, 2, 0x13, 0x03, 1, 0)
	sh := append(append([]byte{3, 3}, bytes.Repeat([]byte{0x24}, 32)...), 0, 0x13, 0x03, 0, 0, 6, 0, 43, 0, 2, 3, 4)
	finished := handshake(msgFinished, make([]byte, 32))
	type part struct {
		fromClient bool
		b          []byte
	}
	parts := []part{
		{true, clear(typeHandshake, handshake(msgClientHello, ch))},
		{false, clear(typeHandshake, handshake(msgServerHello, sh))},
		{false, clear(typeChangeCipherSpec, []byte{1})},
		{false, seal13(t, s, sec.serverHS, 0, typeHandshake, append(handshake(8, []byte{0, 0}), finished...))},
		{true, clear(typeChangeCipherSpec, []byte{1})},
		{true, seal13(t, s, sec.clientHS, 0, typeHandshake, finished)},
		{true, seal13(t, s, sec.clientAP, 0, typeApplicationData, []byte("USER a\r\n"))},
		{false, seal13(t, s, sec.serverAP, 0, typeHandshake, handshake(4, make([]byte, 12)))},
		{false, seal13(t, s, sec.serverAP, 1, typeApplicationData, []byte("331 Password.\r\n"))},
		{true, seal13(t, s, sec.clientAP, 1, typeHandshake, handshake(msgKeyUpdate, []byte{0}))},
		{true, seal13(t, s, next, 0, typeApplicationData, []byte("PASS x\r\n"))},
		{false, seal13(t, s, sec.serverAP, 2, typeApplicationData, []byte("230 Hi.\r\n"))},
	}
	run := func(keys *KeyLog) (string, string, Status) {
		c := NewConn(keys)
		var cl, sv bytes.Buffer
		for _, p := range parts {
			out := c.Feed(p.fromClient, p.b)
			if p.fromClient {
				cl.Write(out)
			} else {
				sv.Write(out)
			}
		}
		return cl.String(), sv.String(), c.Status()
	}
	keys := &KeyLog{m: map[[32]byte]*secrets{[32]byte(random): sec}}
	cl, sv, st := run(keys)
	if cl != "USER a\r\nPASS x\r\n" || sv != "331 Password.\r\n230 Hi.\r\n" || st.Stopped != "" || st.Suite != "TLS_CHACHA20_POLY1305_SHA256" || st.Records != 8 {
		t.Errorf("client %q, server %q, status %+v", cl, sv, st)
	}
	partial := *sec
	partial.clientAP = nil
	cl, sv, st = run(&KeyLog{m: map[[32]byte]*secrets{[32]byte(random): &partial}})
	if cl != "" || sv != "" || st.Stopped != "the key log has no CLIENT_TRAFFIC_SECRET_0 line for this session (client random 4242424242424242…)" {
		t.Errorf("without CLIENT_TRAFFIC_SECRET_0: client %q, server %q, status %+v", cl, sv, st)
	}
}
