package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestAppendIndentJSON: the fast indenter gives json.Indent's bytes.
func TestAppendIndentJSON(t *testing.T) {
	for _, src := range []string{
		`{}`,
		`[]`,
		`null`,
		`"a"`,
		`12.5`,
		`{"a":[],"b":{},"c":[{}],"d":[[],[1,2]]}`,
		`{"s":"{[,:]}","t":"a\"b\\","u":"\\\\\"","v":"\u003cx\u003e"}`,
		`[true,false,null,-1e+30,"x"]`,
		`{"é":"ü","k":"\u2028"}`,
		"{\"del\":\"a\x7fb\",\"c1\":\"\u0085\",\"rlo\":\"\u202e\"}",
		" { \"a\" :\t[ 1 ,\n2 ] , \"b\" : { } }", // json.Indent keeps trailing space: Marshal writes none
		`{"a":{"b":{"c":{"d":[1]}}}}`,
		`["\\","\\\\","x\\\"y\\",{"\"":"\\\\\""}]`,
		`{"long":"` + strings.Repeat(`ab\"c\\`, 40) + `"}`,
	} {
		for _, pi := range [][2]string{{"", "  "}, {"    ", "  "}, {">", "\t"}} {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(src), pi[0], pi[1]); err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			got, ascii := appendIndentJSON(nil, []byte(src), pi[0], pi[1])
			if string(got) != want.String() {
				t.Errorf("%q prefix %q indent %q:\n got %q\nwant %q", src, pi[0], pi[1], got, want.String())
			}
			if wantASCII := !bytes.ContainsFunc([]byte(src), func(r rune) bool { return r >= 0x7f }); ascii != wantASCII {
				t.Errorf("%q: ascii %v, want %v", src, ascii, wantASCII)
			}
		}
	}
}

// TestJSONEncoderMarshalIndent: the reused encoder gives jsonSafe of
// MarshalIndent's bytes for a diagnosis, value after value (the golden
// scenarios include a hostile banner with a bidirectional override).
func TestJSONEncoderMarshalIndent(t *testing.T) {
	enc := newJSONEncoder()
	for _, sc := range goldenScenarios() {
		d := Diagnose(sc.r, sc.ev)
		want, err := json.MarshalIndent(d, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = jsonSafe(want)
		got, err := enc.marshalIndentSafe(d, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: marshalIndent differs from json.MarshalIndent", sc.name)
		}
	}
}

// TestIsASCII: a byte >= 0x7f anywhere (in the eight-byte words or the
// tail) is found; none, none is.
func TestIsASCII(t *testing.T) {
	for n := range 20 {
		b := bytes.Repeat([]byte("a~ \x00\x01"), 4)[:n]
		if !isASCII(b) {
			t.Errorf("%q: not ASCII", b)
		}
		for i := range n {
			for _, c := range []byte{0x7f, 0x80, 0xc3, 0xff} {
				bad := bytes.Clone(b)
				bad[i] = c
				if isASCII(bad) {
					t.Errorf("%q: ASCII", bad)
				}
			}
		}
	}
}
