// Command ftpdiag diagnoses why FTP data connections fail: it probes every
// data mode (EPSV, PASV, EPRT, PORT) against a server and explains which
// work, which do not and why, in a report fit to attach to a ticket.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
