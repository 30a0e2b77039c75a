package tlswire

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// hello builds a hello body: version, random, session ID, then for a
// ClientHello suites and compressions, for a ServerHello a suite and a
// compression method, then the extension block (nil: none).
func hello(client bool, random []byte, sid []byte, exts []byte) []byte {
	b := []byte{3, 3}
	b = append(b, random...)
	b = append(b, byte(len(sid)))
	b = append(b, sid...)
	if client {
		b = append(b, 0, 2, 0x13, 0x01, 1, 0)
	} else {
		b = append(b, 0x13, 0x01, 0)
	}
	if exts != nil {
		b = append(b, byte(len(exts)>>8), byte(len(exts)))
		b = append(b, exts...)
	}
	return b
}

func ext(typ uint16, body ...byte) []byte {
	return append([]byte{byte(typ >> 8), byte(typ), byte(len(body) >> 8), byte(len(body))}, body...)
}

func TestHelloRetryRandom(t *testing.T) {
	if s := sha256.Sum256([]byte("HelloRetryRequest")); s != HelloRetryRandom {
		t.Errorf("HelloRetryRandom is not SHA-256(\"HelloRetryRequest\") (RFC 8446 4.1.3)")
	}
}

func TestParseHellos(t *testing.T) {
	random := bytes.Repeat([]byte{7}, 32)
	sid := bytes.Repeat([]byte{9}, 32)
	exts := append(append(append(ext(ExtSupportedVersions, 4, 0x7a, 0x7a, 3, 4), ext(ExtExtendedMasterSecret)...),
		ext(ExtSessionTicket, 1, 2, 3)...), ext(ExtServerName, 0, 8, 0, 0, 5, 'h', 'o', 's', 't', '1')...)
	psk := ext(ExtPreSharedKey, 0, 7, 0, 1, 'x', 0, 0, 0, 0, 0, 0)
	ch, ok := ParseClientHello(hello(true, random, sid, append(exts, psk...)))
	if !ok || ch.LegacyVersion != 0x0303 || !bytes.Equal(ch.SessionID, sid) || len(ch.Versions) != 1 || ch.Versions[0] != 0x0304 ||
		!ch.ExtendedMasterSecret || !ch.Ticket || len(ch.TicketData) != 3 || ch.ServerName != "host1" || len(ch.PSKIdentities) != 1 {
		t.Errorf("ClientHello = %+v, %v", ch, ok)
	}
	sh, ok := ParseServerHello(hello(false, HelloRetryRandom[:], sid, ext(ExtSupportedVersions, 3, 4)))
	if !ok || !sh.Retry || sh.Version != 0x0304 || sh.LegacyVersion != 0x0303 || sh.CipherSuite != 0x1301 {
		t.Errorf("ServerHello = %+v, %v", sh, ok)
	}
	plain, ok := ParseServerHello(hello(false, random, nil, nil))
	if !ok || plain.Retry || plain.Version != 0x0303 || plain.PSKSelected {
		t.Errorf("ServerHello without extensions = %+v, %v", plain, ok)
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"session ID over 32 bytes", hello(true, random, bytes.Repeat([]byte{1}, 33), nil)},
		{"extension block longer than the body", append(hello(true, random, nil, nil), 0, 9, 0)},
		{"extension cut short", hello(true, random, nil, []byte{0, 43, 0, 5, 1})},
	}
	for _, tc := range tests {
		if _, ok := ParseClientHello(tc.body); ok {
			t.Errorf("ClientHello, %s: parsed", tc.name)
		}
	}
	// Every prefix of a good hello is refused or read, never a panic.
	full := hello(true, random, sid, exts)
	for n := range full {
		ParseClientHello(full[:n])
		ParseServerHello(full[:n])
	}
}

func TestVersionName(t *testing.T) {
	for v, want := range map[uint16]string{0x0300: "SSL 3.0", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3", 0x7a7a: "0x7a7a"} {
		if got, ok := VersionName(v); got != want || ok == (want[0] == '0') {
			t.Errorf("VersionName(%#x) = %q, %v; want %q", v, got, ok, want)
		}
	}
	if !IsGrease(0x7a7a) || IsGrease(0x0304) || IsGrease(0x7a7b) {
		t.Error("IsGrease")
	}
}
