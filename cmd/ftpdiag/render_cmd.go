package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ftpdiag/ftpdiag/report"
)

// maxReportBytes bounds a JSON report read back by render.
const maxReportBytes = 64 << 20

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
			d, err := readReport(e, args[0])
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

// readReport decodes a ftpdiag/v1 JSON probe report.
func readReport(e *env, path string) (*report.Diagnosis, error) {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open report: %w", err)
		}
		defer f.Close()
		r = f
	}
	var d report.Diagnosis
	dec := json.NewDecoder(io.LimitReader(r, maxReportBytes))
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("read report %s: not a JSON report: %w", path, err)
	}
	if d.Schema != report.Schema {
		return nil, fmt.Errorf("read report %s: schema %q, want %q (only probe reports can be re-rendered)", path, d.Schema, report.Schema)
	}
	return &d, nil
}
