package report

import (
	"bytes"
	"encoding/json"
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
		" { \"a\" :\t[ 1 ,\n2 ] , \"b\" : { } }", // json.Indent keeps trailing space: Marshal writes none
		`{"a":{"b":{"c":{"d":[1]}}}}`,
	} {
		for _, pi := range [][2]string{{"", "  "}, {"    ", "  "}, {">", "\t"}} {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(src), pi[0], pi[1]); err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			if got := appendIndentJSON(nil, []byte(src), pi[0], pi[1]); string(got) != want.String() {
				t.Errorf("%q prefix %q indent %q:\n got %q\nwant %q", src, pi[0], pi[1], got, want.String())
			}
		}
	}
}

// TestJSONEncoderMarshalIndent: the reused encoder gives MarshalIndent's
// bytes for a diagnosis, value after value.
func TestJSONEncoderMarshalIndent(t *testing.T) {
	enc := newJSONEncoder()
	for _, sc := range goldenScenarios() {
		d := Diagnose(sc.r, sc.ev)
		want, err := json.MarshalIndent(d, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := enc.marshalIndent(d, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: marshalIndent differs from json.MarshalIndent", sc.name)
		}
	}
}
