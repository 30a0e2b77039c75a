package report

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"
)

// jsonWriter writes a Go value as JSON in one pass, byte for byte what
// jsonSafe(json.MarshalIndent(v, prefix, indent)) gives, or, compact,
// jsonSafe(json.Marshal(v)): the indentation is written as the value is,
// and strings are escaped as encoding/json escapes them (HTML characters,
// U+2028 and U+2029, invalid UTF-8 as \ufffd) and as jsonSafe does (DEL,
// C1 controls, format characters). It walks the value with a plan made
// once per type (jsonPlan). It handles the kinds the report's types are
// made of: structs of plain fields, with omitempty and embedded structs
// whose names do not collide; pointers, slices, maps with string keys,
// interfaces, strings, numbers and booleans, and time.Time as its
// MarshalJSON writes it (encodeTime). Any other type (one with a
// MarshalJSON or MarshalText method, json.Number,
// []byte, arrays, a struct whose fields encoding/json would have to
// arbitrate or with a tag option but omitempty) is encoded by
// encoding/json itself and indented in place (appendIndentJSON), so the
// output never depends on this writer knowing encoding/json's rules for
// it. json_encode_test.go compares the two on every capture in testdata,
// on random diagnoses and on those odd types.
//
// Why not the alternatives (measured on the per-session diagnoses of a
// generated capture, BenchmarkJSONEncoder): encoding/json's Encoder
// followed by our indenting pass costs about twice this writer;
// MarshalIndent or Encoder.SetIndent (a validating second pass) three to
// five times. The drop-in encoders were either not byte-identical
// (goccy/go-json writes 1e-07 for 1e-7; go-json-experiment's v1
// emulation writes invalid UTF-8 as a raw U+FFFD, not \ufffd) or saved
// under a quarter (segmentio/encoding, with two modules and assembly more
// to carry), and all still need the indenting pass.
//
// The output is threaded through the calls (each appends to the slice it
// is given and returns it), not kept in the writer: a slice stored in a
// heap object on every append costs a write barrier each time while the
// collector runs, which, with the memory limit analyze sets, is often.
//
// Per member of a struct, the writer makes one copy for the separator,
// the line and the key (memberKey), and reads a string, number or boolean
// at its address rather than through reflect.Value.Field (members): on
// the sessions of BenchmarkJSONEncoder, a fifth fewer instructions.
type jsonWriter struct {
	indent string // "" with compact
	// nl is a comma, a newline, the prefix and indent repeated for the
	// deepest level met so far (compact, a comma alone): the separator
	// between two elements of the current depth is its first sep bytes,
	// a line's start the same less the comma. An element's separator is
	// then one copy, and the writer stores no slice on each change of
	// depth (a write barrier while the collector runs).
	nl      []byte
	sep     int // len(",\n" + prefix + depth*indent), 1 with compact
	prefix  string
	compact bool
	depth   int // nesting of objects and arrays
	nested  int // nesting of pointers, slices and maps (cycle guard)
	// keys holds, by jsonMember.id, each struct member's separator and
	// key as last written: a member is then one copy, not three. alt
	// holds the one written before at another depth: a type met at two
	// depths in turn (a PacketRef as a connection's "first" and in its
	// "syns") swaps the two, rather than making its keys again each time
	// (a tenth of the members of a session's report).
	keys, alt []memberKey
}

// memberKey is a member's separator and key for a depth of a layout.
type memberKey struct {
	sep int    // jsonWriter.sep the bytes are for; 0 for none yet
	b   []byte // nl[:sep] and the key
}

// maxJSONNesting is the nesting of pointers, slices and maps past which
// encoding/json starts checking for cycles: past it the writer hands the
// value to encoding/json, which finds the cycle (an error) or writes it.
const maxJSONNesting = 1000

// reset readies the writer for a value: compact, or indented with
// prefix and indent.
func (w *jsonWriter) reset(compact bool, prefix, indent string) {
	if compact != w.compact || prefix != w.prefix || indent != w.indent {
		for i := range w.keys { // made for another layout
			w.keys[i].sep, w.alt[i].sep = 0, 0
		}
	}
	w.compact, w.indent, w.prefix = compact, indent, prefix
	w.nested = 0
	w.nl = append(w.nl[:0], ',')
	if !compact {
		w.nl = append(append(w.nl, '\n'), prefix...)
	}
	w.setDepth(0)
}

