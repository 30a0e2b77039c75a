package ftp

import (
	"errors"
	"testing"
)

// TestLetters: the letter copy round-trips.
func TestLetters(t *testing.T) {
	tests := []struct{ in, letters string }{
		{"203,0,113,10,195,80", "cad.a.bbd.ba.bjf.ia"},
		{"|||50000|", "|||faaaa|"},
	}
	for _, tt := range tests {
		if got := Letters(tt.in); got != tt.letters {
			t.Errorf("Letters(%q) = %q, want %q", tt.in, got, tt.letters)
		}
		if got, ok := Unletters(tt.letters); !ok || got != tt.in {
			t.Errorf("Unletters(%q) = %q, %t", tt.letters, got, ok)
		}
	}
}

func TestLetterCopy(t *testing.T) {
	tests := []struct {
		text, want string
		ok         bool
	}{
		{"Entering Passive Mode (1,2,3,4,5,6). ftpdiag-copy=b.c.d.e.f.g", "1,2,3,4,5,6", true},
		{"Entering Extended Passive Mode (|||50000|). ftpdiag-copy=|||faaaa| more", "|||50000|", true},
		{"Entering Passive Mode (1,2,3,4,5,6).", "", false},
		{"x ftpdiag-copy=", "", false},
		{"x ftpdiag-copy=b.c.9", "", false}, // a digit: rewritten or forged
	}
	for _, tt := range tests {
		got, ok := LetterCopy(tt.text)
		if got != tt.want || ok != tt.ok {
			t.Errorf("LetterCopy(%q) = %q, %t; want %q, %t", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

// TestResponderFeat finds the responder line among FEAT lines.
func TestResponderFeat(t *testing.T) {
	v, n, ok := ResponderFeat([]string{"EPSV", "FTPDIAG-RESPONDER v1.2 abcd", "UTF8"})
	if !ok || v != "v1.2" || n != "abcd" {
		t.Errorf("got %q %q %t", v, n, ok)
	}
	if _, _, ok := ResponderFeat([]string{"EPSV", "FTPDIAG-RESPONDER v1"}); ok {
		t.Error("a line without a nonce taken for a responder")
	}
}

// TestParseResponderRecord reads a REPORT reply and refuses anything else.
func TestParseResponderRecord(t *testing.T) {
	r, err := ParseResponderRecord(Reply{Code: 200, Lines: []string{`200 {"responder":"ftpdiag-responder x","control":{"remote":"192.0.2.1:4000","local":"198.51.100.1:21"},"commands":[{"line":"PORT 1,2,3,4,5,6","reply":200}]}`}})
	if err != nil || r.Control.Remote != "192.0.2.1:4000" || r.Commands[0].Line != "PORT 1,2,3,4,5,6" {
		t.Errorf("got %+v, %v", r, err)
	}
	for _, rep := range []Reply{{Code: 530, Lines: []string{"530 no"}}, {Code: 200, Lines: []string{"200 not json"}}, {Code: 200, Lines: []string{"200-a", "200 b"}}} {
		if _, err := ParseResponderRecord(rep); !errors.Is(err, ErrMalformedReply) {
			t.Errorf("%q: err %v", rep.Text(), err)
		}
	}
}
