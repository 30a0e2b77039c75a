package ftp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseCommand: client commands as read back from a captured control
// stream. A parsed verb is 3-4 letters, upper case; the argument is what
// followed the first space.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"USER anonymous\r\n", "PASS secret\r\n", "PORT 192,168,10,2,117,48\r\n", "EPRT |2|2001:db8::2|30000|\r\n", "retr big.bin\n", "NOOP", "X\r\n", "AUTH TLS\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		verb, arg, err := ParseCommand(line)
		if err != nil {
			return
		}
		if len(verb) < 3 || len(verb) > 4 || verb != strings.ToUpper(verb) {
			t.Fatalf("ParseCommand(%q) verb %q", line, verb)
		}
		if len(arg) > len(line) {
			t.Fatalf("ParseCommand(%q) arg %q longer than the line", line, arg)
		}
	})
}

// FuzzDetectServer: the banner, SYST and FEAT texts come from the server;
// detection must never panic and must name a known software.
func FuzzDetectServer(f *testing.F) {
	for _, s := range [][3]string{
		{"220 (vsFTPd 3.0.3)", "215 UNIX Type: L8", "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End"},
		{"220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.2]", "215 UNIX Type: L8", ""},
		{"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", "", "211-Extensions supported:\r\n EPRT\r\n IDLE\r\n MDTM\r\n SIZE\r\n MFMT\r\n REST STREAM\r\n MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\r\n MLSD\r\n PRET\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n UTF8\r\n TVFS\r\n ESTA\r\n PASV\r\n EPSV\r\n211 End."},
		{"220-FileZilla Server 1.8.0", "215 UNIX emulated by FileZilla", ""},
		{"220 Microsoft FTP Service", "215 Windows_NT", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, banner, syst, feat string) {
		lines := strings.Split(feat, "\n")
		rep := Reply{Code: 211, Lines: lines}
		fs := ParseFeat(rep)
		for _, x := range fs {
			if strings.Contains(x, "\n") {
				t.Fatalf("ParseFeat joined lines into %q", x)
			}
		}
		info := DetectServer(banner, syst, fs)
		if info.Software == "" {
			t.Fatalf("DetectServer(%q, %q, %q) named no software", banner, syst, fs)
		}
		if utf8.ValidString(banner) && !utf8.ValidString(info.Version) {
			t.Fatalf("invalid UTF-8 version %q from a valid banner", info.Version)
		}
	})
}
