package report

import "io"

// renderJSON writes the diagnosis as indented JSON (schema ftpdiag/v1,
// documented in docs/json-schema.md), as json.MarshalIndent would with a
// newline after it. HTML's <, > and & are escaped (encoding/json does) so
// the output is safe to embed in HTML too; so are the C1 and format
// characters (bidirectional overrides) encoding/json leaves raw
// (jsonSafe). The encoder is jsonEncoder, the analyze report's.
func renderJSON(w io.Writer, d *Diagnosis) error {
	b, err := newJSONEncoder().marshalIndentSafe(d, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
