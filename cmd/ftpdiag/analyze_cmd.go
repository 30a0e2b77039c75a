package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/capture/tlsdecrypt"
	"github.com/ftpdiag/ftpdiag/internal/outfile"
	"github.com/ftpdiag/ftpdiag/report"
)

// implicitFTPSPort is where implicit FTPS listens (RFC 4217): TLS from
// the first byte, found by port alone.
const implicitFTPSPort = 990

// analyzeFlags are the analyze command's flags.
type analyzeFlags struct {
	format       string
	output       string
	controlPorts []string
	session      int
	noColor      bool
	tlsKeylog    string
}

func newAnalyzeCommand(e *env) *cobra.Command {
	var f analyzeFlags
	cmd := &cobra.Command{
		Use:   "analyze [flags] FILE...",
		Short: "Explain the FTP sessions in a capture file someone else took",
		Long: `Analyze reads pcap or pcapng files (gzip-compressed too; - is standard input;
several files are merged into one timeline by timestamp), rebuilds every FTP
control session in them (port 21, implicit FTPS on 990, the --control-port
ports, and FTP found on other ports by its 220 greeting), links each data
connection to the PASV/EPSV/PORT/EPRT exchange that announced it, and gives
the same diagnosis as probe: one per session, plus a summary table. PASS
arguments never appear in the output.

An FTPS control connection (AUTH TLS, or implicit on 990) is encrypted: its
commands and replies cannot be read. With --tls-keylog FILE, an NSS key log
written by the client (SSLKEYLOGFILE for curl, Python, Firefox, lftp with
GnuTLS; tls.Config.KeyLogWriter in Go; ftpdiag probe --tls-keylog), the
control connections whose secrets it holds are decrypted (TLS 1.2 AES-GCM
and ChaCha20-Poly1305, TLS 1.3) and diagnosed like clear text. A key log
lets anyone with the capture read the session, password included: keep it
with the capture, and delete both when the ticket is closed. The report
still never shows the password.

A session is one client's FTP activity against one server: control
connections from one client address to one server that overlap in time.
The report says where the capture seems to have been taken (at the client,
at the server, or in the middle) and adapts its explanations.

EXIT STATUS
  0  no error finding in any session
  1  at least one error finding
  2  the input could not be read, in whole or in part (the sessions that
     could be read are still reported)`,
		Example: `  ftpdiag analyze ticket-4711.pcapng
  ftpdiag analyze --format html -o report.html client.pcap.gz server.pcap
  tcpdump -w - port 21 or portrange 30000-31000 | ftpdiag analyze -
  ftpdiag analyze --control-port 2121 --session 3 trace.pcapng
  SSLKEYLOGFILE=keys.log curl --ssl-reqd ftp://host/   (while tcpdump -w ftps.pcap runs)
  ftpdiag analyze --tls-keylog keys.log ftps.pcap`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("analyze needs at least one capture file (- for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAnalyze(e, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "report `FORMAT`: text, json, jsonl (one JSON object per line), markdown, html")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` instead of standard output")
	fl.StringSliceVar(&f.controlPorts, "control-port", nil, "FTP control `PORT`s besides 21 (repeatable, or a comma list)")
	fl.IntVar(&f.session, "session", 0, "show only session `N` of the summary")
	fl.BoolVar(&f.noColor, "no-color", false, "never colour the text report (NO_COLOR is honoured too)")
	fl.StringVar(&f.tlsKeylog, "tls-keylog", "", "decrypt FTPS control connections with the NSS key log `FILE` (SSLKEYLOGFILE); it holds the session's secrets, password included")
	return cmd
}

func runAnalyze(e *env, f analyzeFlags, files []string) error {
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return usageError("%v", err)
	}
	opt := capture.ReadOptions{ControlPorts: []uint16{21, implicitFTPSPort}}
	for _, p := range f.controlPorts {
		n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
		if err != nil || n == 0 {
			return usageError("--control-port: %q is not a port 1-65535", p)
		}
		opt.ControlPorts = append(opt.ControlPorts, uint16(n))
	}
	if f.session < 0 {
		return usageError("--session must be positive, got %d", f.session)
	}
	stdin := 0
	for _, p := range files {
		if p == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError("standard input (-) can be read only once")
	}
	if err := checkOutputs(f.output, ""); err != nil {
		return err
	}
	if f.tlsKeylog != "" {
		if f.output != "" && f.output != "-" && outfile.Same(f.tlsKeylog, f.output) {
			return usageError("-o %s is the key log: the report would replace it", f.output)
		}
		keys, err := tlsdecrypt.ReadKeyLog(f.tlsKeylog)
		if err != nil {
			return usageError("--tls-keylog: %s", oneLine(err.Error()))
		}
		opt.KeyLog = keys
	}
	for _, p := range files {
		if p != "-" && f.output != "" && f.output != "-" && outfile.Same(p, f.output) {
			return usageError("-o %s is one of the capture files: the report would replace it", f.output)
		}
	}
	traces := make([]capture.Trace, 0, len(files))
	var inputBytes int64 // of the regular files
	for _, p := range files {
		if p == "-" {
			traces = append(traces, capture.Trace{Name: "standard input", R: e.stdin})
			continue
		}
		fh, err := os.Open(p)
		if err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("analyze: %w", err)}
		}
		defer fh.Close()
		fi, err := fh.Stat()
		if err == nil && fi.IsDir() {
			return usageError("analyze: %s is a directory: name the capture files in it", p)
		}
		if err == nil && fi.Mode().IsRegular() {
			inputBytes += fi.Size()
		}
		traces = append(traces, capture.Trace{Name: p, R: fh})
	}
	adviseHugeHeap(inputBytes)
	if format == report.FormatJSON && f.session == 0 && opt.KeyLog == nil {
		return analyzeWhileReading(e, f.output, files, traces, opt)
	}
	ev, readErr := capture.ReadTraces(traces, opt)
	if ev == nil {
		return unreadable(readErr)
	}
	if opt.KeyLog != nil && !anyTLS(ev) {
		fmt.Fprintf(e.stderr, "ftpdiag: warning: --tls-keylog: no FTP control connection in the capture ran under TLS: the key log was not needed\n")
	}
	defer limitReportMemory()()
	cd := report.DiagnoseCaptureStream(ev)
	// One report is written: each session's facts go once it is (ev is
	// not read again).
	cd.RenderOnce()
	ev = nil
	cd.Files = files
	if readErr != nil {
		cd.ReadError = readErrorText(readErr)
	}
	if f.session > 0 && !cd.Select(f.session) {
		return usageError("--session %d: the capture has %d sessions", f.session, cd.Len())
	}
	if err := writeCaptureReport(e, f.output, cd, format, !f.noColor); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	return analyzeExit(cd, readErr)
}

