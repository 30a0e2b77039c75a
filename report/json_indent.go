package report

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// jsonEncoder marshals values as indented JSON, byte for byte what
// json.MarshalIndent gives, reusing its buffers from one value to the next:
// the streamed capture report encodes thousands of sessions of tens of
// kilobytes each, and MarshalIndent's second pass (json.Indent re-scans
// every byte with its validating state machine) was most of its cost.
type jsonEncoder struct {
	compact bytes.Buffer
	enc     *json.Encoder
	out     []byte
}

func newJSONEncoder() *jsonEncoder {
	e := &jsonEncoder{}
	e.enc = json.NewEncoder(&e.compact)
	return e
}

// marshalIndentSafe is jsonSafe(json.MarshalIndent(v, prefix, indent)),
// without jsonSafe's pass over a text that is all ASCII. The slice it
// returns is valid until the next call.
func (e *jsonEncoder) marshalIndentSafe(v any, prefix, indent string) ([]byte, error) {
	b, ascii, err := e.marshal(v, prefix, indent)
	if err != nil || ascii {
		return b, err
	}
	return jsonSafe(b), nil
}

// marshalLine is jsonSafe(json.Marshal(v)) and a newline: one line of
// JSON Lines. The slice it returns is valid until the next call.
func (e *jsonEncoder) marshalLine(v any) ([]byte, error) {
	e.compact.Reset()
	if err := e.enc.Encode(v); err != nil { // Encode ends it with the newline
		return nil, err
	}
	return jsonSafe(e.compact.Bytes()), nil
}

// marshal is json.MarshalIndent; ascii reports a text without a byte >=
// 0x7f (nothing for jsonSafe to escape).
func (e *jsonEncoder) marshal(v any, prefix, indent string) ([]byte, bool, error) {
	e.compact.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, false, err
	}
	// Encode ends the value with a newline that Marshal does not write.
	src := bytes.TrimSuffix(e.compact.Bytes(), []byte{'\n'})
	var ascii bool
	e.out, ascii = appendIndentJSON(e.out[:0], src, prefix, indent)
	return e.out, ascii, nil
}

// appendIndentJSON appends src, a valid JSON value as encoding/json writes
// it, indented as json.Indent would: each element of an object or array on
// its own line, prefix then indent per level; empty ones stay {} and [];
// ": " after a key. White space outside strings is dropped (Marshal writes
// none); strings are copied as they are. ascii reports that no string
// holds a byte >= 0x7f.
func appendIndentJSON(dst, src []byte, prefix, indent string) (out []byte, ascii bool) {
	ascii = isASCII(src)
	depth := 0
	open := false // after { or [, before the first element
	// nl is a newline, the prefix and the indent of the deepest level
	// met so far: a line's start is a slice of it.
	nl := append(make([]byte, 0, 1+len(prefix)+8*len(indent)), '\n')
	nl = append(nl, prefix...)
	newline := func(dst []byte, depth int) []byte {
		n := 1 + len(prefix) + depth*len(indent)
		for len(nl) < n {
			nl = append(nl, indent...)
		}
		return append(dst, nl[:n]...)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		if open && c != '}' && c != ']' {
			open = false
			depth++
			dst = newline(dst, depth)
		}
		switch c {
		case '"':
			end := jsonStringEnd(src, i)
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '{', '[':
			open = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = newline(dst, depth)
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if open {
				open = false
			} else {
				depth--
				dst = newline(dst, depth)
			}
			dst = append(dst, c)
		default:
			// A number or a literal: copied up to the next delimiter.
			end := i + 1
			for end < len(src) && !jsonDelimiter(src[end]) {
				end++
			}
			dst = append(dst, src[i:end]...)
			i = end - 1
		}
	}
	return dst, ascii
}

// jsonDelimiter reports whether c ends a number or a literal.
func jsonDelimiter(c byte) bool {
	switch c {
	case ',', ':', '}', ']', '{', '[', '"', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// jsonStringEnd is the index just past the string starting with the quote
// at src[i] (len(src) when it is not closed): the first quote after it
// that an even number of backslashes precede (an escaped backslash is two).
func jsonStringEnd(src []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(src[j:], '"')
		if k < 0 {
			return len(src)
		}
		j += k
		escaped := false
		for p := j - 1; p > i && src[p] == '\\'; p-- {
			escaped = !escaped
		}
		if !escaped {
			return j + 1
		}
		j++
	}
}

// isASCII reports whether b holds no byte >= 0x7f, eight bytes at a time.
func isASCII(b []byte) bool {
	const (
		lows  = 0x0101010101010101
		highs = 0x8080808080808080
		dels  = 0x7f7f7f7f7f7f7f7f
	)
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		x := w ^ dels // a zero byte where w has 0x7f
		if w&highs != 0 || (x-lows)&^x&highs != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x7f {
			return false
		}
	}
	return true
}
