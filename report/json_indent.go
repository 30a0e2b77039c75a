package report

import (
	"bytes"
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
	ascii = true
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
			end, plain := jsonStringEnd(src, i)
			ascii = ascii && plain
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
// at src[i] (len(src) when it is not closed); plain reports that the
// string holds no byte >= 0x7f.
func jsonStringEnd(src []byte, i int) (end int, plain bool) {
	plain = true
	for j := i + 1; j < len(src); j++ {
		switch c := src[j]; {
		case c == '\\':
			j++
		case c == '"':
			return j + 1, plain
		case c >= 0x7f:
			plain = false
		}
	}
	return len(src), plain
}
