package main

import (
	"fmt"
	"io"

	"github.com/ftpdiag/ftpdiag/internal/outfile"
)

// checkOutputs checks the files a command will write (-o, --pcap) before
// it does any work, so that a bad path costs a one-line error (exit 2)
// instead of a whole probe run. "" and "-" (standard output) are not
// files; pcap is "" for commands without --pcap.
func checkOutputs(output, pcap string) error {
	isFile := func(p string) bool { return p != "" && p != "-" }
	if isFile(output) {
		if err := outfile.Check(output); err != nil {
			return usageError("-o: %v", err)
		}
	}
	if pcap != "" {
		if err := outfile.Check(pcap); err != nil {
			return usageError("--pcap: %v", err)
		}
	}
	if isFile(output) && pcap != "" && outfile.Same(output, pcap) {
		return usageError("-o and --pcap name the same file %s: give each its own", pcap)
	}
	return nil
}

// writeOutput writes a report to path through render: beside it first,
// then renamed over it once complete, so a failed render leaves what was
// there. Only a regular file (or a link to one) is ever replaced.
func writeOutput(path string, render func(io.Writer) error) error {
	f, err := outfile.Create(path, 0o666)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := render(f); err != nil {
		f.Abort()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
