package responder

import (
	"testing"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// TestVerify: only the HMAC of this nonce under this secret passes.
func TestVerify(t *testing.T) {
	s := []byte("0123456789abcdef")
	if !verify(s, "n1", ftp.ResponderAnswer(s, "n1")) {
		t.Error("right answer refused")
	}
	for _, bad := range []string{ftp.ResponderAnswer(s, "n2"), ftp.ResponderAnswer([]byte("0123456789abcdeX"), "n1"), "", "zz", ftp.ResponderAnswer(s, "n1")[:10]} {
		if verify(s, "n1", bad) {
			t.Errorf("wrong answer %q accepted", bad)
		}
	}
}
