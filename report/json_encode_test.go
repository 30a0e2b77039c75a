package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/capture"
)

// jsonLayouts are the layouts the writer is checked in: the analyze
// report's sessions, the same lengths in other characters (the keys the
// writer keeps are remade for another layout), the probe report, an odd
// prefix and tab indent, and compact (JSON Lines).
var jsonLayouts = []struct {
	compact        bool
	prefix, indent string
}{
	{false, "    ", "  "},
	{false, "\t\t\t\t", "\t\t"},
	{false, "", "  "},
	{false, ">", "\t"},
	{true, "", ""},
}

// checkJSONWriter fails unless the writer gives, in every layout, the
// bytes of jsonSafe(encoding/json) for v, or fails where it fails. It
// reuses enc, as the report's workers reuse theirs.
func checkJSONWriter(t *testing.T, enc *jsonEncoder, name string, v any) {
	t.Helper()
	for _, l := range jsonLayouts {
		var (
			want, got    []byte
			wantE, gotE  error
			layoutString = fmt.Sprintf("compact %v prefix %q indent %q", l.compact, l.prefix, l.indent)
		)
		if l.compact {
			want, wantE = json.Marshal(v)
			want = append(jsonSafe(want), '\n')
			got, gotE = enc.marshalLine(v)
		} else {
			want, wantE = json.MarshalIndent(v, l.prefix, l.indent)
			want = jsonSafe(want)
			got, gotE = enc.marshalIndentSafe(v, l.prefix, l.indent)
		}
		if (wantE != nil) != (gotE != nil) {
			t.Errorf("%s, %s: error %v, encoding/json's %v", name, layoutString, gotE, wantE)
			continue
		}
		if wantE == nil && !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("%s, %s: differs from encoding/json at byte %d:\n got %q\nwant %q", name, layoutString, i,
				got[max(0, i-60):min(len(got), i+60)], want[max(0, i-60):min(len(want), i+60)])
		}
	}
}

// TestJSONWriterReports: every diagnosis the golden scenarios and the
// repository's captures give (each session, the combined one, the whole
// analyze report) is written as encoding/json writes it.
func TestJSONWriterReports(t *testing.T) {
	enc := newJSONEncoder()
	for _, sc := range goldenScenarios() {
		checkJSONWriter(t, enc, sc.name, Diagnose(sc.r, sc.ev))
	}
	files, err := filepath.Glob("../testdata/*/*.pcap*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("%d captures in ../testdata, want the repository's hundreds", len(files))
	}
	sessions := 0
	for _, f := range files {
		ev, err := capture.ReadFiles([]string{f}, capture.ReadOptions{})
		if err != nil {
			continue // a damaged capture on purpose: what was read is still diagnosed
		}
		cd := DiagnoseCapture(ev)
		for i, d := range cd.Sessions {
			checkJSONWriter(t, enc, fmt.Sprintf("%s session %d", filepath.Base(f), i+1), d)
		}
		sessions += len(cd.Sessions)
		checkJSONWriter(t, enc, filepath.Base(f)+" combined", cd.Combined())
		checkJSONWriter(t, enc, filepath.Base(f)+" report", cd)
	}
	if sessions < len(files) {
		t.Errorf("%d sessions in %d captures: the captures were not read", sessions, len(files))
	}
}

// hostileStrings are strings for encoding/json and jsonSafe to escape:
// controls, HTML, JavaScript line separators, invalid UTF-8, DEL, C1
// controls, format characters in and beyond the BMP.
var hostileStrings = []string{
	"", "a", "USER anonymous",
	"<script>alert(1)</script>", "a && b > c",
	"\u2028\u2029",
	"\xff", "ok\xc3(", "\xed\xa0\x80", "cut \xe2\x82",
	"\x00\x01\x07\b\f\x1b[2J\x1b]0;pwned\x07\x1f",
	"\t\n\r", `quote " backslash \ slash /`, `\u0041`,
	"\x7f\u0080\u0085\u009f",
	"\u202e\u2066\u200b\ufeff\u00ad", "\U000E0001\U0001D173",
	"\ufffd", "日本語 é", "😀",
}

// jsonFiller sets every exported field of a value to a random one:
// nil, empty and filled pointers, slices and maps, zero values (for
// omitempty), hostile strings, and numbers at the edges of
// encoding/json's formats.
type jsonFiller struct {
	r *rand.Rand
}

