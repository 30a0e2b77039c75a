package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// TestMeaningCache: a remembered meaning is ftp.Interpret's, asked first
// or again; a reply whose text may change its meaning (ftp.Worded) is kept
// by its line, and not at all when multi-line or long; any other is kept
// by its code alone, whatever its text; the cache stays within its bound.
func TestMeaningCache(t *testing.T) {
	tests := []struct {
		verb   string
		rep    ftp.Reply
		after  bool
		kept   bool
		byCode bool
	}{
		{"RETR", ftp.Reply{Code: 226, Lines: []string{"226 Transfer complete."}}, true, true, true},
		{"RETR", ftp.Reply{Code: 226, Lines: []string{"226 Transfer complete."}}, false, true, true},
		{"PORT", ftp.Reply{Code: 500, Lines: []string{"500 Illegal PORT command."}}, false, true, false},
		{ftp.Greeting, ftp.Reply{Code: 421, Lines: []string{"421-Too many connected users", "421 bye"}}, false, false, false},
		{"RETR", ftp.Reply{Code: 550, Lines: []string{"550 " + strings.Repeat("x", maxCachedLine)}}, false, false, false},
		{ftp.Greeting, ftp.Reply{Code: 220, Lines: []string{"220-Welcome", "220 ready"}}, false, true, true},
		{"PASV", ftp.Reply{Code: 227, Lines: []string{"227 " + strings.Repeat("x", maxCachedLine)}}, false, true, true},
	}
	mc := meaningCache{}
	for round := range 2 {
		for _, tt := range tests {
			want := ftp.Interpret(tt.verb, tt.rep, tt.after)
			if got := mc.interpret(tt.verb, tt.rep, tt.after); got != want {
				t.Errorf("round %d, %s %v after=%v: %+v, want %+v", round, tt.verb, tt.rep.Lines, tt.after, got, want)
			}
			k := meaningKey{verb: tt.verb, code: tt.rep.Code, line: tt.rep.Lines[0], after: tt.after}
			if tt.byCode {
				k.line = ""
			}
			if _, ok := mc[k]; ok != tt.kept {
				t.Errorf("%s %v after=%v: kept %v, want %v", tt.verb, tt.rep.Lines, tt.after, ok, tt.kept)
			}
		}
	}
	// Every 227 (a port of its own) is one meaning.
	for p := range 100 {
		rep := ftp.Reply{Code: 227, Lines: []string{fmt.Sprintf("227 Entering Passive Mode (10,0,0,1,117,%d).", p)}}
		if got, want := mc.interpret("PASV", rep, false), ftp.Interpret("PASV", rep, false); got != want {
			t.Errorf("%v: %+v, want %+v", rep.Lines, got, want)
		}
	}
	if len(mc) != 5 {
		t.Errorf("the cache holds %d meanings, want 5: %v", len(mc), mc)
	}
	full := meaningCache{}
	for i := range maxCachedMeanings + 10 {
		full.interpret("RETR", ftp.Reply{Code: 550, Lines: []string{"550 no " + strings.Repeat("y", i%97) + string(rune('a'+i/97%26)) + strings.Repeat("z", i/2522)}}, false)
	}
	if len(full) > maxCachedMeanings {
		t.Errorf("the cache holds %d meanings, bound %d", len(full), maxCachedMeanings)
	}
	var none meaningCache
	if got, want := none.interpret("RETR", tests[0].rep, true), ftp.Interpret("RETR", tests[0].rep, true); got != want {
		t.Errorf("nil cache: %+v, want %+v", got, want)
	}
}
