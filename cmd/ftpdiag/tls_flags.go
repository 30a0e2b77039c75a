package main

import (
	"context"
	"os"

	"github.com/spf13/pflag"

	"github.com/ftpdiag/ftpdiag/internal/outfile"
	"github.com/ftpdiag/ftpdiag/probe"
)

// tlsFlags are the probe command's FTPS flags.
type tlsFlags struct {
	mode     string
	prot     string
	insecure bool
	caFile   string
	max      string
	keylog   string
	// allowPlainLogin: the plain-text comparison of --tls auto may send
	// the user's own USER/PASS in clear.
	allowPlainLogin bool
}

func (t *tlsFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&t.mode, "tls", string(probe.TLSAuto), "TLS on the control connection: auto (AUTH TLS when offered), off, explicit, implicit; ftpes:// and ftps:// imply explicit and implicit")
	fl.StringVar(&t.prot, "prot", probe.ProtPrivate, "data protection level under TLS: P (data connections in TLS) or C (clear)")
	fl.BoolVar(&t.insecure, "insecure", false, "go on when the server certificate does not verify (it is still reported)")
	fl.StringVar(&t.max, "tls-max", "", "highest TLS version to offer: 1.2 or 1.3 (default: 1.3, with a retry at 1.2 when the server refuses TLS 1.3 data sessions)")
	fl.BoolVar(&t.allowPlainLogin, "allow-plain-login", false, "with --tls auto, log in with your own user and password in clear text for the plain-FTP comparison of the passive modes (default: an anonymous login, or no comparison)")
	fl.StringVar(&t.caFile, "ca-file", "", "verify the server certificate against the PEM certificates in `FILE` instead of the system roots")
	fl.StringVar(&t.keylog, "tls-keylog", "", "append the TLS secrets of every connection to `FILE` (NSS key log, created mode 0600) for analyze --tls-keylog: whoever has this file and the capture can read the whole session, password included")
}

// openKeyLog opens --tls-keylog's file for appending (as SSLKEYLOGFILE
// is), created readable by its owner alone; nil when the flag is unset.
// The file must not be one of the run's other outputs.
func (t *tlsFlags) openKeyLog(others ...string) (*os.File, error) {
	if t.keylog == "" {
		return nil, nil
	}
	for _, o := range others {
		if o != "" && o != "-" && outfile.Same(o, t.keylog) {
			return nil, usageError("--tls-keylog and another output name the same file %s: give each its own", t.keylog)
		}
	}
	if err := outfile.Check(t.keylog); err != nil {
		return nil, fileError("--tls-keylog: %w", err)
	}
	f, err := os.OpenFile(t.keylog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fileError("--tls-keylog: %w", err)
	}
	return f, nil
}

// options turns the flags into probe.TLSOptions.
func (t *tlsFlags) options(ctx context.Context) (probe.TLSOptions, error) {
	var o probe.TLSOptions
	m, err := probe.ParseTLSMode(t.mode)
	if err != nil {
		return o, usageError("--tls: %v", err)
	}
	o.Mode = m
	if o.Prot, err = probe.ParseProt(t.prot); err != nil {
		return o, usageError("--prot: %v", err)
	}
	o.Insecure = t.insecure
	o.AllowPlainLogin = t.allowPlainLogin
	if o.MaxVersion, err = probe.ParseTLSMax(t.max); err != nil {
		return o, usageError("--tls-max: %v", err)
	}
	if t.caFile != "" {
		pool, err := probe.LoadCAFile(ctx, t.caFile)
		if err != nil {
			return o, usageError("--ca-file: %v", err)
		}
		o.RootCAs, o.RootsName = pool, t.caFile
	}
	return o, nil
}