// setDepth makes d the current depth, growing nl to its separator.
func (w *jsonWriter) setDepth(d int) {
	w.depth = d
	if w.compact {
		w.sep = 1
		return
	}
	w.sep = 2 + len(w.prefix) + d*len(w.indent)
	for len(w.nl) < w.sep {
		w.nl = append(w.nl, w.indent...)
	}
}

// encode appends v to b.
func (w *jsonWriter) encode(b []byte, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	rv := reflect.ValueOf(v)
	return jsonPlan(rv.Type())(w, b, rv)
}

// newline starts a line of the current depth (nothing with compact).
func (w *jsonWriter) newline(b []byte) []byte {
	return append(b, w.nl[1:w.sep]...)
}

// line is the prefix and the indentation of the current depth (indented
// only).
func (w *jsonWriter) line() []byte {
	return w.nl[2:w.sep]
}

// open writes an object's or array's opening c, the first element's
// line start and goes one level deeper.
func (w *jsonWriter) open(b []byte, c byte) []byte {
	w.setDepth(w.depth + 1)
	return w.newline(append(b, c))
}

// next separates an element from the one before: a comma and a line.
func (w *jsonWriter) next(b []byte) []byte {
	return append(b, w.nl[:w.sep]...)
}

// close ends a non-empty object or array with c.
func (w *jsonWriter) close(b []byte, c byte) []byte {
	w.setDepth(w.depth - 1)
	return append(w.newline(b), c)
}

// encodeFunc appends to b one value of the type it was made for.
type encodeFunc func(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error)

var jsonPlans sync.Map // reflect.Type -> encodeFunc

// jsonPlan is the encodeFunc of t, made once. A recursive type finds
// its own plan while it is being made: a stand-in that waits for it.
func jsonPlan(t reflect.Type) encodeFunc {
	if f, ok := jsonPlans.Load(t); ok {
		return f.(encodeFunc)
	}
	var (
		wg sync.WaitGroup
		f  encodeFunc
	)
	wg.Add(1)
	standIn := encodeFunc(func(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
		wg.Wait()
		return f(w, b, v)
	})
	if g, loaded := jsonPlans.LoadOrStore(t, standIn); loaded {
		return g.(encodeFunc)
	}
	f = newJSONPlan(t)
	wg.Done()
	jsonPlans.Store(t, f)
	return f
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonNumberType    = reflect.TypeFor[json.Number]()
	timeType          = reflect.TypeFor[time.Time]()
)

// marshals reports whether encoding/json would call a method of t (or of
// *t, for an addressable value) to encode it.
func marshals(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) ||
		p.Implements(jsonMarshalerType) || p.Implements(textMarshalerType)
}

func newJSONPlan(t reflect.Type) encodeFunc {
	if t == timeType {
		return encodeTime
	}
	if marshals(t) {
		return encodeByJSON
	}
	switch memberOpOf(t) { // the plain kinds, as a struct's loop writes them
	case opString:
		return encodeString
	case opBool:
		return encodeBool
	case opInt:
		return encodeInt
	case opUint:
		return encodeUint
	case opFloat64:
		return encodeFloat(64)
	}
	switch t.Kind() {
	case reflect.Float32:
		return encodeFloat(32)
	case reflect.Interface:
		return encodeInterface
	case reflect.Pointer:
		return pointerPlan(t)
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 { // []byte is base64
			return slicePlan(t)
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return mapPlan(t)
		}
	case reflect.Struct:
		if f := structPlan(t); f != nil {
			return f
		}
	}
	return encodeByJSON
}

// encodeByJSON appends what encoding/json writes for v, indented to the
// current depth: a nested value's lines are those of json.Indent with
// the prefix and the indentation of the levels around it as prefix.
// An addressable value is passed by address, as encoding/json calls the
// methods of *T on one.
func encodeByJSON(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
	x := v.Interface()
	if v.CanAddr() {
		x = v.Addr().Interface()
	}
	j, err := json.Marshal(x)
	if err != nil {
		return b, err
	}
	j = jsonSafe(j)
	if w.compact {
		return append(b, j...), nil
	}
	return appendIndentJSON(b, j, string(w.line()), w.indent), nil
}

