package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/ftpdiag/ftpdiag/probe"
)

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
func credentialSources(ctx context.Context, e *env, passwordStdin bool) probe.Credentials {
	c := probe.Credentials{Env: e.getenv, Netrc: func() (string, error) { return readNetrc(ctx, e.getenv) }}
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

// readNetrc returns the text of $NETRC or ~/.netrc ("" when absent): a
// regular file of at most 1 MiB, read without blocking (a FIFO or a device
// is refused with an error) and only when the password is looked up there.
func readNetrc(ctx context.Context, getenv func(string) (string, bool)) (string, error) {
	path, ok := getenv("NETRC")
	if !ok || path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", nil
		}
		path = filepath.Join(home, ".netrc")
	}
	b, err := probe.ReadSmallFile(ctx, path, probe.MaxNetrcBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}
