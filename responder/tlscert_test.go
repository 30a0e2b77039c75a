package responder

import (
	"crypto/tls"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
)

func testTLS(t *testing.T) *tls.Config { return ftptest.NewTestCert(t).Config }