// encodeTime writes a time.Time as its MarshalJSON does (RFC 3339 with
// nanoseconds), without the allocations of encoding/json (two times per
// session, a tenth of the writer's allocations); a time MarshalJSON
// refuses (a year of five digits, a zone of 24 hours or more) goes to
// encodeByJSON for its error.
func encodeTime(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
	var t time.Time
	if v.CanAddr() {
		t = *v.Addr().Interface().(*time.Time) // a pointer in an interface: no copy to the heap
	} else {
		t = v.Interface().(time.Time)
	}
	n0 := len(b)
	b = append(t.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
	if !strictRFC3339(b[n0+1 : len(b)-1]) {
		return encodeByJSON(w, b[:n0], v)
	}
	return b, nil
}

// strictRFC3339 is the check time.Time's MarshalJSON makes on what
// AppendFormat(RFC3339Nano) wrote: a year of four digits, a zone's hour
// of two digits below 24.
func strictRFC3339(s []byte) bool {
	if len(s) < len("2006-01-02T15:04:05Z") || s[len("2006")] != '-' {
		return false
	}
	if s[len(s)-1] == 'Z' {
		return true
	}
	z := s[len(s)-len("07:00"):]
	c := s[len(s)-len("Z07:00")]
	return (c < '0' || c > '9') && 10*(z[0]-'0')+(z[1]-'0') < 24
}

func encodeBool(_ *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
	return strconv.AppendBool(b, v.Bool()), nil
}

func encodeInt(_ *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
	return strconv.AppendInt(b, v.Int(), 10), nil
}

func encodeUint(_ *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
	return strconv.AppendUint(b, v.Uint(), 10), nil
}

func encodeString(_ *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
	return appendJSONString(b, v.String()), nil
}

// encodeFloat is encoding/json's floatEncoder (appendFloat).
func encodeFloat(bits int) encodeFunc {
	return func(_ *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
		f := v.Float()
		b, ok := appendFloat(b, f, bits)
		if !ok {
			return b, unsupportedFloat(v, f, bits)
		}
		return b, nil
	}
}

// unsupportedFloat is encoding/json's error for f, an infinity or NaN, of
// value v.
func unsupportedFloat(v reflect.Value, f float64, bits int) error {
	return &json.UnsupportedValueError{Value: v, Str: strconv.FormatFloat(f, 'g', -1, bits)}
}

// appendFloat appends f as encoding/json's floatEncoder does: ES6 number
// formatting, the exponent form below 1e-6 and from 1e21 on, its exponent
// unpadded. ok is false for an infinity or NaN, which JSON has not.
func appendFloat(b []byte, f float64, bits int) (_ []byte, ok bool) {
	if bits == 64 {
		if m, ok := appendMicros(b, f); ok { // most of the report's numbers
			return m, true
		}
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-09 -> e-9
		b = b[:n-1]
	}
	return b, true
}

// appendMicros appends f as strconv.AppendFloat(f, 'f', -1, 64) does
// when f is the double nearest to a decimal D with at most six digits
// after the point (x millionths, the capture's microsecond times) and
// 0 < |f| < 2^31; ok is false otherwise. D is then the shortest decimal
// that reads back as f, which AppendFloat writes: D reads back as f
// (the division x/1e6 is correctly rounded, as is parsing), and any other
// decimal with no more significant digits differs from D by at least
// 1e-6 (a multiple of 1e-6 apart, or a decade away), while the decimals
// that read back as f lie within one ulp of it, below 2^-22 here. For
// those numbers it is several times cheaper than the shortest-digits
// search, and the reports are full of them.
func appendMicros(b []byte, f float64) ([]byte, bool) {
	abs := math.Abs(f)
	if abs == 0 || abs >= 1<<31 {
		return b, false
	}
	x := math.Round(abs * 1e6)
	if x/1e6 != abs {
		return b, false
	}
	// The number is written in d, then appended in one piece: the
	// integer part from the right and six fraction digits, two at a
	// time, less the fraction's trailing zeros.
	var d [len("-2147483648.000000")]byte
	n := uint64(x)
	i, end := len(d)-len(".000000"), len(d)
	if frac := n % 1e6; frac != 0 {
		d[i] = '.'
		putDigitPair(d[i+1:], frac/1e4)
		putDigitPair(d[i+3:], frac/100%100)
		putDigitPair(d[i+5:], frac%100)
		for d[end-1] == '0' {
			end--
		}
	} else {
		end = i
	}
	n /= 1e6
	for ; n >= 100; n /= 100 {
		i -= 2
		putDigitPair(d[i:], n%100)
	}
	if n >= 10 {
		i -= 2
		putDigitPair(d[i:], n)
	} else {
		i--
		d[i] = '0' + byte(n)
	}
	if f < 0 {
		i--
		d[i] = '-'
	}
	return append(b, d[i:end]...), true
}

// digitPairs are the decimal pairs 00 to 99.
const digitPairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" + "60616263646566676869" +
	"70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// putDigitPair writes x, below 100, as two digits at d[0:2].
func putDigitPair(d []byte, x uint64) {
	d[0], d[1] = digitPairs[2*x], digitPairs[2*x+1]
}

func encodeInterface(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	e := v.Elem()
	return jsonPlan(e.Type())(w, b, e)
}

// nest counts one more level of pointer, slice or map; past
// maxJSONNesting the value goes to encoding/json (ok false).
func (w *jsonWriter) nest() bool {
	if w.nested == maxJSONNesting {
		return false
	}
	w.nested++
	return true
}

func pointerPlan(t reflect.Type) encodeFunc {
	elem := jsonPlan(t.Elem())
	return func(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if !w.nest() {
			return encodeByJSON(w, b, v)
		}
		b, err := elem(w, b, v.Elem())
		w.nested--
		return b, err
	}
}

func slicePlan(t reflect.Type) encodeFunc {
	elem := jsonPlan(t.Elem())
	return func(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		n := v.Len()
		if n == 0 {
			return append(b, "[]"...), nil
		}
		if !w.nest() {
			return encodeByJSON(w, b, v)
		}
		b = w.open(b, '[')
		for i := range n {
			if i > 0 {
				b = w.next(b)
			}
			var err error
			if b, err = elem(w, b, v.Index(i)); err != nil {
				return b, err
			}
		}
		w.nested--
		return w.close(b, ']'), nil
	}
}

// mapPlan writes a map with string keys in the order of its keys, as
// encoding/json does.
func mapPlan(t reflect.Type) encodeFunc {
	elem := jsonPlan(t.Elem())
	return func(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if v.Len() == 0 {
			return append(b, "{}"...), nil
		}
		if !w.nest() {
			return encodeByJSON(w, b, v)
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		b = w.open(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = w.next(b)
			}
			b = w.colon(appendJSONString(b, k.String()))
			var err error
			if b, err = elem(w, b, v.MapIndex(k)); err != nil {
				return b, err
			}
		}
		w.nested--
		return w.close(b, '}'), nil
	}
}

// colon ends an object's key.
func (w *jsonWriter) colon(b []byte) []byte {
	if w.compact {
		return append(b, ':')
	}
	return append(b, ':', ' ')
}

// jsonMember is one member a struct type writes.
type jsonMember struct {
	id        int     // its index in jsonWriter.keys, one per member of every plan
	index     []int   // the field, through the embedded structs it is in
	offset    uintptr // of the field from the start of the struct
	size      uintptr // of the field's type
	key       string  // the quoted name, the colon and a space (indented only)
	omitEmpty bool
	op        memberOp
	enc       encodeFunc
}

// memberOp is how a member's value is written: in the struct's loop for
// the plain kinds, by its plan (enc) for the others. Written in the loop,
// a string, number or boolean member costs no call through a plan and is
// read once for omitempty and for writing (with encodeTime and the
// one-piece strings, the writer took a fifth less CPU time on the
// sessions of BenchmarkJSONEncoder).
type memberOp uint8

const (
	opPlan memberOp = iota
	opString
	opBool
	opInt
	opUint
	opFloat64
)

// memberOpOf is the op of a member of type t: opPlan unless t is a plain
// string, boolean, integer or float64 kind (newJSONPlan's plans for those
// follow from it). A json.Number, a string kind, is written as a number by
// encoding/json; a type with a marshalling method by its method.
func memberOpOf(t reflect.Type) memberOp {
	if marshals(t) || t == jsonNumberType {
		return opPlan
	}
	switch t.Kind() {
	case reflect.String:
		return opString
	case reflect.Bool:
		return opBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return opInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return opUint
	case reflect.Float64:
		return opFloat64
	}
	return opPlan
}

// memberIDs counts the members of the struct plans made.
var memberIDs atomic.Int64

// structPlan writes the fields of t in their order, or is nil when t has
// what this writer leaves to encoding/json (jsonStructFields).
func structPlan(t reflect.Type) encodeFunc {
	fields, ok := jsonStructFields(t, nil, map[string]bool{})
	if !ok {
		return nil
	}
	for i := range fields {
		f := &fields[i]
		f.id = int(memberIDs.Add(1)) - 1
		ft := t
		for _, j := range f.index { // embedded structs are values: their offsets add up
			sf := ft.Field(j)
			f.offset += sf.Offset
			ft = sf.Type
		}
		f.size = ft.Size()
		f.op = memberOpOf(ft)
		f.enc = jsonPlan(ft)
	}
	return func(w *jsonWriter, b []byte, v reflect.Value) ([]byte, error) {
		return w.members(b, fields, v)
	}
}

// structAddr is the address of struct v, or of a copy of it when v is not
// addressable (a struct in a map or an interface, or encoded by value):
// the plain members are read there. Reading them so is what reflect does
// (a field's address is the struct's plus its offset) and safe: the
// pointer keeps the struct alive, and a member is read as the type its
// op and size were taken from (memberOpOf: a string kind as a string, an
// integer kind as the integer of its size).
func structAddr(v reflect.Value) unsafe.Pointer {
	if v.CanAddr() {
		// Not v.Addr(): it looks up the pointer type, a tenth of the
		// writer's time on the report's sessions.
		return unsafe.Pointer(v.UnsafeAddr())
	}
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	return c.UnsafePointer()
}

// members writes the members of struct v, fields, but those omitempty
// leaves out. A string, boolean or number member is read at its address
// (no reflect.Value made for it) and written here, in the loop: per
// member, a call less and the value read once for omitempty and for
// writing. The others are v's fields, written by their plans: a field is
// addressable exactly when v is, as encoding/json sees it for the methods
// of *T.
func (w *jsonWriter) members(b []byte, fields []jsonMember, v reflect.Value) ([]byte, error) {
	base := structAddr(v)
	first := 1 // a member's key is preceded by a comma but the first's
	for i := range fields {
		f := &fields[i]
		p := unsafe.Add(base, f.offset)
		switch f.op {
		case opString:
			s := *(*string)(p)
			if f.omitEmpty && s == "" {
				continue
			}
			b = appendJSONString(w.key(b, f, &first), s)
		case opBool:
			x := *(*bool)(p)
			if f.omitEmpty && !x {
				continue
			}
			b = strconv.AppendBool(w.key(b, f, &first), x)
		case opInt:
			x := loadInt(p, f.size)
			if f.omitEmpty && x == 0 {
				continue
			}
			b = strconv.AppendInt(w.key(b, f, &first), x, 10)
		case opUint:
			x := loadUint(p, f.size)
			if f.omitEmpty && x == 0 {
				continue
			}
			b = strconv.AppendUint(w.key(b, f, &first), x, 10)
		case opFloat64:
			x := *(*float64)(p)
			if f.omitEmpty && x == 0 { // -0 too, as IsZero
				continue
			}
			var ok bool
			if b, ok = appendFloat(w.key(b, f, &first), x, 64); !ok {
				return b, unsupportedFloat(v.FieldByIndex(f.index), x, 64)
			}
		default:
			fv := v.Field(f.index[0])
			if len(f.index) > 1 { // in an embedded struct
				fv = fv.FieldByIndex(f.index[1:])
			}
			if f.omitEmpty && jsonEmpty(fv) {
				continue
			}
			var err error
			if b, err = f.enc(w, w.key(b, f, &first), fv); err != nil {
				return b, err
			}
		}
	}
	if first == 1 {
		return append(b, "{}"...), nil
	}
	return w.close(b, '}'), nil
}

// loadInt reads the signed integer of size bytes at p.
func loadInt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

// loadUint reads the unsigned integer of size bytes at p.
func loadUint(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
}

// key starts member f: the object's brace before the first member
// (*first is 1 until then), else a comma; the line, the name. The usual
// member's key, made already, is one copy; the others are keySlow's,
// out of line (the registers key would otherwise save on each call).
func (w *jsonWriter) key(b []byte, f *jsonMember, first *int) []byte {
	if *first == 0 && f.id < len(w.keys) && w.keys[f.id].sep == w.sep {
		return append(b, w.keys[f.id].b...)
	}
	return w.keySlow(b, f, first)
}

// keySlow is key for the first member, or one whose key is not made yet
// for this depth and layout.
func (w *jsonWriter) keySlow(b []byte, f *jsonMember, first *int) []byte {
	skip := *first
	if skip == 1 {
		b = append(b, '{')
		w.setDepth(w.depth + 1)
		*first = 0
	}
	if f.id >= len(w.keys) || w.keys[f.id].sep != w.sep {
		if f.id < len(w.alt) && w.alt[f.id].sep == w.sep {
			w.keys[f.id], w.alt[f.id] = w.alt[f.id], w.keys[f.id]
		} else {
			w.makeKey(f)
		}
	}
	return append(b, w.keys[f.id].b[skip:]...)
}

// makeKey makes f's separator and key for the current depth.
func (w *jsonWriter) makeKey(f *jsonMember) {
	if f.id >= len(w.keys) {
		w.keys = append(w.keys, make([]memberKey, f.id+1-len(w.keys))...)
		w.alt = append(w.alt, make([]memberKey, f.id+1-len(w.alt))...)
	}
	// The keys made last move to alt; alt's buffer is reused for these.
	w.keys[f.id], w.alt[f.id] = w.alt[f.id], w.keys[f.id]
	k := &w.keys[f.id]
	k.sep = w.sep
	k.b = append(append(k.b[:0], w.nl[:w.sep]...), f.key...)
	if w.compact {
		k.b = k.b[:len(k.b)-1] // no space after the colon
	}
}

// jsonStructFields lists the members of struct t (at index path at)
// depth first, as encoding/json orders them; ok is false when t has a
// field whose handling this writer leaves to encoding/json: a name met
// twice (encoding/json arbitrates between them), a name to escape, a tag
// option but omitempty, an embedded pointer or unexported struct.
func jsonStructFields(t reflect.Type, at []int, seen map[string]bool) (fields []jsonMember, ok bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			if sf.Anonymous && derefKind(sf.Type) == reflect.Struct {
				return nil, false
			}
			continue // encoding/json ignores it too
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		omitEmpty := false
		for o := range strings.SplitSeq(opts, ",") {
			switch o {
			case "omitempty":
				omitEmpty = true
			case "string", "omitzero":
				return nil, false
			}
		}
		index := append(slices.Clip(at), i)
		if sf.Anonymous && name == "" {
			switch sf.Type.Kind() {
			case reflect.Struct:
				if marshals(sf.Type) {
					return nil, false
				}
				sub, ok := jsonStructFields(sf.Type, index, seen)
				if !ok {
					return nil, false
				}
				fields = append(fields, sub...)
				continue
			case reflect.Pointer:
				return nil, false
			}
		}
		if name == "" {
			name = sf.Name
		}
		if seen[name] || !plainKey(name) {
			return nil, false
		}
		seen[name] = true
		fields = append(fields, jsonMember{index: index, key: `"` + name + `": `, omitEmpty: omitEmpty})
	}
	return fields, true
}

