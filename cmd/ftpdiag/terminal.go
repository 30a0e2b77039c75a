package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/ftpdiag/ftpdiag/probe"
)

// maxNetrcBytes bounds how much of a netrc file is read.
const maxNetrcBytes = 1 << 20

func lookupEnv(k string) (string, bool) { return os.LookupEnv(k) }

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// wantColor: colour only on a terminal, and never with NO_COLOR set.
func wantColor(w io.Writer, getenv func(string) (string, bool)) bool {
	if _, set := getenv("NO_COLOR"); set {
		return false
	}
	return isTerminal(w)
}

// credentialSources gathers the password sources this process offers.
func credentialSources(e *env, passwordStdin bool) probe.Credentials {
	c := probe.Credentials{Env: e.getenv, Netrc: readNetrc(e.getenv)}
	if passwordStdin {
		c.Stdin = e.stdin
	}
	if f, ok := e.stdin.(*os.File); ok && !passwordStdin && term.IsTerminal(int(f.Fd())) {
		c.Prompt = func(prompt string) (string, error) {
			fmt.Fprint(e.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			return string(b), err
		}
	}
	return c
}

// readNetrc returns the text of $NETRC or ~/.netrc ("" when absent).
func readNetrc(getenv func(string) (string, bool)) string {
	path, ok := getenv("NETRC")
	if !ok || path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		path = filepath.Join(home, ".netrc")
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxNetrcBytes))
	return string(b)
}
