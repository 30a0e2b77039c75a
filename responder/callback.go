package responder

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// The callback test ("SITE FTPDIAG CALLBACK <kind> <seconds>", ftp
// package): after a PORT/EPRT that passed the same check as for a
// transfer (the control connection's own source address, port 1024 or
// above), the responder connects to it once, from port 20 or from an
// ephemeral port, and says what it saw. At most one callback of each kind
// per session, each bounded by the seconds asked (at most
// ftp.MaxCallbackSeconds) and by the per-address callback rate.

// callbackWriteTimeout bounds the write of the callback's one line.
const callbackWriteTimeout = 2 * time.Second

// siteCallback serves SITE FTPDIAG CALLBACK.
func (s *session) siteCallback(ctx context.Context, args []string) bool {
	switch {
	case !s.authed:
		return s.reply(530, "Answer the challenge first.", "challenge not answered")
	case !s.loggedIn:
		return s.reply(530, "Please login with USER and PASS.", "")
	}
	kind, wait, ok := parseCallbackArgs(args)
	if !ok {
		return s.reply(501, fmt.Sprintf("Usage: SITE FTPDIAG CALLBACK %s|%s <seconds 1-%d>.", ftp.CallbackPort20, ftp.CallbackEphemeral, ftp.MaxCallbackSeconds), "")
	}
	dst := s.data.active
	switch {
	case s.callbacks[kind]:
		return s.reply(503, "One callback of each kind per session.", "callback "+kind+" repeated")
	case !dst.IsValid():
		return s.reply(503, "Send PORT or EPRT with this connection's own address first.", "")
	case s.foreign(dst) != "":
		// Never reached: callbackTo refused it already. Checked again
		// because a connection to a third host must be impossible.
		return s.reply(500, "Illegal callback address.", "refused: "+s.foreign(dst))
	case !s.srv.lim.callback(s.remote.Addr()):
		return s.reply(450, "Too many callbacks from your address, wait a minute.", "callback rate")
	}
	s.callbacks[kind] = true
	s.dataRec(s.data.activeIdx).Outcome = "used by callback " + kind
	s.data.close()
	cb := s.callback(ctx, kind, dst, wait)
	s.rec.Callbacks = append(s.rec.Callbacks, cb)
	from := cb.From
	if from == "" {
		from = "-"
	}
	return s.reply(200, fmt.Sprintf("Callback %s from %s to %s: %s.", kind, from, cb.To, cb.Outcome), "")
}

// parseCallbackArgs reads "<kind> <seconds>".
func parseCallbackArgs(args []string) (string, time.Duration, bool) {
	if len(args) != 2 {
		return "", 0, false
	}
	kind := strings.ToLower(args[0])
	if kind != ftp.CallbackPort20 && kind != ftp.CallbackEphemeral {
		return "", 0, false
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 || n > ftp.MaxCallbackSeconds {
		return "", 0, false
	}
	return kind, time.Duration(n) * time.Second, true
}

// callback connects to dst once, within wait, and writes the callback's
// line on the connection.
func (s *session) callback(ctx context.Context, kind string, dst netip.AddrPort, wait time.Duration) ftp.ResponderCallback {
	cb := ftp.ResponderCallback{Kind: kind, To: dst.String(), Seconds: int(wait / time.Second)}
	var port uint16
	if kind == ftp.CallbackPort20 {
		port = 20
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	c, err := s.dialFrom(ctx, port, dst)
	if err != nil {
		if why := bindFailure(err); why != "" && port == 20 {
			s.rec.Port20 = why
			cb.Outcome = ftp.CallbackNotTested + ": port 20 " + why
			return cb
		}
		if port == 20 {
			cb.From = netip.AddrPortFrom(s.local.Addr(), 20).String()
		}
		cb.Outcome = callbackOutcome(err)
		return cb
	}
	defer c.Close()
	if port == 20 {
		s.rec.Port20 = "bound"
	}
	cb.From = addrPortOf(c.LocalAddr()).String()
	cb.Outcome = ftp.CallbackConnected
	_ = c.SetWriteDeadline(s.cfg.Now().Add(callbackWriteTimeout))
	_, _ = c.Write([]byte(ftp.CallbackLine(kind, s.nonce) + "\r\n"))
	return cb
}

// bindFailure names a failure to bind the local port ("" when err is not
// one): "not permitted" (no CAP_NET_BIND_SERVICE) or "in use".
func bindFailure(err error) string {
	var se *os.SyscallError
	if !errors.As(err, &se) || se.Syscall != "bind" {
		return ""
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return "in use"
	}
	return "not permitted"
}

// callbackOutcome names a failed callback as the responder saw it.
func callbackOutcome(err error) string {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return ftp.CallbackTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ftp.CallbackRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ftp.CallbackUnreachable
	}
	return "error: " + oneLine(err.Error())
}