func derefKind(t reflect.Type) reflect.Kind {
	if t.Kind() == reflect.Pointer {
		return t.Elem().Kind()
	}
	return t.Kind()
}

// plainKey reports whether encoding/json would take name as a member
// name as it is (a valid tag) and write it unescaped.
func plainKey(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%()*+-./:;=?@[]^_{|}~ ", c) >= 0:
		default:
			return false // <, >, & and non-ASCII are escaped
		}
	}
	return true
}

// jsonEmpty is encoding/json's isEmptyValue, for omitempty.
func jsonEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// jsonPlainByte marks (1) the bytes a string holds as they are: ASCII,
// not a control, quote, backslash, <, >, & (encoding/json) nor DEL
// (jsonSafe). All 256 bytes, so that the scan needs no other test.
var jsonPlainByte = func() (t [256]uint8) {
	for c := 0x20; c < 0x7f; c++ {
		if strings.IndexByte(`"\<>&`, byte(c)) < 0 {
			t[c] = 1
		}
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// plainPrefix is the length of the start of s that has nothing to
// escape. It looks at eight bytes per test while it can, the and of
// their marks: on the report's strings, a quarter fewer instructions
// than a test per byte.
func plainPrefix(s string) int {
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		c := s[i : i+8]
		if jsonPlainByte[c[0]]&jsonPlainByte[c[1]]&jsonPlainByte[c[2]]&jsonPlainByte[c[3]]&
			jsonPlainByte[c[4]]&jsonPlainByte[c[5]]&jsonPlainByte[c[6]]&jsonPlainByte[c[7]] == 0 {
			break
		}
	}
	for i < len(s) && jsonPlainByte[s[i]] == 1 {
		i++
	}
	return i
}

// appendJSONString appends s quoted as jsonSafe(encoding/json's
// appendString with HTML escaping) gives it. Most of the report's strings
// have nothing to escape: they are copied in one piece.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	i := plainPrefix(s)
	if i == len(s) {
		return append(append(dst, s...), '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if jsonPlainByte[c] == 1 {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029' || jsonEscaped(r):
			dst = append(dst, s[start:i]...)
			for _, u := range utf16Of(r) {
				dst = fmt.Appendf(dst, `\u%04x`, u)
			}
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
