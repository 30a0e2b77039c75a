package tlsdecrypt

import (
	"crypto/hkdf"
	"crypto/hmac"
	"hash"
)

// prf12 is the TLS 1.2 PRF (RFC 5246 section 5): P_hash(secret, label +
// seed), n bytes.
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	mac := hmac.New(h, secret)
	mac.Write(ls)
	a := mac.Sum(nil) // A(1)
	out := make([]byte, 0, n+mac.Size())
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
	return out[:n]
}

// keys12 are one direction's TLS 1.2 AEAD key and fixed IV.
type keys12 struct {
	clientKey, serverKey []byte
	clientIV, serverIV   []byte
}

// keyBlock12 derives the TLS 1.2 write keys of an AEAD suite from the
// master secret (RFC 5246 section 6.3; AEAD suites have no MAC keys).
func keyBlock12(s *suite, master, clientRandom, serverRandom []byte) keys12 {
	seed := append(append([]byte{}, serverRandom...), clientRandom...)
	kb := prf12(s.hash, master, "key expansion", seed, 2*s.keyLen+2*s.fixedIV)
	var k keys12
	k.clientKey, kb = kb[:s.keyLen], kb[s.keyLen:]
	k.serverKey, kb = kb[:s.keyLen], kb[s.keyLen:]
	k.clientIV, kb = kb[:s.fixedIV], kb[s.fixedIV:]
	k.serverIV = kb[:s.fixedIV]
	return k
}

// expandLabel is TLS 1.3's HKDF-Expand-Label (RFC 8446 section 7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, context []byte, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full)+len(context))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	return hkdf.Expand(h, secret, string(info), n)
}

// trafficKeys13 derives a TLS 1.3 record key and IV from a traffic
// secret (RFC 8446 section 7.3).
func trafficKeys13(s *suite, secret []byte) (key, iv []byte, err error) {
	if key, err = expandLabel(s.hash, secret, "key", nil, s.keyLen); err != nil {
		return nil, nil, err
	}
	iv, err = expandLabel(s.hash, secret, "iv", nil, 12)
	return key, iv, err
}

// nextSecret13 is the traffic secret after a KeyUpdate (RFC 8446 section
// 7.2).
func nextSecret13(s *suite, secret []byte) ([]byte, error) {
	return expandLabel(s.hash, secret, "traffic upd", nil, s.hash().Size())
}