var jsonFloats = []float64{0, math.Copysign(0, -1), 1, -2.5, 0.1, 1e-6, 1e-7, 9.999e-7, 1e20, 1e21, 1.5e300,
	5e-324, math.MaxFloat64, 123456.789, 1.0 / 3}

func (f *jsonFiller) fill(v reflect.Value, depth int) {
	r := f.r
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			tm := time.Unix(r.Int64N(4e9), r.Int64N(1e9))
			if r.IntN(2) == 0 {
				tm = tm.In(time.FixedZone("x", (r.IntN(27)-13)*1800))
			}
			if r.IntN(4) == 0 {
				tm = time.Time{}
			}
			v.Set(reflect.ValueOf(tm))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if depth > 9 || r.IntN(4) == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), depth+1)
	case reflect.Slice:
		n := r.IntN(4) - 1 // nil, empty, 1 or 2 elements
		if depth > 9 || n < 0 {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		n := r.IntN(5) - 1
		if depth > 9 || n < 0 {
			return
		}
		v.Set(reflect.MakeMap(v.Type()))
		for range n {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(k, depth+1)
			f.fill(e, depth+1)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if r.IntN(3) == 0 {
			b := make([]byte, r.IntN(12))
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			v.SetString(string(b))
			return
		}
		v.SetString(hostileStrings[r.IntN(len(hostileStrings))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := []int64{0, 1, -1, r.Int64N(100000), math.MaxInt64, math.MinInt64}[r.IntN(6)]
		if v.OverflowInt(n) {
			n = int64(r.IntN(100))
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := []uint64{0, 1, r.Uint64N(100000), math.MaxUint64}[r.IntN(4)]
		if v.OverflowUint(n) {
			n = uint64(r.IntN(100))
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x := jsonFloats[r.IntN(len(jsonFloats))]
		if r.IntN(3) == 0 {
			x = r.NormFloat64() * math.Pow(10, float64(r.IntN(50)-25))
		}
		if v.Kind() == reflect.Float32 && math.Abs(x) > math.MaxFloat32 {
			x = 1e38
		}
		v.SetFloat(x)
	case reflect.Interface:
		if r.IntN(2) == 0 {
			v.Set(reflect.ValueOf(hostileStrings[r.IntN(len(hostileStrings))]))
		}
	}
}

// TestJSONWriterRandomDiagnoses: diagnoses and analyze reports with every
// field set at random, hostile strings included, are written as
// encoding/json writes them.
func TestJSONWriterRandomDiagnoses(t *testing.T) {
	enc := newJSONEncoder()
	var all bytes.Buffer
	for seed := range uint64(150) {
		f := &jsonFiller{r: rand.New(rand.NewPCG(seed, 13))}
		var d Diagnosis
		f.fill(reflect.ValueOf(&d).Elem(), 0)
		checkJSONWriter(t, enc, fmt.Sprintf("diagnosis seed %d", seed), &d)
		b, err := enc.marshalIndentSafe(&d, "", "")
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		if seed%10 == 0 {
			var c CaptureDiagnosis
			f.fill(reflect.ValueOf(&c).Elem(), 0)
			checkJSONWriter(t, enc, fmt.Sprintf("capture report seed %d", seed), &c)
		}
	}
	// The values did hold what the writer escapes.
	for _, s := range []string{`\u003cscript\u003e`, `\u2028`, `\ufffd`, `\u007f`, `\u0085`, `\u202e`, `\udb40\udc01`, `\u001b`, `\b`, `1e-7`, `1e+21`, `-0`} {
		if !bytes.Contains(all.Bytes(), []byte(s)) {
			t.Errorf("no %s in the random diagnoses", s)
		}
	}
}

// Types the report does not use, for the writer's hand-over to
// encoding/json and its edges.
type (
	jwPtrMarshal struct{ X int }
	jwText       int
	JWInner      struct {
		A int
		B string `json:"b,omitempty"`
	}
	jwConflict struct {
		JWInner
		A string
	}
	jwEmbedPtr struct {
		*JWInner
		C int
	}
	jwLower      struct{ E int }
	jwUnexported struct {
		jwLower
		D int
		d int
	}
	jwEmbedded struct {
		JWInner
		Text jwText `json:"text"`
		Sev  Severity
		Severity
	}
	jwTags struct {
		S     int       `json:",string"`
		Z     time.Time `json:"z,omitzero"`
		Quote int       `json:"a\"b"`
		Esc   int       `json:"<k>&"`
		Dash  int       `json:"-,"`
		Skip  int       `json:"-"`
		U     int       `json:"é"`
		Empty string    `json:",omitempty"`
	}
	jwKinds struct {
		Bytes    []byte
		Arr      [2]string
		IntMap   map[int]string
		TextKeys map[jwText]int
		Any      any
		Anys     []any
		F32      float32
		F32s     []float32
		PtrM     []*jwPtrMarshal
		ValM     []jwPtrMarshal          // addressable: MarshalJSON on *T runs
		MapM     map[string]jwPtrMarshal // not addressable: it does not
		Text     jwText
		PText    *jwText
		Time     time.Time
		PTime    *time.Time
		Nested   [][]int
		Nothing  struct{}
		Omitted  *JWInner `json:",omitempty"`
		Raw      json.RawMessage
		Number   json.Number
	}
	jwNode struct {
		V    int
		Next *jwNode
	}
	jwFailing struct{}
	jwInvalid struct{}
)

func (p *jwPtrMarshal) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"p": [%d, "<&>"],  "q":{}}`, p.X), nil
}
func (t jwText) MarshalText() ([]byte, error)  { return fmt.Appendf(nil, "<t%d>\u2028", int(t)), nil }
func (jwFailing) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }
func (jwInvalid) MarshalJSON() ([]byte, error) { return []byte(`{"a":`), nil }
func (jwFailing) unused()                      {}
func jwChain(n int) *jwNode {
	var head *jwNode
	for i := range n {
		head = &jwNode{V: i, Next: head}
	}
	return head
}

// TestJSONWriterTypes: what the writer hands to encoding/json (methods,
// tag options, name conflicts, other kinds) and its edges (errors,
// cycles, nesting past encoding/json's cycle check) come out as
// encoding/json writes them, indented in place.
func TestJSONWriterTypes(t *testing.T) {
	tm := time.Date(2026, 12, 7, 18, 0, 0, 5, time.FixedZone("", 3600))
	txt := jwText(3)
	cyclic := &jwNode{}
	cyclic.Next = cyclic
	var nilInner *JWInner
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"nil pointer", nilInner},
		{"string", "<\u2028\xff\u202e>"},
		{"empty struct", struct{}{}},
		{"all omitted", &JWInner{}},
		{"conflict", &jwConflict{JWInner{1, "x"}, "outer"}},
		{"embedded pointer", &jwEmbedPtr{&JWInner{2, "y"}, 3}},
		{"embedded nil pointer", &jwEmbedPtr{nil, 3}},
		{"unexported embedded", &jwUnexported{jwLower{4}, 5, 6}},
		{"embedded", &jwEmbedded{JWInner{7, "<"}, 8, "warn", "info"}},
		{"tags", &jwTags{S: 1, Z: tm, Quote: 2, Esc: 3, Dash: 4, Skip: 5, U: 6}},
		{"tags zero", &jwTags{}},
		{"kinds", &jwKinds{
			Bytes: []byte("<\x00\xff>"), Arr: [2]string{"a", "\u2029"}, IntMap: map[int]string{10: "x", 9: "y"},
			TextKeys: map[jwText]int{2: 1, 1: 2}, Any: map[string]any{"k": []any{1.5, "<", nil, true}},
			Anys: []any{nil, 1, "s", &JWInner{A: 1}, jwPtrMarshal{1}, &jwPtrMarshal{2}, tm, txt},
			F32:  1e-7, F32s: []float32{0.1, 1e21, 3.4e38, 1.17549435e-38}, PtrM: []*jwPtrMarshal{{1}, nil},
			ValM: []jwPtrMarshal{{2}}, MapM: map[string]jwPtrMarshal{"m": {3}}, Text: 4, PText: &txt,
			Time: tm, PTime: &tm, Nested: [][]int{{}, nil, {1, 2}}, Raw: json.RawMessage(` [1, {"a" : "<"}] `),
			Number: "12.50",
		}},
		{"kinds zero", &jwKinds{}},
		{"value not pointer", jwKinds{Time: tm, ValM: []jwPtrMarshal{{2}}}},
		{"map of structs", map[string]JWInner{"b": {1, "\x7f"}, "a": {}, "<": {2, ""}}},
		{"slice of maps", []map[string]int{nil, {}, {"z": 1, "a": 2}}},
		{"deep chain", jwChain(1200)},
		{"NaN", &jwKinds{F32: float32(math.NaN())}},
		{"infinity", []float64{1, math.Inf(-1)}},
		{"cycle", cyclic},
		{"channel", struct{ C chan int }{}},
		{"function in interface", []any{func() {}}},
		{"MarshalJSON error", []jwFailing{{}}},
		{"MarshalJSON invalid", map[string]jwInvalid{"a": {}}},
		{"time out of range", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"time before year 0", &jwKinds{Time: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"time zone of 24 hours", &jwKinds{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))}},
		{"time zone of 24 hours west", []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -24*3600))}},
		{"time zone of 100 hours", time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 100*3600))},
		{"time zone with seconds", &jwKinds{Time: time.Date(2026, 1, 1, 0, 0, 0, 1, time.FixedZone("", -(23*3600+59*60+59)))}},
		{"time in UTC", []any{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Time{}}},
	} {
		checkJSONWriter(t, newJSONEncoder(), tc.name, tc.v)
	}
}

// TestAppendMicros: where appendMicros takes a number it writes what
// strconv does (the shortest decimal); it takes the microsecond values
// and leaves the others to strconv.
func TestAppendMicros(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := []float64{1e-6, 2e-6, 0.5, 1, 10, 1.000001, 9.999999, 0.1, 0.000123, 123.456789,
		1<<31 - 1e-6, 1<<31 - 0.5, 2147483647.999999, 0.1 + 0.2, 1.0 / 3, 5e-7, 1 << 31, 1e15, 0}
	for range 200000 {
		x := float64(r.Int64N(1 << 41))
		values = append(values, x/1e6, x/1e3, x/1e7, x/1e6+math.Copysign(0, 1)*r.Float64()*1e-9,
			math.Float64frombits(r.Uint64()&^(1<<63)), r.Float64()*1e4)
	}
	took := 0
	for _, v := range values {
		for _, f := range []float64{v, -v} {
			got, ok := appendMicros([]byte("x"), f)
			if !ok {
				if string(got) != "x" {
					t.Fatalf("%v: not taken, but wrote %q", f, got)
				}
				continue
			}
			took++
			if want := strconv.AppendFloat([]byte("x"), f, 'f', -1, 64); string(got) != string(want) {
				t.Errorf("%v: %q, strconv %q", f, got, want)
			}
		}
	}
	if took < 400000 {
		t.Errorf("took %d of %d numbers: the microsecond values were left to strconv", took, 2*len(values))
	}
	for _, f := range []float64{0, math.Nextafter(0.3, 1), 1.0 / 3, 1 << 31, 5e-7} {
		if _, ok := appendMicros(nil, f); ok {
			t.Errorf("%v taken", f)
		}
	}
}

// TestAppendJSONStringPositions: a byte or character to escape (or to
// keep, for é) is found wherever it is in a string, in the eight-byte
// steps of plainPrefix and in the bytes after them, and plain strings of
// every length are kept whole.
func TestAppendJSONStringPositions(t *testing.T) {
	const plain = "abcdefghijklmnopqrstuvwxyz"
	specials := []string{`"`, `\`, "<", ">", "&", "\x00", "\x1f", "\x7f", "\x80", "\u2028", "é", "\u202e"}
	var cases []string
	for n := range 20 {
		cases = append(cases, plain[:n])
		for _, sp := range specials {
			cases = append(cases, plain[:n]+sp+plain[n:20])
		}
	}
	for _, s := range cases {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), s); string(got[1:]) != string(jsonSafe(want)) {
			t.Errorf("%q: %s, want %s", s, got[1:], jsonSafe(want))
		}
	}
}

// FuzzJSONWriter: any string, as a value and as a key, and any number
// are written as encoding/json writes them.
func FuzzJSONWriter(f *testing.F) {
	for i, s := range hostileStrings {
		f.Add(s, jsonFloats[i%len(jsonFloats)], int64(i)-3)
	}
	type value struct {
		S  string             `json:"s"`
		K  map[string]float64 `json:"k,omitempty"`
		L  []string           `json:"l"`
		F  float64            `json:"f"`
		F3 float32            `json:"f3,omitempty"`
		N  int64              `json:"n,omitempty"`
	}
	enc := newJSONEncoder()
	f.Fuzz(func(t *testing.T, s string, x float64, n int64) {
		v := value{S: s, K: map[string]float64{s: x, strings.ToUpper(s): -x}, L: []string{s, s + s, ""}, F: x, F3: float32(x), N: n}
		checkJSONWriter(t, enc, fmt.Sprintf("%q %v %d", s, x, n), &v)
	})
}
