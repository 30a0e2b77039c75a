package probe

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// ErrBadURL is wrapped by every error ParseTarget returns.
var ErrBadURL = errors.New("bad URL")

// DefaultPort is the FTP control port.
const DefaultPort = 21

// ParseTarget parses ftp://[user[:password]@]host[:port][/path] (and
// ftpes://, explicit TLS, and ftps://, implicit TLS on port 990). A bare
// host[:port] is accepted as ftp://. A password inside the URL is kept in
// Target.Password (never rendered) and reported in the returned warning.
func ParseTarget(raw string) (Target, string, error) {
	// The raw URL may hold a password: no error below quotes it.
	if strings.ContainsAny(raw, "\r\n\x00") {
		return Target{}, "", fmt.Errorf("%w: control characters (CR, LF or NUL) in the URL", ErrBadURL)
	}
	if !strings.Contains(raw, "://") {
		raw = "ftp://" + raw
	}
	if misplacedAt(raw) {
		return Target{}, "", fmt.Errorf("%w: an '@' after the host: a user or password holding / ? # must have them percent-encoded "+
			"(%%2F %%3F %%23; %%40 for an '@' in the path), or give the password in %s instead", ErrBadURL, PasswordEnv)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, "", fmt.Errorf("%w: %v", ErrBadURL, stripURLError(err, strings.Contains(raw, "@")))
	}
	if !knownScheme(u.Scheme) {
		return Target{}, "", fmt.Errorf("%w: unsupported scheme %q (want ftp://, ftpes:// or ftps://)", ErrBadURL, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return Target{}, "", fmt.Errorf("%w: no host in %q", ErrBadURL, redactURL(u))
	}
	port := defaultPort(u.Scheme)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Target{}, "", fmt.Errorf("%w: port %q out of range 1-65535", ErrBadURL, p)
		}
		port = n
	}
	t := Target{Scheme: u.Scheme, Host: host, Port: port, Path: u.Path}
	if u.RawQuery != "" || u.Fragment != "" {
		return Target{}, "", fmt.Errorf("%w: query or fragment not allowed in an FTP URL", ErrBadURL)
	}
	// Percent-escapes decode to anything: a CR or LF would end the FTP
	// command early (the probe refuses to send it, and every mode fails).
	decoded := t.Path
	if u.User != nil {
		pw, _ := u.User.Password()
		decoded += u.User.Username() + pw
	}
	if strings.ContainsAny(decoded, "\r\n\x00") {
		return Target{}, "", fmt.Errorf("%w: control characters (CR, LF or NUL) in the user, password or path", ErrBadURL)
	}
	var warning string
	if u.User != nil {
		t.User = u.User.Username()
		if pw, ok := u.User.Password(); ok {
			t.Password = pw
			t.PasswordSource = "url"
			warning = "the password was given in the URL: it may be kept in your shell history and visible in the process list; prefer FTPDIAG_PASSWORD, --password-stdin or ~/.netrc"
		}
	}
	u.User = nil
	if t.User != "" {
		u.User = url.User(t.User)
	}
	t.URL = u.String()
	return t, warning, nil
}

// misplacedAt reports whether an '@' follows the authority (in the path,
// query or fragment). ftp://alice:987654/xyz@host/ means user alice with
// password 987654/xyz on host, but parses as host alice, port 987654 and
// path /xyz@host/: the password would land in the report and be sent as a
// LIST path to the wrong host. No FTP URL a person means has a raw '@'
// there (one in a path is written %40), so such a URL is refused.
func misplacedAt(raw string) bool {
	_, rest, _ := strings.Cut(raw, "://")
	end := strings.IndexAny(rest, "/?#")
	return end >= 0 && strings.Contains(rest[end:], "@")
}

// Anonymous reports whether the target logs in anonymously.
func (t Target) Anonymous() bool {
	return t.User == "" || strings.EqualFold(t.User, "anonymous") || strings.EqualFold(t.User, "ftp")
}

// redactURL renders u without its password.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	return c.String()
}

// stripURLError returns the parse error's cause without the URL, which may
// hold a password. The cause itself quotes a piece of the URL ("invalid
// URL escape "%zz"", "invalid port ":abc" after host"); when the URL has
// user info that piece may be a piece of the password (a password with a
// "/", "#", "?" or "%" cut the URL short), so then only a hint is given.
func stripURLError(err error, userinfo bool) string {
	if userinfo {
		return "cannot parse the URL; a password holding / ? # or % must be percent-encoded (%2F %3F %23 %25), or given in FTPDIAG_PASSWORD instead"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "unparsable URL"
}

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
