package report

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"
)

// BenchmarkJSONEncoder encodes the sessions of a generated capture as the
// analyze report does (indented, in a reused encoder), and as encoding/json
// with an indenting pass over its output did before (the baseline the
// writer's choice rests on: json_encode.go).
func BenchmarkJSONEncoder(b *testing.B) {
	sessions := DiagnoseCapture(benchRead(b, benchCapture(b, 8<<20, 100))).Sessions
	var size int64
	for _, d := range sessions {
		c, err := json.Marshal(d)
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(c))
	}
	enc := newJSONEncoder()
	var (
		compact bytes.Buffer
		out     []byte
	)
	std := json.NewEncoder(&compact)
	for _, bc := range []struct {
		name   string
		encode func(d *Diagnosis) error
	}{
		{"writer", func(d *Diagnosis) error {
			_, err := enc.marshalIndentSafe(d, "    ", "  ")
			return err
		}},
		{"writer-compact", func(d *Diagnosis) error {
			_, err := enc.marshalLine(d)
			return err
		}},
		{"encoding-json+indent", func(d *Diagnosis) error {
			compact.Reset()
			if err := std.Encode(d); err != nil {
				return err
			}
			src := bytes.TrimSuffix(compact.Bytes(), []byte{'\n'})
			if out = appendIndentJSON(out[:0], src, "    ", "  "); !isASCII(src) {
				out = jsonSafe(out)
			}
			return nil
		}},
		{"encoding-json-MarshalIndent", func(d *Diagnosis) error {
			_, err := json.MarshalIndent(d, "    ", "  ")
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(size) // compact bytes: the same work for every layout
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range sessions {
					if err := bc.encode(d); err != nil {
						b.Fatal(err)
					}
				}
			}
			perSession(b, len(sessions))
		})
	}
}

// isASCII reports whether b holds no byte >= 0x7f, eight bytes at a time:
// the baseline skipped jsonSafe with it.
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
