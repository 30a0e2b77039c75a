package responder

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// The challenge: every session gets a fresh nonce, announced in FEAT
// (ftp.ResponderFeatPrefix, version, nonce). The client proves it knows the
// shared secret with "SITE FTPDIAG AUTH <ftp.ResponderAnswer(secret,
// nonce)>".

// nonceBytes is the nonce's entropy: 128 bits, never repeated in practice.
const nonceBytes = 16

// newNonce returns a fresh random nonce in hex.
func newNonce() string {
	b := make([]byte, nonceBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// verify reports whether answer is the right answer for nonce, in
// constant time.
func verify(secret []byte, nonce, answer string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(answer))
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(ftp.ResponderAnswer(secret, nonce))
	return hmac.Equal(got, want)
}
