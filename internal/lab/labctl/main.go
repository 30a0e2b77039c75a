//go:build linux

// Command labctl brings up one of the lab's named scenarios by hand, so a
// person can run ftpdiag (or curl, tcpdump...) inside it, and tears it down
// on Ctrl-C or when the given command exits. Run as root:
//
//	go run ./internal/lab/labctl -list
//	go run ./internal/lab/labctl passive-dropped
//	go run ./internal/lab/labctl healthy -- go run ./cmd/ftpdiag probe ftp://10.77.0.2/
//	go run ./internal/lab/labctl -server proftpd port-disabled
//
// -server picks the FTP server the scenario runs (vsftpd by default; the
// others need internal/lab/install-servers); -list shows which servers each
// scenario applies to.
//
// With a command after "--", it runs inside the client namespace and labctl
// exits with its exit code. The command's environment names the lab:
// FTPDIAG_LAB_SERVER (the server program), FTPDIAG_LAB_TARGET (the address
// the client dials), FTPDIAG_LAB_USER and FTPDIAG_LAB_PASSWORD (the lab's
// throwaway credentials), and the namespaces
// FTPDIAG_LAB_CLIENT_NS, FTPDIAG_LAB_CLIENT_GATEWAY_NS,
// FTPDIAG_LAB_SERVER_GATEWAY_NS and FTPDIAG_LAB_SERVER_NS (so a script can
// run tcpdump at every vantage, e.g. scripts/make-testdata-captures).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ftpdiag/ftpdiag/internal/lab"
)

func main() {
	os.Exit(run())
}

func run() int {
	list := flag.Bool("list", false, "list the scenarios and the servers each applies to")
	server := flag.String("server", lab.ServerVsftpd, "FTP server to run: "+strings.Join(lab.Servers, ", "))
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: labctl [-list] [-server NAME] SCENARIO [-- COMMAND ARGS...]\n")
	}
	flag.Parse()
	if *list {
		for _, s := range lab.Scenarios {
			fmt.Printf("%-24s %s\n%-24s servers: %s\n", s.Name, s.Description, "", strings.Join(s.Servers, ", "))
		}
		return 0
	}
	if flag.NArg() < 1 {
		flag.Usage()
		return 2
	}
	sc, err := lab.ScenarioByName(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "labctl: %v\n", err)
		return 2
	}
	cfg, err := sc.For(*server)
	if err != nil {
		fmt.Fprintf(os.Stderr, "labctl: %v\n", err)
		return 2
	}
	l, err := lab.New(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "labctl: %v\n", err)
		return 2
	}
	defer l.Close()
	fmt.Fprintf(os.Stderr, "lab %q up with %s: client namespace %s, target %s / [%s], user %s\n",
		sc.Name, l.Server, l.ClientNS, l.Target, l.Target6, lab.User)
	if rest := flag.Args()[1:]; len(rest) > 0 {
		if rest[0] == "--" {
			rest = rest[1:]
		}
		if len(rest) > 0 {
			return runInClient(l, rest)
		}
	}
	fmt.Fprintf(os.Stderr, "in another shell: ip netns exec %s go run ./cmd/ftpdiag probe ftp://%s/\nCtrl-C tears the lab down.\n", l.ClientNS, l.Target)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return 0
}

func runInClient(l *lab.Lab, args []string) int {
	cmd := l.Command(context.Background(), l.ClientNS, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		"FTPDIAG_LAB_SERVER="+l.Server,
		"FTPDIAG_LAB_TARGET="+l.Target.String(),
		"FTPDIAG_LAB_USER="+lab.User,
		"FTPDIAG_LAB_PASSWORD="+lab.Password, // the lab's throwaway password
		"FTPDIAG_LAB_CLIENT_NS="+l.ClientNS,
		"FTPDIAG_LAB_CLIENT_GATEWAY_NS="+l.ClientGatewayNS,
		"FTPDIAG_LAB_SERVER_GATEWAY_NS="+l.ServerGatewayNS,
		"FTPDIAG_LAB_SERVER_NS="+l.ServerNS,
	)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "labctl: %v\n", err)
		return 2
	}
	return 0
}
