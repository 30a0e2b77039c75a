package tlsdecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// suite is an AEAD cipher suite this package can decrypt.
type suite struct {
	id      uint16
	name    string
	keyLen  int
	chacha  bool // ChaCha20-Poly1305, else AES-GCM
	hash    func() hash.Hash
	tls13   bool
	fixedIV int // TLS 1.2: bytes of IV from the key block (4 GCM, 12 ChaCha20)
}

func sha384() hash.Hash { return sha512.New384() }

// suites are the AEAD suites of TLS 1.2 (RFC 5288, 5289, 7905) and TLS
// 1.3 (RFC 8446 B.4). CBC and stream suites are not decrypted.
var suites = map[uint16]*suite{
	0x009C: {name: "TLS_RSA_WITH_AES_128_GCM_SHA256", keyLen: 16, hash: sha256.New, fixedIV: 4},
	0x009D: {name: "TLS_RSA_WITH_AES_256_GCM_SHA384", keyLen: 32, hash: sha384, fixedIV: 4},
	0x009E: {name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", keyLen: 16, hash: sha256.New, fixedIV: 4},
	0x009F: {name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", keyLen: 32, hash: sha384, fixedIV: 4},
	0xC02B: {name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", keyLen: 16, hash: sha256.New, fixedIV: 4},
	0xC02C: {name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", keyLen: 32, hash: sha384, fixedIV: 4},
	0xC02F: {name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", keyLen: 16, hash: sha256.New, fixedIV: 4},
	0xC030: {name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", keyLen: 32, hash: sha384, fixedIV: 4},
	0xCCA8: {name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", keyLen: 32, chacha: true, hash: sha256.New, fixedIV: 12},
	0xCCA9: {name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", keyLen: 32, chacha: true, hash: sha256.New, fixedIV: 12},
	0xCCAA: {name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", keyLen: 32, chacha: true, hash: sha256.New, fixedIV: 12},
	0x1301: {name: "TLS_AES_128_GCM_SHA256", keyLen: 16, hash: sha256.New, tls13: true},
	0x1302: {name: "TLS_AES_256_GCM_SHA384", keyLen: 32, hash: sha384, tls13: true},
	0x1303: {name: "TLS_CHACHA20_POLY1305_SHA256", keyLen: 32, chacha: true, hash: sha256.New, tls13: true},
}

func init() {
	for id, s := range suites {
		s.id = id
	}
}

// suiteName names a cipher suite, known or not.
func suiteName(id uint16) string {
	if s := suites[id]; s != nil {
		return s.name
	}
	return fmt.Sprintf("0x%04X", id)
}

// newAEAD returns the suite's AEAD keyed with key.
func (s *suite) newAEAD(key []byte) (cipher.AEAD, error) {
	if s.chacha {
		return chacha20poly1305.New(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
