package report

import (
	"fmt"
	"reflect"
	"slices"
)

// Validate checks an `ftpdiag analyze` report read back from a file
// (`ftpdiag render`) as Diagnosis.Validate checks a probe report: the
// schema and kind, the envelope's fields, each summary line against its
// session (same number, finding ids from the vocabulary and from that
// session's findings), and each session's diagnosis. The error is one
// line naming the first bad field by its JSON path.
func (c *CaptureDiagnosis) Validate() error {
	if c == nil {
		return fmt.Errorf("invalid report: empty")
	}
	if c.Schema != Schema {
		return fmt.Errorf("invalid report: schema %q, want %q", c.Schema, Schema)
	}
	ck := &checker{}
	ck.oneOf("kind", c.Kind, []string{"capture"})
	ck.require("summary", c.Summary != nil)
	ck.require("sessions", c.Sessions != nil)
	if ck.err == nil && len(c.Summary) != len(c.Sessions) {
		ck.fail("sessions", "%d sessions for %d summary lines", len(c.Sessions), len(c.Summary))
	}
	for i, s := range c.Summary {
		if ck.err != nil {
			break
		}
		path := fmt.Sprintf("summary[%d]", i)
		ck.oneOf(path+".vantage", s.Vantage, vantages)
		d := c.Sessions[i]
		if d == nil || d.Session == nil || d.Session.ID != s.Session {
			ck.fail(path+".session", "%d is not sessions[%d].session.id", s.Session, i)
			break
		}
		for _, ids := range []struct {
			name string
			ids  []string
			sev  Severity
		}{{"errors", s.Errors, SeverityError}, {"warnings", s.Warnings, SeverityWarning}} {
			for j, id := range ids.ids {
				ck.oneOf(fmt.Sprintf("%s.%s[%d]", path, ids.name, j), id, FindingIDs)
				if !slices.ContainsFunc(d.Findings, func(f Finding) bool { return f.ID == id && f.Severity == ids.sev }) {
					ck.fail(fmt.Sprintf("%s.%s[%d]", path, ids.name, j), "%q is not a finding of session %d", id, s.Session)
				}
			}
		}
	}
	for i, d := range c.Sessions {
		if ck.err != nil || d == nil || i >= len(c.Summary) {
			break
		}
		for j, f := range d.Findings {
			if f.Severity == SeverityError && !slices.Contains(c.Summary[i].Errors, f.ID) {
				ck.fail(fmt.Sprintf("sessions[%d].findings[%d]", i, j), "error %q is not in summary[%d].errors", f.ID, i)
			}
		}
	}
	ck.walk(reflect.ValueOf(c).Elem(), "")
	if ck.err != nil {
		return fmt.Errorf("invalid report: %w", ck.err)
	}
	for i, d := range c.Sessions {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("sessions[%d]: %w", i, err)
		}
	}
	return nil
}
