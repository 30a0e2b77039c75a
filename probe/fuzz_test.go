package probe

import (
	"strings"
	"testing"
)

// FuzzNetrcPassword: ~/.netrc is a file the user (or anyone who can write
// it) controls; reading it must never panic and a password found must be
// one of its tokens.
func FuzzNetrcPassword(f *testing.F) {
	for _, s := range []string{
		"machine ftp.example.com login alice password s3cret\n",
		"default login anonymous password guest@\n",
		"machine a login b password c\nmacdef init\ncd /pub\n\nmachine d login e password f\n",
		"machine \"quoted host\" login \"x y\" password \"p w\"",
		"machine",
	} {
		f.Add(s, "ftp.example.com", "alice")
	}
	f.Fuzz(func(t *testing.T, text, machine, login string) {
		pw, ok := netrcPassword(text, machine, login)
		if ok && pw != "" && !strings.Contains(text, pw) && !strings.Contains(strings.Join(netrcTokens(text), " "), pw) {
			t.Fatalf("password %q is not in the file", pw)
		}
	})
}

// FuzzParseTarget: the URL is user input; it must parse or fail cleanly,
// and a parsed target never carries a password in its URL.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"ftp://203.0.113.10/", "ftp://alice@ftp.example.com:2121/pub/file.bin", "ftp://a:secret@[2001:db8::2]/x", "ftps://h/", "ftp://h:99999/", "ftp://%zz/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, _, err := ParseTarget(raw)
		if err != nil {
			return
		}
		if tg.Password != "" && strings.Contains(tg.URL, ":"+tg.Password+"@") {
			t.Fatalf("ParseTarget(%q).URL %q shows the password", raw, tg.URL)
		}
		if tg.Port <= 0 || tg.Port > 65535 {
			t.Fatalf("ParseTarget(%q) port %d", raw, tg.Port)
		}
	})
}
