package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/report"
)

// probeFlags are the probe command's flags.
type probeFlags struct {
	format           string
	output           string
	connectTimeout   time.Duration
	dataTimeout      time.Duration
	replyTimeout     time.Duration
	runTimeout       time.Duration
	trustPasvAddress bool
	activePortRange  string
	passwordStdin    bool
	modes            string
	noColor          bool
	retrBytes        int64
	pasvSamples      int
	capture          string
	iface            string
	pcap             string
	responderSecret  string
	tls              tlsFlags      // tls_flags.go
	xfer             transferFlags // transfer_flags.go
}

func newProbeCommand(e *env) *cobra.Command {
	var f probeFlags
	cmd := &cobra.Command{
		Use:   "probe [flags] ftp://[user@]host[:port][/path]",
		Short: "Probe an FTP server in every data mode and explain what fails",
		Long: `Probe logs in to the server once per data mode (EPSV, PASV, EPRT, PORT), each
on its own control connection, and runs a LIST and a small RETR over a fresh
data connection: the file named in the URL, or else the first regular file
under 1 MiB in the listing (at most --retr-bytes are read, then ABOR).

URL
  ftp://host                      anonymous login, home directory
  ftp://user@host:2121/pub/       list pub/ (a trailing / names a directory)
  ftp://user@host/pub/file.bin    list pub/ and download file.bin
  ftpes://user@host/              explicit FTPS (AUTH TLS on port 21)
  ftps://user@host/               implicit FTPS (TLS from the start, port 990)
  With ftp:// and --tls auto (the default) the probe tries AUTH TLS and uses
  TLS when the server offers it; it then probes the passive modes in plain
  text too, to catch an FTP ALG that only works without TLS. That plain-text
  comparison logs in anonymously: a named user's password is never sent in
  clear text. When the server refuses anonymous logins the comparison is
  skipped (the report says so); --allow-plain-login runs it with your own
  login, in clear.

PASSWORD (never printed, never written to a report)
  FTPDIAG_PASSWORD                environment variable
  --password-stdin                first line of standard input
  ~/.netrc (or $NETRC)            "machine HOST login USER password PASS"
  prompt                          asked without echo when on a terminal
A password inside the URL works but draws a warning; a / ? # or @ in it must
be percent-encoded (%2F %3F %23 %40), or the URL is refused.

RESPONDER
  Against an "ftpdiag responder" (run outside your firewall), give its
  shared secret with --responder-secret-file: the report then compares what
  was sent with what reached the responder (PORT/EPRT and 227/229 rewritten
  by an ALG, your public address, one or several).

SAFETY
  The probe connects only to the server named in the URL. When a 227 reply
  announces another address (a server behind NAT), it dials the control
  connection's address with the announced port, as curl and FileZilla do,
  and reports both; --trust-pasv-address dials the announced address.`,
		Example: `  ftpdiag probe ftp://203.0.113.10/
  FTPDIAG_PASSWORD=secret ftpdiag probe --format json ftp://alice@ftp.example.com:2121/pub/file.bin`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("probe takes exactly one URL, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProbe(cmd, e, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "report `FORMAT`: text, json, jsonl (one JSON object per line), markdown, html")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` instead of standard output")
	fl.BoolVar(&f.noColor, "no-color", false, "never colour the text report (NO_COLOR is honoured too)")
	f.register(fl)
	return cmd
}

// register adds the flags that shape a probe run (those of probe, shared
// by check); the report flags (--format, --output, --no-color) are the
// probe command's own.
func (f *probeFlags) register(fl *pflag.FlagSet) {
	durationVar(fl, &f.connectTimeout, "connect-timeout", probe.DefaultConnectTimeout, "wait this long for the control connection")
	durationVar(fl, &f.dataTimeout, "data-timeout", probe.DefaultDataTimeout, "wait this long for a data connection and for each data read")
	durationVar(fl, &f.replyTimeout, "reply-timeout", probe.DefaultReplyTimeout, "wait this long for each control reply")
	durationVar(fl, &f.runTimeout, "timeout", probe.DefaultRunTimeout, "stop the whole run after this long (the report then says it was cut short, exit 2)")
	fl.StringVar(&f.responderSecret, "responder-secret-file", "", "shared secret `FILE` of an ftpdiag responder (see 'ftpdiag responder --help'): the probe answers its challenge and compares what it sent with what the responder received")
	fl.BoolVar(&f.trustPasvAddress, "trust-pasv-address", false, "dial the address a 227 reply announces even when it differs from the server's")
	fl.StringVar(&f.activePortRange, "active-port-range", "", "listen for active-mode data connections on local ports `A-B`")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	fl.StringVar(&f.modes, "modes", "EPSV,PASV,EPRT,PORT", "comma-separated data modes to probe")
	fl.Int64Var(&f.retrBytes, "retr-bytes", probe.DefaultRetrBytes, "read at most this many bytes of the downloaded file, then ABOR")
	fl.StringVar(&f.capture, "capture", captureAuto, "capture packets beside the probe: auto (when permitted), on (fail if not permitted), off")
	fl.StringVar(&f.iface, "interface", "", "capture on `IFACE` (default: the one the route to the server uses)")
	fl.StringVar(&f.pcap, "pcap", "", "save the capture as a pcapng `FILE` (PASS and ACCT arguments and the password masked); implies --capture on")
	fl.IntVar(&f.pasvSamples, "pasv-samples", probe.DefaultPasvSamples, "passive replies per passive mode used to infer the server's passive port range (0: none beyond the transfers)")
	f.tls.register(fl)
	f.xfer.register(fl)
}

func runProbe(cmd *cobra.Command, e *env, f probeFlags, rawURL string) error {
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return usageError("%v", err)
	}
	if err := checkOutputs(f.output, f.pcap); err != nil {
		return err
	}
	res, d, err := probeAndDiagnose(cmd, e, f, rawURL, isTerminal(e.stderr))
	if err != nil {
		return err
	}
	if err := writeReport(e, f.output, d, format, !f.noColor); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if err := interruptedError(cmd.Context(), res, f.runTimeout); err != nil {
		return err
	}
	if code := d.ExitCode(); code != exitOK {
		return &exitError{code: code, err: fmt.Errorf("problems found")}
	}
	return nil
}