// analyzeExit is how analyze ends once its report is written: exit 2 when
// the input could not be read whole, else 1 when a session has an error
// finding.
func analyzeExit(cd *report.CaptureDiagnosis, readErr error) error {
	if readErr != nil {
		if errors.Is(readErr, capture.ErrDamaged) {
			return &exitError{code: exitUsage, err: fmt.Errorf("%s (the report covers the packets read before the damage)", cd.ReadError)}
		}
		return &exitError{code: exitUsage, err: errors.New(cd.ReadError)}
	}
	if code := cd.ExitCode(); code != exitOK {
		return &exitError{code: code, err: fmt.Errorf("problems found")}
	}
	return nil
}

// analyzeWhileReading writes the JSON report while the capture is read:
// each session as soon as the capture shows it over (report.CaptureWriter),
// so that memory stays that of the sessions open at once, whatever the
// length of the capture. The report is the one the whole capture
// diagnosed at the end gives.
func analyzeWhileReading(e *env, output string, files []string, traces []capture.Trace, opt capture.ReadOptions) error {
	var (
		cd      *report.CaptureDiagnosis
		readErr error
		unread  bool
	)
	gov := governStreamMemory()
	defer gov.restore()
	write := func(w io.Writer) error {
		cw := report.NewCaptureWriter(w, versionString(), files)
		opt.Settled = cw.Settled
		ev, err := capture.ReadTraces(traces, opt)
		readErr = err
		if ev == nil {
			cw.Abort()
			unread = true
			return err // nothing was written: the file is left alone
		}
		cd, err = cw.Finish(ev, readErrorText(err))
		return err
	}
	var err error
	if output == "" || output == "-" {
		err = write(e.stdout)
	} else {
		err = writeOutput(output, write)
	}
	switch {
	case unread:
		return unreadable(readErr)
	case err != nil:
		return &exitError{code: exitUsage, err: err}
	}
	return analyzeExit(cd, readErr)
}

// unreadable is analyze's error when no input could be read at all.
func unreadable(readErr error) error {
	return &exitError{code: exitUsage, err: fmt.Errorf("analyze: %s", readErrorText(readErr))}
}

// readErrorText is a read error as the report and the terminal say it:
// one line, "" when none.
func readErrorText(err error) string {
	if err == nil {
		return ""
	}
	return oneLine(errText(err))
}

// errText is an error's text with the package prefix dropped, each joined
// error separated by "; ".
func errText(err error) string {
	if err == nil {
		return ""
	}
	parts := strings.Split(err.Error(), "\n")
	for i, p := range parts {
		parts[i] = strings.TrimPrefix(p, "capture: ")
	}
	return strings.Join(parts, "; ")
}

// writeCaptureReport renders cd to -o FILE or stdout.
func writeCaptureReport(e *env, output string, cd *report.CaptureDiagnosis, format report.Format, allowColor bool) error {
	opt := report.RenderOptions{Version: versionString()}
	if output == "" || output == "-" {
		opt.Color = allowColor && wantColor(e.stdout, e.getenv)
		return report.RenderCapture(e.stdout, cd, format, opt)
	}
	return writeOutput(output, func(w io.Writer) error {
		return report.RenderCapture(w, cd, format, opt)
	})
}

// anyTLS reports whether a control connection of the capture ran under
// TLS.
func anyTLS(ev *capture.Evidence) bool {
	for _, s := range ev.Sessions {
		if s.TLS != nil {
			return true
		}
	}
	return false
}
