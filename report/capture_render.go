package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// RenderCapture writes the report of `ftpdiag analyze`: a summary table of
// the capture's sessions, then each session's diagnosis as Render would
// write it, with where the capture was taken.
func RenderCapture(w io.Writer, cd *CaptureDiagnosis, f Format, opt RenderOptions) error {
	if cd == nil {
		return fmt.Errorf("render: no diagnosis")
	}
	if cd.spent {
		return fmt.Errorf("render: the diagnosis was rendered once already (RenderOnce)")
	}
	cd.spent = cd.once && cd.groups != nil
	// Only the JSON report, whose summary comes last, judges a streamed
	// diagnosis as it writes it (encodeEach): the others begin with the
	// summary.
	if f != FormatJSON {
		cd.judge()
	}
	c := *cd
	if opt.Version != "" {
		c.Version = opt.Version
	}
	// Text, Markdown and HTML render cleaned copies (sanitize.go): the
	// envelope here, each session as it is made (encodeEach).
	clean := f != FormatJSON && f != FormatJSONL
	if clean {
		sessions := c.Sessions
		c.Sessions = nil
		c = *cleanCopy(&c)
		c.Sessions = sessions
	}
	switch f {
	case FormatJSON:
		return renderCaptureJSON(w, cd, c.Version)
	case FormatJSONL:
		return renderCaptureJSONL(w, cd, c.Version)
	case FormatText:
		return renderCaptureText(w, &c, opt)
	case FormatMarkdown:
		return renderCaptureMarkdown(w, &c)
	case FormatHTML:
		return renderCaptureHTML(w, &c)
	}
	_, err := ParseFormat(string(f))
	return err
}

