package responder

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// The challenge: every session gets a fresh nonce, announced in FEAT
// (FeatPrefix, version, nonce). The client proves it knows the shared
// secret with "SITE FTPDIAG AUTH <hex HMAC-SHA256(secret, nonce)>".

// FeatPrefix starts the FEAT line that identifies a responder.
const FeatPrefix = "FTPDIAG-RESPONDER"

// nonceBytes is the nonce's entropy: 128 bits, never repeated in practice.
const nonceBytes = 16

// newNonce returns a fresh random nonce in hex.
func newNonce() string {
	b := make([]byte, nonceBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Answer is the challenge's answer: hex HMAC-SHA256 of the nonce (as
// announced, in hex) under the shared secret.
func Answer(secret []byte, nonce string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// verify reports whether answer is the right answer for nonce, in
// constant time.
func verify(secret []byte, nonce, answer string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(answer))
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(Answer(secret, nonce))
	return hmac.Equal(got, want)
}
