package report

import "bytes"

// jsonEncoder marshals values as JSON, byte for byte what jsonSafe of
// json.MarshalIndent or json.Marshal gives, reusing its buffer from one
// value to the next: the streamed capture report encodes thousands of
// sessions of tens of kilobytes each. It writes in one pass (jsonWriter,
// json_encode.go): encoding/json followed by an indenting pass was most
// of the report's encoding cost.
type jsonEncoder struct {
	w   jsonWriter
	out []byte
}

func newJSONEncoder() *jsonEncoder {
	return &jsonEncoder{}
}

// marshalIndentSafe is jsonSafe(json.MarshalIndent(v, prefix, indent)).
// The slice it returns is valid until the next call.
func (e *jsonEncoder) marshalIndentSafe(v any, prefix, indent string) ([]byte, error) {
	e.w.reset(false, prefix, indent)
	b, err := e.w.encode(e.out[:0], v)
	if err != nil {
		return nil, err
	}
	e.out = b
	return b, nil
}

// marshalLine is jsonSafe(json.Marshal(v)) and a newline: one line of
// JSON Lines. The slice it returns is valid until the next call.
func (e *jsonEncoder) marshalLine(v any) ([]byte, error) {
	e.w.reset(true, "", "")
	b, err := e.w.encode(e.out[:0], v)
	if err != nil {
		return nil, err
	}
	e.out = append(b, '\n')
	return e.out, nil
}

// appendIndentJSON appends src, a valid JSON value as encoding/json writes
// it, indented as json.Indent would: each element of an object or array on
// its own line, prefix then indent per level; empty ones stay {} and [];
// ": " after a key. White space outside strings is dropped (Marshal writes
// none); strings are copied as they are. jsonWriter indents with it what
// it has encoding/json encode.
func appendIndentJSON(dst, src []byte, prefix, indent string) []byte {
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
	return dst
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