// renderCaptureJSON streams the JSON: the envelope's members, then one
// session at a time (encoded on every core, written in order), then the
// summary, byte for byte what encoding the whole CaptureDiagnosis with
// two-space indentation gives. Each member is encoded on its own
// (envelopeMembers); no encoded text is edited. A streamed diagnosis is
// judged as its sessions are written: the summary is complete at the end.
func renderCaptureJSON(w io.Writer, c *CaptureDiagnosis, version string) error {
	ew := &errWriter{w: w}
	ew.printf("{\n")
	enc := newJSONEncoder()
	member := func(m envelopeMember, last bool) error {
		b, err := enc.marshalIndentSafe(m.value, "  ", "  ") // as CaptureWriter.member
		if err != nil {
			return err
		}
		end := ",\n"
		if last {
			end = "\n"
		}
		ew.printf("  %q: %s%s", m.key, b, end)
		return nil
	}
	for _, m := range c.envelopeHead(version) {
		if !m.omit {
			if err := member(m, false); err != nil {
				return err
			}
		}
	}
	ew.printf("  \"sessions\": [")
	n := 0
	err := c.encodeEach(version, false, func(s *scratch, d *Diagnosis) ([]byte, error) {
		return s.json.marshalIndentSafe(d, "    ", "  ")
	}, func(sb []byte) error {
		sep := ",\n    "
		if n == 0 {
			sep = sep[1:]
		}
		n++
		ew.write([]byte(sep), sb)
		return ew.err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		ew.printf("\n  ")
	}
	ew.printf("],\n")
	for _, m := range c.envelopeTail() {
		if !m.omit {
			if err := member(m, false); err != nil {
				return err
			}
		}
	}
	if err := member(envelopeMember{"summary", c.Summary, false}, true); err != nil {
		return err
	}
	ew.printf("}\n")
	return ew.err
}

// envelopeMember is one member of the analyze report's envelope.
type envelopeMember struct {
	key   string
	value any
	omit  bool // an optional member with nothing to say (omitempty)
}

// envelopeMembers are the members of the analyze report's envelope other
// than "sessions" and "summary": those CaptureDiagnosis's JSON tags give
// before "sessions" (envelopeHead, with the report's version), then those
// after it (envelopeTail), in field order (TestCaptureJSONEnvelope keeps
// them in step); "summary" comes last.
func (c *CaptureDiagnosis) envelopeMembers(version string) []envelopeMember {
	return append(c.envelopeHead(version), c.envelopeTail()...)
}

// envelopeHead are the members before "sessions": known before the
// capture is read.
func (c *CaptureDiagnosis) envelopeHead(version string) []envelopeMember {
	return []envelopeMember{
		{"schema", c.Schema, false},
		{"version", version, false},
		{"kind", c.Kind, false},
		{"files", c.Files, len(c.Files) == 0},
	}
}

// envelopeTail are the members between "sessions" and "summary": known
// once the capture is read.
func (c *CaptureDiagnosis) envelopeTail() []envelopeMember {
	return []envelopeMember{
		{"read_error", c.ReadError, c.ReadError == ""},
		{"notes", c.Notes, len(c.Notes) == 0},
		{"packets", c.Packets, false},
		{"conns", c.Conns, false},
	}
}

// sessionHeading is "Session 2: 192.0.2.10 -> 203.0.113.10:21".
func sessionHeading(d *Diagnosis) string {
	if d.Session == nil {
		return "Session"
	}
	return fmt.Sprintf("Session %d: %s -> %s", d.Session.ID, d.Session.Client, d.Session.Server)
}

// sessionFacts are the lines describing a session before its diagnosis.
func sessionFacts(d *Diagnosis) [][2]string {
	s := d.Session
	if s == nil {
		return nil
	}
	out := [][2]string{
		{"Vantage", fmt.Sprintf("%s: %s", s.Vantage, s.VantageWhy)},
		{"Time", fmt.Sprintf("%.3f s to %.3f s", s.Start, s.End)},
		{"Control", strings.Join(s.Controls, "; ")},
	}
	dc := fmt.Sprintf("%d set up, %d seen on the wire", s.DataConns, s.Linked)
	if len(s.Matches) > 0 {
		var m []string
		for _, k := range []string{"announced", "control-address", "port-only", "encrypted"} {
			if n := s.Matches[k]; n > 0 {
				m = append(m, fmt.Sprintf("%d by %s", n, k))
			}
		}
		dc += " (" + strings.Join(m, ", ") + ")"
	}
	out = append(out, [2]string{"Data", dc})
	if s.User != "" {
		out = append(out, [2]string{"User", s.User})
	}
	if len(s.Decrypted) > 0 {
		out = append(out, [2]string{"TLS", "decrypted with the key log: " + strings.Join(s.Decrypted, "; ")})
	}
	switch {
	case s.ClearedByCCC:
		out = append(out, [2]string{"TLS", "the control connection was encrypted (FTPS) until CCC, clear text after it"})
	case s.Encrypted:
		out = append(out, [2]string{"TLS", "the control connection is encrypted (FTPS)"})
	}
	if s.GapBytes > 0 || s.Truncated {
		note := fmt.Sprintf("%d control bytes missing from the capture", s.GapBytes)
		if s.Truncated {
			note += "; dialogue truncated at the per-session cap"
		}
		out = append(out, [2]string{"Gaps", note})
	}
	if seen := seenText(s); seen != "" {
		out = append(out, [2]string{"Seen", seen})
	}
	if s.TextCut > 0 {
		out = append(out, [2]string{"Text", fmt.Sprintf("%d bytes of long replies and commands not kept (bounds: 4 KiB a reply, 256 KiB a connection, 32 MiB a capture)", s.TextCut)})
	}
	return out
}

func modesCell(s SessionSummary) string { return s.Modes }

func idsCell(s SessionSummary) string {
	ids := append(append([]string{}, s.Errors...), s.Warnings...)
	if len(ids) == 0 {
		return "-"
	}
	return strings.Join(ids, " ")
}

func renderCaptureText(w io.Writer, c *CaptureDiagnosis, opt RenderOptions) error {
	ew := &errWriter{w: w}
	ew.printf("ftpdiag %s: capture analysis\n", cleanTerm(orDash(c.Version)))
	if len(c.Files) > 0 {
		ew.printf("Files:    %s\n", cleanTerm(strings.Join(c.Files, ", ")))
	}
	ew.printf("Packets:  %d, %d TCP connections, %d FTP sessions\n", c.Packets, c.Conns, c.Len())
	if c.ReadError != "" {
		ew.printf("Damage:   %s\n", cleanTerm(c.ReadError))
	}
	for _, n := range c.Notes {
		ew.printf("Note:     %s\n", cleanTerm(n))
	}
	ew.printf("\n")
	if len(c.Summary) > 0 && ew.err == nil {
		ew.printf("SESSIONS\n")
		t := tablewriter.NewTable(w,
			tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
			tablewriter.WithHeaderAutoFormat(tw.Off),
			tablewriter.WithRowAutoWrap(tw.WrapNormal),
			tablewriter.WithRowMaxWidth(40),
		)
		t.Header("#", "CLIENT", "SERVER", "START", "VANTAGE", "MODES", "FINDINGS")
		for _, s := range c.Summary {
			if err := t.Append(fmt.Sprint(s.Session), cutCell(s.Client), cutCell(s.Server), fmt.Sprintf("%.3fs", s.Start), cutCell(s.Vantage), cutCell(modesCell(s)), cutCell(idsCell(s))); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
		ew.printf("\n")
	}
	if c.Len() == 0 {
		ew.printf("No FTP control session found (control ports are 21 unless --control-port says otherwise; FTP on other ports is found by its 220 greeting).\n")
	}
	err := c.encodeEach(c.Version, true, func(s *scratch, d *Diagnosis) ([]byte, error) {
		sw := s.text()
		sw.printf("==== %s ====\n", cleanTerm(sessionHeading(d)))
		for _, kv := range sessionFacts(d) {
			sw.printf("%-9s%s\n", kv[0]+":", cleanTerm(kv[1]))
		}
		if err := renderText(&s.buf, d, opt); err != nil {
			return nil, err
		}
		sw.printf("\n")
		return s.buf.Bytes(), sw.err
	}, ew.writeErr)
	if err != nil {
		return err
	}
	return ew.err
}

func renderCaptureMarkdown(w io.Writer, c *CaptureDiagnosis) error {
	ew := &errWriter{w: w}
	ew.printf("# ftpdiag capture analysis\n\n")
	ew.printf("| | |\n|---|---|\n")
	if len(c.Files) > 0 {
		ew.printf("| Files | %s |\n", mdCell(strings.Join(c.Files, ", ")))
	}
	ew.printf("| Packets | %d, %d TCP connections, %d FTP sessions |\n", c.Packets, c.Conns, c.Len())
	if c.ReadError != "" {
		ew.printf("| Damage | %s |\n", mdCell(c.ReadError))
	}
	for _, n := range c.Notes {
		ew.printf("| Note | %s |\n", mdCell(n))
	}
	ew.printf("| ftpdiag | %s (schema %s) |\n\n", mdCell(orDash(c.Version)), mdCell(c.Schema))
	if len(c.Summary) > 0 {
		ew.printf("## Sessions\n\n| # | Client | Server | Start | Vantage | Modes | Findings |\n|---|---|---|---|---|---|---|\n")
		for _, s := range c.Summary {
			ew.printf("| %d | %s | %s | %.3fs | %s | %s | %s |\n", s.Session, mdCell(s.Client), mdCell(s.Server), s.Start, mdCell(s.Vantage), mdCell(modesCell(s)), mdCell(idsCell(s)))
		}
		ew.printf("\n")
	}
	err := c.encodeEach(c.Version, true, func(s *scratch, d *Diagnosis) ([]byte, error) {
		sw := s.text()
		sw.printf("---\n\n## %s\n\n| | |\n|---|---|\n", mdEscape(sessionHeading(d)))
		for _, kv := range sessionFacts(d) {
			sw.printf("| %s | %s |\n", kv[0], mdCell(kv[1]))
		}
		sw.printf("\n")
		if err := renderMarkdown(&s.buf, d); err != nil {
			return nil, err
		}
		sw.printf("\n")
		return s.buf.Bytes(), sw.err
	}, ew.writeErr)
	if err != nil {
		return err
	}
	return ew.err
}

// renderCaptureHTML writes one page: the summary, then each session's
// report body (the single-session page's "body" template, under a session
// heading), one session at a time as it is diagnosed: no more than one
// session is held in memory. The page's head has the single-session
// page's meta and styles (its "meta" and "style" templates).
func renderCaptureHTML(w io.Writer, c *CaptureDiagnosis) error {
	ew := &errWriter{w: w}
	ew.printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n")
	if ew.err == nil {
		ew.err = htmlTmpl.ExecuteTemplate(w, "meta", nil)
	}
	ew.printf("<title>ftpdiag capture analysis</title>\n")
	if ew.err == nil {
		ew.err = htmlTmpl.ExecuteTemplate(w, "style", nil)
	}
	ew.printf("</head>\n%s", captureHTMLSummary(c))
	err := c.encodeEach(c.Version, true, func(s *scratch, d *Diagnosis) ([]byte, error) {
		sw := s.text()
		sw.printf("%s", sessionHTMLHeading(d))
		if err := htmlTmpl.ExecuteTemplate(&s.buf, "body", d); err != nil {
			return nil, err
		}
		sw.printf("</section>\n")
		return s.buf.Bytes(), sw.err
	}, ew.writeErr)
	if err != nil {
		return err
	}
	ew.printf("</body>\n</html>\n")
	return ew.err
}

// sessionHTMLHeading opens a session's section: its heading and facts.
func sessionHTMLHeading(d *Diagnosis) string {
	var h bytes.Buffer
	h.WriteString(`<section class="session"><h1>`)
	template.HTMLEscape(&h, []byte(sessionHeading(d)))
	h.WriteString("</h1>\n<table>\n")
	for _, kv := range sessionFacts(d) {
		h.WriteString("<tr><th>")
		template.HTMLEscape(&h, []byte(kv[0]))
		h.WriteString("</th><td>")
		template.HTMLEscape(&h, []byte(cleanTerm(kv[1])))
		h.WriteString("</td></tr>\n")
	}
	h.WriteString("</table>\n")
	return h.String()
}

// captureHTMLSummary is the page's opening: the capture's facts and the
// summary table of its sessions.
func captureHTMLSummary(c *CaptureDiagnosis) string {
	var b bytes.Buffer
	b.WriteString("<body>\n<h1>ftpdiag capture analysis</h1>\n<table>\n")
	row := func(k, v string) {
		b.WriteString("<tr><th>")
		template.HTMLEscape(&b, []byte(k))
		b.WriteString("</th><td>")
		template.HTMLEscape(&b, []byte(cleanTerm(v)))
		b.WriteString("</td></tr>\n")
	}
	if len(c.Files) > 0 {
		row("Files", strings.Join(c.Files, ", "))
	}
	row("Packets", fmt.Sprintf("%d, %s, %s", c.Packets, plural(c.Conns, "TCP connection", "TCP connections"), plural(c.Len(), "FTP session", "FTP sessions")))
	if c.ReadError != "" {
		row("Damage", c.ReadError)
	}
	for _, n := range c.Notes {
		row("Note", n)
	}
	row("ftpdiag", fmt.Sprintf("%s (schema %s)", orDash(c.Version), c.Schema))
	b.WriteString("</table>\n")
	if len(c.Summary) > 0 {
		b.WriteString("<h2>Sessions</h2>\n<table>\n<tr><th>#</th><th>Client</th><th>Server</th><th>Start</th><th>Vantage</th><th>Modes</th><th>Findings</th></tr>\n")
		for _, s := range c.Summary {
			b.WriteString("<tr>")
			for _, v := range []string{fmt.Sprint(s.Session), s.Client, s.Server, fmt.Sprintf("%.3fs", s.Start), s.Vantage, modesCell(s), idsCell(s)} {
				b.WriteString("<td>")
				template.HTMLEscape(&b, []byte(cleanTerm(v)))
				b.WriteString("</td>")
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n")
	}
	return b.String()
}
