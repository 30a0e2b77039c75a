package ftp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestFormatCommand(t *testing.T) {
	tests := []struct {
		verb, arg string
		want      string
		err       error
	}{
		{"USER", "anonymous", "USER anonymous\r\n", nil},
		{"PASV", "", "PASV\r\n", nil},
		{"PWD", "", "PWD\r\n", nil},
		{"PORT", "10,0,0,2,19,137", "PORT 10,0,0,2,19,137\r\n", nil},
		{"EPRT", "|2|2001:db8::1|6446|", "EPRT |2|2001:db8::1|6446|\r\n", nil},
		{"RETR", "file with spaces.txt", "RETR file with spaces.txt\r\n", nil},
		{"retr", "x", "retr x\r\n", nil},
		{"RETR", "x\r\nDELE y", "", ErrBadArgument},
		{"RETR", "x\ny", "", ErrBadArgument},
		{"RETR", "x\x00", "", ErrBadArgument},
		{"RE", "", "", ErrBadArgument},
		{"RETRX", "", "", ErrBadArgument},
		{"RE R", "", "", ErrBadArgument},
		{"R3TR", "", "", ErrBadArgument},
		{"", "", "", ErrBadArgument},
	}
	for _, tt := range tests {
		got, err := FormatCommand(tt.verb, tt.arg)
		if !errors.Is(err, tt.err) || string(got) != tt.want {
			t.Errorf("FormatCommand(%q, %q) = %q, %v; want %q, %v", tt.verb, tt.arg, got, err, tt.want, tt.err)
		}
	}
}

// writeCounter records each Write call.
type writeCounter struct {
	calls [][]byte
	short bool
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.calls = append(w.calls, bytes.Clone(p))
	if w.short {
		return len(p) - 1, nil
	}
	return len(p), nil
}

func TestWriteCommand(t *testing.T) {
	w := &writeCounter{}
	if err := WriteCommand(w, "EPSV", ""); err != nil {
		t.Fatal(err)
	}
	if len(w.calls) != 1 || string(w.calls[0]) != "EPSV\r\n" {
		t.Fatalf("writes = %q", w.calls)
	}
	if err := WriteCommand(w, "RETR", "a\rb"); !errors.Is(err, ErrBadArgument) || len(w.calls) != 1 {
		t.Fatalf("bad argument written or not refused: %v %q", err, w.calls)
	}
	if err := WriteCommand(&writeCounter{short: true}, "QUIT", ""); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("short write: %v", err)
	}
}

func TestStripTelnet(t *testing.T) {
	tests := []struct{ line, want string }{
		{"ABOR", "ABOR"},
		{"\xff\xf4\xff\xf2ABOR", "ABOR"},         // IAC IP, IAC DM (inetutils ftp, tnftp)
		{"\xff\xfb\x01\xff\xfe\x03NOOP", "NOOP"}, // IAC WILL ECHO, IAC DONT SGA
		{"RETR a\xff\xffb", "RETR a\xffb"},       // IAC IAC: a byte 255 of the name
		{"\xff\xf4", ""},                         // the interrupt alone
		{"\xff", ""},                             // cut after IAC
		{"\xff\xfd", ""},                         // cut before the option
		{"STOR caf\xc3\xa9", "STOR caf\xc3\xa9"}, // UTF-8 never holds 255
	}
	for _, tt := range tests {
		if got := StripTelnet(tt.line); got != tt.want {
			t.Errorf("StripTelnet(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line, verb, arg string
		ok              bool
	}{
		{"PORT 10,0,0,2,19,137\r\n", "PORT", "10,0,0,2,19,137", true},
		{"pasv\r\n", "PASV", "", true},
		{"PASS secret with space", "PASS", "secret with space", true},
		{"\x16\x03\x01", "", "", false},
		{"", "", "", false},
		{"USER\r x", "", "", false},
		{"noop", "NOOP", "", true},
		{"AB CD", "", "", false},
	}
	for _, tt := range tests {
		verb, arg, err := ParseCommand(tt.line)
		if (err == nil) != tt.ok || verb != tt.verb || arg != tt.arg {
			t.Errorf("ParseCommand(%q) = %q, %q, %v", tt.line, verb, arg, err)
		}
		if v := CommandVerb(tt.line); v != tt.verb {
			t.Errorf("CommandVerb(%q) = %q, want ParseCommand's %q", tt.line, v, tt.verb)
		}
		if err != nil && !errors.Is(err, ErrBadArgument) {
			t.Errorf("error %v is not ErrBadArgument", err)
		}
	}
}
