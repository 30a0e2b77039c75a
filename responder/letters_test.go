package responder

import "testing"

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

func TestCopyIn(t *testing.T) {
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
		got, ok := CopyIn(tt.text)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CopyIn(%q) = %q, %t; want %q, %t", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func TestVerify(t *testing.T) {
	s := []byte("0123456789abcdef")
	if !verify(s, "n1", Answer(s, "n1")) {
		t.Error("right answer refused")
	}
	for _, bad := range []string{Answer(s, "n2"), Answer([]byte("0123456789abcdeX"), "n1"), "", "zz", Answer(s, "n1")[:10]} {
		if verify(s, "n1", bad) {
			t.Errorf("wrong answer %q accepted", bad)
		}
	}
}
