package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ftpdiag/ftpdiag/report"
)

// maxReportBytes bounds a JSON report read back by render: a probe report
// is tens of KiB, with a long transcript a few MiB. A variable for tests.
var maxReportBytes int64 = 64 << 20

func newRenderCommand(e *env) *cobra.Command {
	var format, output string
	var noColor bool
	cmd := &cobra.Command{
		Use:   "render [flags] REPORT.json",
		Short: "Render a saved JSON report in another format",
		Long: `Render reads a report saved with "ftpdiag probe --format json" or
"ftpdiag analyze --format json" (or jsonl; schema ftpdiag/v1; "kind":
"capture" tells an analyze report) and renders the same report as text,
markdown, html, json or jsonl, so
one run can give the terminal view now and the ticket attachment later. "-"
reads standard input. Nothing is probed or read again; the exit status is the
one the report's run had.`,
		Example: `  ftpdiag probe --format json -o report.json ftp://203.0.113.10/
  ftpdiag render --format markdown report.json > ticket.md
  ftpdiag analyze --format json -o capture.json ticket.pcapng
  ftpdiag render --format html -o capture.html capture.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("render takes exactly one report file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := report.ParseFormat(format)
			if err != nil {
				return usageError("%v", err)
			}
			r, err := readReport(cmd.Context(), e, args[0])
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			code := exitOK
			if r.capture != nil {
				err, code = writeCaptureReport(e, output, r.capture, f, !noColor), r.capture.ExitCode()
			} else {
				err, code = writeReport(e, output, r.probe, f, !noColor), r.probe.ExitCode()
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if code != exitOK {
				return &exitError{code: code, err: fmt.Errorf("problems found")}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "text", "report `FORMAT`: text, json, jsonl (one JSON object per line), markdown, html")
	fl.StringVarP(&output, "output", "o", "", "write the report to `FILE` instead of standard output")
	fl.BoolVar(&noColor, "no-color", false, "never colour the text report (NO_COLOR is honoured too)")
	return cmd
}

// savedReport is a report read back: a probe's diagnosis, or an analyze
// report (kind "capture").
type savedReport struct {
	probe   *report.Diagnosis
	capture *report.CaptureDiagnosis
}

// readReport reads a ftpdiag/v1 JSON report of either kind and validates
// it: a report file is input like any other, so a malformed or hand-made
// one is refused with one line (exit 2). The read is bounded by
// maxReportBytes and gives up when ctx ends (a FIFO nobody writes to, a
// terminal on stdin).
func readReport(ctx context.Context, e *env, path string) (*savedReport, error) {
	type result struct {
		d   *savedReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		d, err := decodeReport(e, path)
		done <- result{d, err}
	}()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("read report %s: %w", path, context.Cause(ctx))
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("read report %s: %w", path, r.err)
		}
		return r.d, nil
	}
}

// decodeReport opens and decodes the report, reading at most
// maxReportBytes, and validates it.
func decodeReport(e *env, path string) (*savedReport, error) {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open: %w", err)
		}
		defer f.Close()
		r = f
	}
	lr := &io.LimitedReader{R: r, N: maxReportBytes + 1}
	raw, err := io.ReadAll(lr)
	switch {
	case lr.N <= 0:
		return nil, fmt.Errorf("larger than %d MiB: not a report", maxReportBytes>>20)
	case err != nil:
		return nil, fmt.Errorf("read: %w", err)
	}
	values, err := jsonValues(raw)
	if err != nil {
		return nil, err
	}
	var head struct {
		Kind     string          `json:"kind"`
		Sessions json.RawMessage `json:"sessions"`
	}
	if err := decodeOne(values[0], &head); err != nil {
		return nil, err
	}
	switch head.Kind {
	case "":
		if len(values) > 1 {
			return nil, fmt.Errorf("not a JSON report: more data after the report")
		}
		var d report.Diagnosis
		if err := decodeOne(values[0], &d); err != nil {
			return nil, err
		}
		if err := d.Validate(); err != nil {
			return nil, err
		}
		return &savedReport{probe: &d}, nil
	case "capture":
		// JSON Lines: an envelope on one line without sessions; an
		// indented envelope without sessions is a damaged JSON report.
		lines := head.Sessions == nil && !bytes.Contains(values[0], []byte("\n"))
		cd, err := decodeCapture(values, !lines)
		if err != nil {
			return nil, err
		}
		if err := cd.Validate(); err != nil {
			return nil, err
		}
		return &savedReport{capture: cd}, nil
	}
	kind := head.Kind
	if len(kind) > 40 {
		kind = kind[:40] + "..."
	}
	return nil, fmt.Errorf("report kind %q is neither a probe report (no kind) nor \"capture\" (ftpdiag analyze)", kind)
}

// jsonValues splits raw into its top-level JSON values: one for a JSON
// report, several for JSON Lines (--format jsonl).
func jsonValues(raw []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var out []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if err == io.EOF && len(out) > 0 {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not a JSON report: %s", oneLine(err.Error()))
		}
		out = append(out, v)
	}
}

// decodeCapture decodes an analyze report: one JSON object holding its
// sessions, or JSON Lines: the envelope without sessions, then one
// session's diagnosis per line.
func decodeCapture(values []json.RawMessage, inline bool) (*report.CaptureDiagnosis, error) {
	var cd report.CaptureDiagnosis
	if err := decodeOne(values[0], &cd); err != nil {
		return nil, err
	}
	if inline {
		if len(values) > 1 {
			return nil, fmt.Errorf("not a JSON report: more data after the report")
		}
		return &cd, nil
	}
	cd.Sessions = make([]*report.Diagnosis, 0, len(values)-1)
	for i, v := range values[1:] {
		var d report.Diagnosis
		if err := decodeOne(v, &d); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+2, err)
		}
		cd.Sessions = append(cd.Sessions, &d)
	}
	return &cd, nil
}

// decodeOne decodes the one JSON value raw holds into v.
func decodeOne(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = fmt.Errorf("more data after the report")
	}
	if err != nil {
		return fmt.Errorf("not a JSON report: %s", oneLine(err.Error()))
	}
	return nil
}
