package report

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The text, Markdown and HTML renderers never see a diagnosis as it was
// made or read: Render hands them cleanCopy's deep copy, in which every
// string (server text, and the fields the code itself fills, ids, modes,
// fix audiences, addresses, since a report read back from a file may hold
// anything there) has gone through cleanTerm. Each format then escapes
// for itself (mdEscape and mdCode, html/template). The JSON renderer
// writes the diagnosis as it is and only escapes, in the encoding, the
// characters that could act on a terminal or reorder text (jsonSafe).

// cleanCopy returns a deep copy of v (a pointer to a diagnosis, or any
// value) with cleanTerm applied to every exported string, map keys
// included. v is never modified; unexported fields are copied as they are.
func cleanCopy[T any](v *T) *T {
	if v == nil {
		return nil
	}
	out := cleanValue(reflect.ValueOf(v).Elem())
	p := new(T)
	reflect.ValueOf(p).Elem().Set(out)
	return p
}

// cleanValue returns a cleaned copy of v.
func cleanValue(v reflect.Value) reflect.Value {
	t := v.Type()
	if !hasString(t) {
		return v
	}
	switch v.Kind() {
	case reflect.String:
		return reflect.ValueOf(cleanTerm(v.String())).Convert(t)
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(cleanValue(v.Elem()))
		return p
	case reflect.Struct:
		n := reflect.New(t).Elem()
		n.Set(v)
		for _, i := range stringFields(t) {
			n.Field(i).Set(cleanValue(v.Field(i)))
		}
		return n
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			n.Index(i).Set(cleanValue(v.Index(i)))
		}
		return n
	case reflect.Array:
		n := reflect.New(t).Elem()
		for i := 0; i < v.Len(); i++ {
			n.Index(i).Set(cleanValue(v.Index(i)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			n.SetMapIndex(cleanValue(it.Key()), cleanValue(it.Value()))
		}
		return n
	}
	return v
}

// stringTypes caches hasString per type (reflect.Type -> bool).
var stringTypes sync.Map

// structStrings caches stringFields per struct type (reflect.Type ->
// []int): a capture report cleans thousands of diagnoses of the same few
// types, and asking each field's type every time was most of the work.
var structStrings sync.Map

// stringFields are the indexes of struct type t's exported fields that
// can hold a string: the ones cleanValue has to copy cleaned.
func stringFields(t reflect.Type) []int {
	if v, ok := structStrings.Load(t); ok {
		return v.([]int)
	}
	var idx []int
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && hasString(f.Type) {
			idx = append(idx, i)
		}
	}
	structStrings.Store(t, idx)
	return idx
}

// hasString reports whether values of t can hold an exported string, so
// that cleanValue copies only what it must.
func hasString(t reflect.Type) bool {
	if v, ok := stringTypes.Load(t); ok {
		return v.(bool)
	}
	b := hasStringOf(t, map[reflect.Type]bool{})
	stringTypes.Store(t, b)
	return b
}

func hasStringOf(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false // a cycle: the first visit answers
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.String:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return hasStringOf(t.Elem(), seen)
	case reflect.Map:
		return hasStringOf(t.Key(), seen) || hasStringOf(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() && hasStringOf(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// textCellWidth is the most runes a text table cell shows: a 250 KiB reply
// in a cell would make every row of the table that wide.
const textCellWidth = 160

// cutCell shortens s to textCellWidth runes, ending in "...".
func cutCell(s string) string {
	if utf8.RuneCountInString(s) <= textCellWidth {
		return s
	}
	r := []rune(s)
	return string(r[:textCellWidth-3]) + "..."
}

// jsonSafe escapes, in encoded JSON, the characters encoding/json leaves
// raw that could act on a terminal or reorder the text around them: DEL,
// the C1 controls and the format characters (bidirectional overrides and
// isolates, zero-width characters). Outside strings JSON is ASCII, so
// every such character is inside a string, and its \u escape decodes to
// the same value: the document is unchanged, only its spelling.
func jsonSafe(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf && b[i] != 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if jsonEscaped(r) {
			for _, u := range utf16Of(r) {
				out = fmt.Appendf(out, `\u%04x`, u)
			}
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func jsonEscaped(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r != utf8.RuneError && unicode.Is(unicode.Cf, r))
}

func utf16Of(r rune) []uint16 {
	if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
		return []uint16{uint16(r1), uint16(r2)}
	}
	return []uint16{uint16(r)}
}

// mdAutolink reports whether a word would become a link in GitHub-flavoured
// Markdown, escaped or not: a URL scheme ("https://", "ftp://"...), "www."
// or an e-mail address (which also covers @mentions).
func mdAutolink(w string) bool {
	l := strings.ToLower(w)
	return strings.Contains(l, "://") || strings.Contains(l, "www.") || strings.Contains(l, "@")
}

// mdCode is s as an inline code span: cleaned, fenced with more backticks
// than any run inside, padded when it starts or ends with a backtick or a
// space. In a table cell (table set) pipes are escaped, as GFM requires
// even inside code spans.
func mdCode(s string, table bool) string {
	s = cleanTerm(s)
	if s == "" {
		return ""
	}
	n, run := 1, 0
	for _, r := range s {
		if r == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	if table {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	fence := strings.Repeat("`", n)
	return fence + s + fence
}
