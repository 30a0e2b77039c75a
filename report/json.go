package report

import (
	"encoding/json"
	"io"
)

// renderJSON writes the diagnosis as indented JSON (schema ftpdiag/v1,
// documented in docs/json-schema.md). encoding/json escapes <, > and & so
// the output is safe to embed in HTML too.
func renderJSON(w io.Writer, d *Diagnosis) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
