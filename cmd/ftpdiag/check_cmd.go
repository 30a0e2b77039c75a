package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ftpdiag/ftpdiag/monitor"
)

// newCheckCommand is `ftpdiag check`: the probe as a Nagios/Icinga plugin.
func newCheckCommand(e *env) *cobra.Command {
	var f probeFlags
	var th monitor.Thresholds
	cmd := &cobra.Command{
		Use:   "check [flags] ftp://[user@]host[:port][/path]",
		Short: "Probe an FTP server as a Nagios/Icinga plugin: one status line, exit 0-3",
		Long: `Check runs the same probe as 'ftpdiag probe' (every flag of probe that shapes
the run is accepted here) and answers as a monitoring plugin does (the
Nagios plugin API, which Icinga, Naemon, Centreon, Checkmk and Zabbix's
external checks read):

  FTP OK - data modes work: EPSV, PASV, EPRT, PORT | time=0.412s;;;0 ...

STATES (exit status)
  0 OK        no finding above info, and the duration under --warning
  1 WARNING   a warning finding, or the probe took longer than --warning
  2 CRITICAL  an error finding (a data mode that fails, a login refused...),
              or the probe took longer than --critical
  3 UNKNOWN   the probe could not run to its end (bad flags or URL, no
              password, --timeout reached)

PERFDATA
  time (the whole probe, with the thresholds), connect, greeting, tls,
  login, data_setup, data_connect and transfer (seconds, the first data
  mode that worked) and modes_working (out of the modes that apply).

The password comes from the same places as probe's (FTPDIAG_PASSWORD,
--password-stdin, ~/.netrc) and never appears in the output. A plugin
timeout: give --timeout a little under the monitoring system's own.`,
		Example: `  ftpdiag check --modes EPSV,PASV --warning 5 --critical 20 ftp://ftp.example.net/
  FTPDIAG_PASSWORD=secret ftpdiag check --timeout 50 ftpes://monitor@ftp.example.net/probe.bin`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return checkUnknown(e, fmt.Errorf("check takes exactly one URL, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, e, f, th, args[0])
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return checkUnknown(e, err)
	})
	fl := cmd.Flags()
	f.register(fl)
	durationVar(fl, &th.Warning, "warning", 0, "WARNING when the probe takes longer than this (0: no limit)")
	durationVar(fl, &th.Critical, "critical", 0, "CRITICAL when the probe takes longer than this (0: no limit)")
	return cmd
}

func runCheck(cmd *cobra.Command, e *env, f probeFlags, th monitor.Thresholds, rawURL string) error {
	if th.Warning < 0 || th.Critical < 0 {
		return checkUnknown(e, fmt.Errorf("--warning and --critical must not be negative"))
	}
	start := time.Now()
	res, d, err := probeAndDiagnose(cmd, e, f, rawURL, false)
	if err != nil {
		return checkUnknown(e, err)
	}
	out := monitor.Outcome{Result: res, Diagnosis: d, Seconds: time.Since(start).Seconds()}
	if err := interruptedError(cmd.Context(), res, f.runTimeout); err != nil {
		out.Failed = err.Error()
	}
	st, line := monitor.Check(out, th)
	fmt.Fprintln(e.stdout, line)
	if st == monitor.StatusOK {
		return nil
	}
	return &exitError{code: int(st), err: fmt.Errorf("%s", st), silent: true}
}

// checkUnknown prints the UNKNOWN status line for an error that kept the
// check from running and exits 3, as the plugin API asks (not 2, which
// would read as CRITICAL).
func checkUnknown(e *env, err error) error {
	_, line := monitor.Check(monitor.Outcome{Failed: err.Error()}, monitor.Thresholds{})
	fmt.Fprintln(e.stdout, line)
	return &exitError{code: int(monitor.StatusUnknown), err: err, silent: true}
}
