package report

import (
	"encoding/json"
	"io"
)

// renderJSONLine writes the diagnosis as one line of JSON: the object
// renderJSON writes, without indentation.
func renderJSONLine(w io.Writer, d *Diagnosis) error {
	b, err := newJSONEncoder().marshalLine(d)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// renderCaptureJSONL writes an analyze report as JSON Lines: the envelope
// (every member of the JSON report but sessions, the summary included) on
// the first line, then one session's diagnosis per line, encoded on every
// core and written in order. Each member is encoded on its own
// (envelopeMembers), as renderCaptureJSON does.
func renderCaptureJSONL(w io.Writer, c *CaptureDiagnosis, version string) error {
	ew := &errWriter{w: w}
	ew.printf("{")
	members := append(c.envelopeMembers(version), envelopeMember{"summary", c.Summary, false})
	first := true
	for _, m := range members {
		if m.omit {
			continue
		}
		b, err := json.Marshal(m.value)
		if err != nil {
			return err
		}
		if !first {
			ew.printf(",")
		}
		first = false
		ew.printf("%q:%s", m.key, jsonSafe(b))
	}
	ew.printf("}\n")
	err := c.encodeEach(version, false, func(s *scratch, d *Diagnosis) ([]byte, error) {
		return s.json.marshalLine(d)
	}, ew.writeErr)
	if err != nil {
		return err
	}
	return ew.err
}
