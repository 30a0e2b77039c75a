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
// made or read: Render hands them cleanCopy's copy, in which every
// string (server text, and the fields the code itself fills, ids, modes,
// fix audiences, addresses, since a report read back from a file may hold
// anything there) has gone through cleanTerm. Each format then escapes
// for itself (mdEscape and mdCode, html/template). The JSON renderer
// writes the diagnosis as it is and only escapes, in the encoding, the
// characters that could act on a terminal or reorder text (jsonSafe).

// cleanCopy returns a copy of v (a pointer to a diagnosis, or any value)
// with cleanTerm applied to every exported string, map keys included. v
// is never modified; unexported fields are copied as they are. What holds
// no string cleanTerm changes is shared with v, not copied: most reports
// need no cleaning, and copying every diagnosis of a capture whole was a
// seventh of the text report's CPU time (1.15 s of 8.3 s on the analyze
// bench's 5,000 sessions). The renderers only read what they are given.
func cleanCopy[T any](v *T) *T {
	if v == nil {
		return nil
	}
	out, _ := cleanValue(reflect.ValueOf(v).Elem())
	p := new(T)
	reflect.ValueOf(p).Elem().Set(out)
	return p
}

// cleanValue returns v cleaned and whether that changed anything: when it
// did not, v itself.
func cleanValue(v reflect.Value) (reflect.Value, bool) {
	t := v.Type()
	if !hasString(t) {
		return v, false
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		c := cleanTerm(s)
		if c == s {
			return v, false
		}
		return reflect.ValueOf(c).Convert(t), true
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		e, changed := cleanValue(v.Elem())
		if !changed {
			return v, false
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		return p, true
	case reflect.Struct:
		return cleanFields(v, stringFields(t))
	case reflect.Slice:
		if v.IsNil() {
			return v, false
		}
		return cleanElems(v, func() reflect.Value {
			n := reflect.MakeSlice(t, v.Len(), v.Len())
			reflect.Copy(n, v)
			return n
		})
	case reflect.Array:
		return cleanElems(v, func() reflect.Value {
			n := reflect.New(t).Elem()
			n.Set(v)
			return n
		})
	case reflect.Map:
		return cleanMap(v)
	}
	return v, false
}

// cleanFields cleans a struct's fields idx: a copy of v once one changes.
func cleanFields(v reflect.Value, idx []int) (reflect.Value, bool) {
	var n reflect.Value
	for _, i := range idx {
		f, changed := cleanValue(v.Field(i))
		if !changed {
			continue
		}
		if !n.IsValid() {
			n = reflect.New(v.Type()).Elem()
			n.Set(v)
		}
		n.Field(i).Set(f)
	}
	if !n.IsValid() {
		return v, false
	}
	return n, true
}

// cleanElems cleans a slice's or an array's elements: a copy of v (made
// by copyOf) once one changes.
func cleanElems(v reflect.Value, copyOf func() reflect.Value) (reflect.Value, bool) {
	var n reflect.Value
	for i := 0; i < v.Len(); i++ {
		e, changed := cleanValue(v.Index(i))
		if !changed {
			continue
		}
		if !n.IsValid() {
			n = copyOf()
		}
		n.Index(i).Set(e)
	}
	if !n.IsValid() {
		return v, false
	}
	return n, true
}

// cleanMap cleans a map's keys and values: a new map once one changes.
func cleanMap(v reflect.Value) (reflect.Value, bool) {
	if v.IsNil() {
		return v, false
	}
	n := reflect.MakeMapWithSize(v.Type(), v.Len())
	dirty := false
	it := v.MapRange()
	for it.Next() {
		k, kc := cleanValue(it.Key())
		e, ec := cleanValue(it.Value())
		dirty = dirty || kc || ec
		n.SetMapIndex(k, e)
	}
	if !dirty {
		return v, false
	}
	return n, true
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
