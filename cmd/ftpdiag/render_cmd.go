package main

import (
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
		Long: `Render reads a report saved with "ftpdiag probe --format json" (schema
ftpdiag/v1) and renders the same diagnosis as text, markdown or html, so one
probe can give the terminal view now and the ticket attachment later. "-" reads
standard input. Nothing is probed again.`,
		Example: `  ftpdiag probe --format json -o report.json ftp://203.0.113.10/
  ftpdiag render --format markdown report.json > ticket.md`,
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
			d, err := readReport(cmd.Context(), e, args[0])
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if err := writeReport(e, output, d, f, !noColor); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if code := d.ExitCode(); code != exitOK {
				return &exitError{code: code, err: fmt.Errorf("problems found")}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "text", "report `FORMAT`: text, json, markdown, html")
	fl.StringVarP(&output, "output", "o", "", "write the report to `FILE` instead of standard output")
	fl.BoolVar(&noColor, "no-color", false, "never colour the text report (NO_COLOR is honoured too)")
	return cmd
}

// readReport reads a ftpdiag/v1 JSON probe report and validates it: a
// report file is input like any other, so a malformed or hand-made one is
// refused with one line (exit 2). The read is bounded by maxReportBytes and
// gives up when ctx ends (a FIFO nobody writes to, a terminal on stdin).
func readReport(ctx context.Context, e *env, path string) (*report.Diagnosis, error) {
	type result struct {
		d   *report.Diagnosis
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
func decodeReport(e *env, path string) (*report.Diagnosis, error) {
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
	var doc struct {
		report.Diagnosis
		Kind string `json:"kind"`
	}
	dec := json.NewDecoder(lr)
	err := dec.Decode(&doc)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = fmt.Errorf("more data after the report")
	}
	switch {
	case lr.N <= 0:
		return nil, fmt.Errorf("larger than %d MiB: not a report", maxReportBytes>>20)
	case err != nil:
		return nil, fmt.Errorf("not a JSON report: %s", oneLine(err.Error()))
	case doc.Kind == "capture":
		return nil, fmt.Errorf("an \"ftpdiag analyze\" report: render takes the JSON of \"ftpdiag probe\"")
	}
	if err := doc.Diagnosis.Validate(); err != nil {
		return nil, err
	}
	return &doc.Diagnosis, nil
}
