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
			got := appendIndentJSON(nil, []byte(src), pi[0], pi[1])
			if string(got) != want.String() {
				t.Errorf("%q prefix %q indent %q:\n got %q\nwant %q", src, pi[0], pi[1], got, want.String())
			}
		}
	}
}