// interruptedError is the exit-2 error of a run cut short (Ctrl-C or
// --timeout), nil for a run that went to its end.
func interruptedError(ctx context.Context, res *probe.Result, runTimeout time.Duration) error {
	it := res.Interrupted
	if it == nil && ctx.Err() == nil {
		return nil
	}
	why := "interrupted"
	if it != nil && it.Cause == probe.CauseDeadline {
		why = fmt.Sprintf("the run reached its overall deadline (--timeout %s)", runTimeout)
	}
	return &exitError{code: exitUsage, err: fmt.Errorf("%s: the report is partial", why)}
}

// probeAndDiagnose runs the probe the flags describe, with its capture,
// and diagnoses it: what probe and check share. showProgress draws the
// progress line on stderr.
func probeAndDiagnose(cmd *cobra.Command, e *env, f probeFlags, rawURL string, showProgress bool) (*probe.Result, *report.Diagnosis, error) {
	opts, err := probeOptions(cmd.Context(), f)
	if err != nil {
		return nil, nil, err
	}
	target, warning, err := probe.ParseTarget(rawURL)
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	if warning != "" {
		fmt.Fprintf(e.stderr, "ftpdiag: warning: %s\n", warning)
	}
	if err := probe.ResolvePassword(&target, credentialSources(cmd.Context(), e, f.passwordStdin)); err != nil {
		return nil, nil, usageError("%v", err)
	}
	captureMode, err := validateCaptureFlags(f.capture, f.pcap)
	if err != nil {
		return nil, nil, err
	}
	cr := &captureRun{mode: captureMode, iface: f.iface, pcap: f.pcap}
	var prog *progress
	if showProgress {
		prog = newProgress(e.stderr, opts.Modes)
		opts.OnProgress = prog.update
	}
	res, ev, captureErr, err := runCaptured(cmd.Context(), target, opts, cr)
	if prog != nil {
		prog.finish()
	}
	f.xfer.printTranscripts(e.stderr, res)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: fmt.Errorf("probe %s: %w", target.URL, err)}
	}
	if captureErr != nil {
		fmt.Fprintf(e.stderr, "ftpdiag: warning: capture: %s\n", oneLine(captureErr.Error()))
	}
	return res, report.Diagnose(res, ev), nil
}

func probeOptions(ctx context.Context, f probeFlags) (probe.Options, error) {
	o := probe.Options{
		ConnectTimeout:   f.connectTimeout,
		DataTimeout:      f.dataTimeout,
		ReplyTimeout:     f.replyTimeout,
		RunTimeout:       f.runTimeout,
		TrustPasvAddress: f.trustPasvAddress,
		RetrBytes:        f.retrBytes,
		PasvSamples:      f.pasvSamples,
	}
	if f.pasvSamples < 0 || f.pasvSamples > 50 {
		return o, usageError("--pasv-samples must be between 0 and 50, got %d", f.pasvSamples)
	}
	if f.pasvSamples == 0 {
		o.PasvSamples = -1
	}
	if f.retrBytes <= 0 {
		return o, usageError("--retr-bytes must be positive, got %d", f.retrBytes)
	}
	for _, d := range []time.Duration{f.connectTimeout, f.dataTimeout, f.replyTimeout, f.runTimeout} {
		if d <= 0 {
			return o, usageError("timeouts must be positive, got %s", d)
		}
	}
	if f.activePortRange != "" {
		r, err := probe.ParsePortRange(f.activePortRange)
		if err != nil {
			return o, usageError("--active-port-range: %v", err)
		}
		o.ActivePorts = r
	}
	modes, err := parseModes(f.modes)
	if err != nil {
		return o, err
	}
	o.Modes = modes
	if f.responderSecret != "" {
		if o.ResponderSecret, err = readSecretFile(ctx, f.responderSecret); err != nil {
			return o, usageError("--responder-secret-file: %v", err)
		}
	}
	if o.TLS, err = f.tls.options(ctx); err != nil {
		return o, err
	}
	if err := f.xfer.apply(&o); err != nil {
		return o, err
	}
	return o, nil
}

func parseModes(s string) ([]probe.Mode, error) {
	var out []probe.Mode
	seen := map[probe.Mode]bool{}
	for _, part := range strings.Split(s, ",") {
		m := probe.Mode(strings.ToUpper(strings.TrimSpace(part)))
		valid := false
		for _, known := range probe.AllModes {
			valid = valid || m == known
		}
		if !valid {
			return nil, usageError("--modes: unknown mode %q (want EPSV, PASV, EPRT, PORT)", part)
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// writeReport renders d to -o FILE or stdout.
func writeReport(e *env, output string, d *report.Diagnosis, format report.Format, allowColor bool) error {
	if output != "" && output != "-" {
		return writeOutput(output, func(w io.Writer) error {
			return report.Render(w, d, format, report.RenderOptions{Version: versionString()})
		})
	}
	color := allowColor && wantColor(e.stdout, e.getenv)
	return report.Render(e.stdout, d, format, report.RenderOptions{Color: color, Version: versionString()})
}

func versionString() string {
	v, _, _ := buildVersion()
	return v
}
