package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// classify maps an error to the closed outcome vocabulary, once, where the
// error is born. Order: errno, then deadlines and cancellation, then
// protocol and TLS errors, then EOF, then "error".
func classify(err error) Outcome {
	if err == nil {
		return OutcomeOK
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ECONNREFUSED:
			return OutcomeRefused
		case syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED:
			return OutcomeReset
		case syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EHOSTDOWN, syscall.ENETDOWN, syscall.EACCES, syscall.EPERM:
			return OutcomeUnreachable
		case syscall.ETIMEDOUT:
			return OutcomeTimeout
		}
	}
	var dnsErr *net.DNSError
	var stall *stallError
	switch {
	case errors.As(err, &stall):
		return OutcomeStalled
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return OutcomeDNS
		}
		return OutcomeDNS
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	case errors.Is(err, ftp.ErrLineTooLong), errors.Is(err, ftp.ErrReplyTooLong), errors.Is(err, ftp.ErrMalformedReply):
		return OutcomeProtocol
	case isTLSError(err):
		return OutcomeTLS
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return OutcomeClosed
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return OutcomeTimeout
	}
	return OutcomeError
}

func isTLSError(err error) bool {
	var alert tls.AlertError
	var rec tls.RecordHeaderError
	var cert *tls.CertificateVerificationError
	return errors.As(err, &alert) || errors.As(err, &rec) || errors.As(err, &cert)
}
