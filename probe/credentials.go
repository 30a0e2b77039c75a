package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// AnonymousPassword is sent for anonymous logins, as an e-mail-like
// identification, unless the user supplies one.
const AnonymousPassword = "ftpdiag@"

// maxPasswordBytes bounds what is read from --password-stdin.
const maxPasswordBytes = 4096

// ErrNoPassword is returned when a named user has no password source.
var ErrNoPassword = errors.New("no password")

// Credentials are the places a password may come from, in the order they
// are consulted after a password in the URL.
type Credentials struct {
	// Env returns the value of an environment variable (os.LookupEnv).
	Env func(string) (string, bool)
	// Stdin, when non-nil, is read for the password (--password-stdin).
	Stdin io.Reader
	// Netrc returns the text of ~/.netrc ("" if none). It is called only
	// when no earlier source gave a password and the login is not
	// anonymous, so a netrc file is read only when it is needed; its error
	// stops ResolvePassword. nil means no netrc.
	Netrc func() (string, error)
	// Prompt asks the user interactively without echo; nil when there is no
	// terminal.
	Prompt func(prompt string) (string, error)
}

// PasswordEnv is the environment variable holding the password.
const PasswordEnv = "FTPDIAG_PASSWORD"

// ResolvePassword fills t.Password and t.PasswordSource. A URL that names
// no user is an anonymous login: a password in the environment is not
// sent to it (it belongs to a user the URL does not name), and a password
// on standard input is refused, since the user meant one and forgot it.
func ResolvePassword(t *Target, c Credentials) error {
	if t.PasswordSource == "url" {
		return nil
	}
	if t.User == "" {
		if c.Stdin != nil {
			return fmt.Errorf("%w: it names no user, and --password-stdin gives a password: put the user in the URL (ftp://USER@%s/)", ErrBadURL, t.Host)
		}
		t.User = "anonymous"
		t.Password, t.PasswordSource = AnonymousPassword, "anonymous"
		return nil
	}
	if c.Env != nil {
		if pw, ok := c.Env(PasswordEnv); ok && pw != "" {
			t.Password, t.PasswordSource = pw, "env"
			return nil
		}
	}
	if c.Stdin != nil {
		pw, err := readPasswordLine(c.Stdin)
		if err != nil {
			return err
		}
		t.Password, t.PasswordSource = pw, "stdin"
		return nil
	}
	if t.Anonymous() {
		if t.User == "" {
			t.User = "anonymous"
		}
		t.Password, t.PasswordSource = AnonymousPassword, "anonymous"
		return nil
	}
	if c.Netrc != nil {
		text, err := c.Netrc()
		if err != nil {
			return fmt.Errorf("read netrc: %w", err)
		}
		if pw, ok := netrcPassword(text, t.Host, t.User); ok {
			t.Password, t.PasswordSource = pw, "netrc"
			return nil
		}
	}
	if c.Prompt != nil {
		pw, err := c.Prompt(fmt.Sprintf("Password for %s@%s: ", t.User, t.Host))
		if err != nil {
			return fmt.Errorf("read password: %w", err)
		}
		t.Password, t.PasswordSource = pw, "prompt"
		return nil
	}
	return fmt.Errorf("%w for %s@%s: set %s, use --password-stdin, add it to ~/.netrc, or run on a terminal to be prompted",
		ErrNoPassword, t.User, t.Host, PasswordEnv)
}

func readPasswordLine(r io.Reader) (string, error) {
	br := bufio.NewReader(io.LimitReader(r, maxPasswordBytes+1))
	line, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	if len(line) > maxPasswordBytes {
		return "", fmt.Errorf("read password from stdin: longer than %d bytes", maxPasswordBytes)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("read password from stdin: %w (empty input)", ErrNoPassword)
	}
	return pw, nil
}
