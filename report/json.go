package report

import (
	"bytes"
	"encoding/json"
	"io"
)

// renderJSON writes the diagnosis as indented JSON (schema ftpdiag/v1,
// documented in docs/json-schema.md). encoding/json escapes <, > and & so
// the output is safe to embed in HTML too; jsonSafe escapes the C1 and
// format characters (bidirectional overrides) it leaves raw.
func renderJSON(w io.Writer, d *Diagnosis) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	_, err := w.Write(jsonSafe(b.Bytes()))
	return err
}
