package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/responder"
)

// responderFlags are the responder command's flags.
type responderFlags struct {
	listen     []string
	tlsCert    string
	tlsKey     string
	secretFile string
	open       bool
	local      bool
}

// dropPrivileges is responder.DropPrivileges; tests, which run as root,
// replace it.
var dropPrivileges = responder.DropPrivileges

// maxSecretFile bounds the secret file read.
const maxSecretFile = 4 << 10

func newResponderCommand(e *env) *cobra.Command {
	var f responderFlags
	cmd := &cobra.Command{
		Use:   "responder [--listen ADDR]... [--tls-cert FILE --tls-key FILE] (--secret-file FILE | --open)",
		Short: "Run an FTP server outside the firewall that reports what reached it",
		Long: `Responder is the second vantage point: run it on a host outside the client's
firewall (a VPS) and probe it from the client side with
"ftpdiag probe --responder-secret-file FILE ftp://HOST/". It serves generated
data only (no file system), and records per session the source address and
port of every connection, every command as it arrived (PORT/EPRT after any
ALG on the way) and the TLS used; "SITE FTPDIAG REPORT" returns the record.

LISTEN
  --listen ADDR          explicit FTPS when a certificate is given (default :21
                         and :2121: an ALG keyed on port 21 engages on one only)
  --listen ftps://ADDR   implicit FTPS (TLS first; needs --tls-cert)

SECURITY
  It calls back only the control connection's source address, never a
  third host, and never this host itself (a local user, or a proxy here,
  could otherwise reach its services from port 20) unless
  --local-callbacks says so, for a lab. Nothing but login is served before the client answers the
  challenge (HMAC-SHA256 of the FEAT nonce under the shared secret in
  --secret-file); --open drops the challenge, for a lab only. Sessions are
  limited per address. Started as root it drops to nobody once bound (port
  20 callbacks are then impossible): run it as a user with
  CAP_NET_BIND_SERVICE instead (README, "Running a responder").`,
		Example: `  head -c 32 /dev/urandom | base64 > /etc/ftpdiag/secret
  ftpdiag responder --secret-file /etc/ftpdiag/secret --listen :21 --listen :2121`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runResponder(cmd.Context(), e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.listen, "listen", []string{":21", ":2121"}, "address to serve on (`ADDR`, or ftps://ADDR for implicit FTPS); repeatable")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate chain `FILE` for FTPS")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM private key `FILE` for FTPS")
	fl.StringVar(&f.secretFile, "secret-file", "", "shared secret `FILE` (at least 16 bytes) the probe must prove it knows")
	fl.BoolVar(&f.open, "open", false, "serve without the shared-secret challenge (labs only)")
	fl.BoolVar(&f.local, "local-callbacks", false, "also call back clients on this host itself (loopback or its own addresses; labs only)")
	return cmd
}

// responderListen is one --listen value.
type responderListen struct {
	addr     string
	implicit bool
}

func (f responderFlags) config(ctx context.Context, e *env) (responder.Config, []responderListen, error) {
	var cfg responder.Config
	switch {
	case f.open && f.secretFile != "":
		return cfg, nil, usageError("--open and --secret-file exclude each other")
	case !f.open && f.secretFile == "":
		return cfg, nil, usageError("responder needs --secret-file FILE (or --open, for a lab)")
	case (f.tlsCert == "") != (f.tlsKey == ""):
		return cfg, nil, usageError("--tls-cert and --tls-key go together")
	}
	cfg.Open, cfg.LocalCallbacks = f.open, f.local
	if f.secretFile != "" {
		s, err := readSecretFile(ctx, f.secretFile)
		if err != nil {
			return cfg, nil, usageError("--secret-file: %v", err)
		}
		cfg.Secret = s
	}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return cfg, nil, usageError("--tls-cert/--tls-key: %v", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ls, err := parseListens(f.listen, cfg.TLS != nil)
	if err != nil {
		return cfg, nil, err
	}
	v, _, _ := buildVersion()
	cfg.Version = strings.ReplaceAll(v, " ", "_")
	cfg.Log = e.stderr
	return cfg, ls, nil
}

func parseListens(vals []string, haveTLS bool) ([]responderListen, error) {
	var ls []responderListen
	for _, v := range vals {
		l := responderListen{addr: v}
		if rest, ok := strings.CutPrefix(v, "ftps://"); ok {
			l = responderListen{addr: rest, implicit: true}
			if !haveTLS {
				return nil, usageError("--listen %s: implicit FTPS needs --tls-cert and --tls-key", v)
			}
		}
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			return nil, usageError("--listen %q: want HOST:PORT or :PORT (%v)", v, err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// readSecretFile reads a shared secret (a regular file of at most
// maxSecretFile bytes), trailing white space trimmed.
func readSecretFile(ctx context.Context, name string) ([]byte, error) {
	b, err := probe.ReadSmallFile(ctx, name, maxSecretFile)
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(string(b), " \t\r\n")), nil
}

func runResponder(ctx context.Context, e *env, f responderFlags) error {
	cfg, ls, err := f.config(ctx, e)
	if err != nil {
		return err
	}
	srv, err := responder.New(cfg)
	if err != nil {
		return usageError("%v", err)
	}
	lns, err := listenAll(ctx, ls)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if f.open {
		fmt.Fprintln(e.stderr, "ftpdiag: warning: --open: anyone may use this responder (no shared secret); for a lab only")
	}
	dropped, err := dropPrivileges()
	if err != nil {
		closeAll(lns)
		return &exitError{code: exitUsage, err: err}
	}
	if dropped {
		fmt.Fprintln(e.stderr, "ftpdiag: running as nobody now; active callbacks cannot come from port 20 (run as a user with CAP_NET_BIND_SERVICE to keep them)")
	}
	return serveAll(ctx, e, srv, ls, lns)
}

func listenAll(ctx context.Context, ls []responderListen) ([]net.Listener, error) {
	var lc net.ListenConfig
	var lns []net.Listener
	for _, l := range ls {
		ln, err := lc.Listen(ctx, "tcp", l.addr)
		if err != nil {
			closeAll(lns)
			return nil, fmt.Errorf("listen %s: %w", l.addr, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// serveAll serves every listener until ctx ends (exit 0) or one fails.
func serveAll(ctx context.Context, e *env, srv *responder.Server, ls []responderListen, lns []net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(lns))
	for i, ln := range lns {
		kind := "FTP"
		if ls[i].implicit {
			kind = "implicit FTPS"
		}
		fmt.Fprintf(e.stderr, "ftpdiag: responder listening on %s (%s)\n", ln.Addr(), kind)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = srv.Serve(ctx, ln, ls[i].implicit); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	return nil
}
