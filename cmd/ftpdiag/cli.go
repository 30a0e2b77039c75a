package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes (DESIGN.md): 0 every probed data mode works, 1 at least one
// error finding, 2 could not run.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

// exitError carries an exit code out of a cobra RunE. Only a usage error
// (bad flags, URL or arguments) is followed by the "Run --help" hint; a
// failure at run time (a file that cannot be written, an interrupted run)
// is one line.
type exitError struct {
	code  int
	err   error
	usage bool
	// silent: the command has already said everything on stdout (check's
	// status line); run prints nothing more.
	silent bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks an error as the user's (exit 2, with a hint).
func usageError(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...), usage: true}
}

// env is what a command needs from the process, so the CLI runs in tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
}

// run is main without the process: it parses args, runs the command and
// returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: lookupEnv}
	root := newRootCommand(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && (ee.code == exitFindings || ee.silent) {
		return ee.code
	}
	fmt.Fprintf(stderr, "ftpdiag: %s\n", oneLine(err.Error()))
	if !errors.As(err, &ee) || ee.usage {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

func newRootCommand(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "ftpdiag",
		Short: "Diagnose why FTP transfers fail when login works",
		Long: `ftpdiag logs in to an FTP server and tries a directory listing and a small
download in every data mode (EPSV, PASV, EPRT, PORT), each on its own control
connection. It reports which modes work, where the data connection stops and
why (a server behind NAT announcing its private address, a firewall dropping
the passive port range, a client NAT breaking active mode, ...), and the
configuration line that fixes it.

EXIT STATUS
  0  every probed data mode works
  1  at least one problem (error finding) was found
  2  ftpdiag could not run, or not to the end (bad flags, bad URL, internal
     failure, a run interrupted or stopped by --timeout: the report is partial)`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// "completion" is ours (completion.go): cobra's default is not added.
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err, usage: true}
	})
	root.AddCommand(newProbeCommand(e), newRenderCommand(e), newVersionCommand(e))
	root.AddCommand(newAnalyzeCommand(e), newCheckCommand(e), newExporterCommand(e), newResponderCommand(e))
	root.AddCommand(newCompletionCommand(e), newManCommand(e))
	registerFlagCompletions(root)
	return root
}
