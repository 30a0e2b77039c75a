package responder

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Server is a responder; serve it on one or more listeners.
type Server struct {
	cfg   Config
	lim   *limiter
	logMu sync.Mutex
	wg    sync.WaitGroup
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Server{cfg: cfg, lim: newLimiter(cfg)}, nil
}

// Serve accepts sessions on ln until ctx ends, then closes ln, ends every
// session and returns nil once they are gone. With implicitTLS every
// session starts with a TLS handshake (FTPS on port 990); it needs
// Config.TLS. Any other accept error is returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener, implicitTLS bool) error {
	if implicitTLS && s.cfg.TLS == nil {
		return errors.New("responder: implicit TLS needs a certificate")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var err error
	for {
		var c net.Conn
		c, err = ln.Accept()
		if err != nil {
			break
		}
		s.start(ctx, c, implicitTLS)
	}
	cancel()
	s.wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("responder: accept: %w", err)
}

// start admits a connection and runs its session.
func (s *Server) start(ctx context.Context, c net.Conn, implicitTLS bool) {
	src := addrPortOf(c.RemoteAddr()).Addr()
	ok, why := s.lim.admit(src)
	if !ok {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.turnAway(c, why)
		}()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.lim.release(src)
		newSession(s, c, implicitTLS).run(ctx)
	}()
}

// turnAway answers 421 and closes, logging the refusal.
func (s *Server) turnAway(c net.Conn, why string) {
	defer c.Close()
	_ = c.SetWriteDeadline(s.cfg.Now().Add(writeTimeout))
	_, _ = fmt.Fprintf(c, "421 %s.\r\n", why)
	s.logf("session %s refused: %s", addrPortOf(c.RemoteAddr()), why)
}

// logf writes one log line.
func (s *Server) logf(format string, a ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, "%s responder: %s\n", s.cfg.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, a...))
}

// addrPortOf returns a net.Addr's address and port (zero when it is not
// TCP), IPv4-mapped addresses unmapped.
func addrPortOf(a net.Addr) netip.AddrPort {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}
	}
	ap := t.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
