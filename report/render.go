package report

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// Format is an output format for Render.
type Format string

// The formats.
const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
	FormatHTML     Format = "html"
	// FormatJSONL is JSON Lines, for log stacks and cron: a probe report
	// is one line; an analyze report is its envelope on the first line
	// (without sessions), then one line per session (jsonl.go).
	FormatJSONL Format = "jsonl"
)

// Formats lists the valid formats, in the order help texts show them.
var Formats = []Format{FormatText, FormatMarkdown, FormatJSON, FormatJSONL, FormatHTML}

// ParseFormat parses a --format value ("md" is accepted for markdown); an
// unknown value is an error naming the valid ones.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "text", "txt":
		return FormatText, nil
	case "markdown", "md":
		return FormatMarkdown, nil
	case "json":
		return FormatJSON, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	case "html":
		return FormatHTML, nil
	}
	return "", fmt.Errorf("unknown format %q: want text, markdown, json, jsonl or html", s)
}

// RenderOptions tune Render. Color applies to text only and should be set
// only for a terminal that wants it (the caller decides: TTY, NO_COLOR,
// --no-color). Version is the tool version written into the report.
type RenderOptions struct {
	Color   bool
	Version string
}

// Render writes d in format f to w.
func Render(w io.Writer, d *Diagnosis, f Format, opt RenderOptions) error {
	if d == nil {
		return fmt.Errorf("render: no diagnosis")
	}
	dd := *d
	if opt.Version != "" {
		dd.Version = opt.Version
	}
	// JSON is the diagnosis as it is; the others render a cleaned copy
	// (sanitize.go) and escape it for their format.
	switch f {
	case FormatText:
		return renderText(w, cleanCopy(&dd), opt)
	case FormatMarkdown:
		return renderMarkdown(w, cleanCopy(&dd))
	case FormatJSON:
		return renderJSON(w, &dd)
	case FormatJSONL:
		return renderJSONLine(w, &dd)
	case FormatHTML:
		return renderHTML(w, cleanCopy(&dd))
	}
	_, err := ParseFormat(string(f))
	return err
}

// ansiRE matches ANSI/VT escape sequences: CSI (ESC [ or 0x9b), OSC (ESC ]
// ... BEL or ST), and two-character escapes.
var ansiRE = regexp.MustCompile("(\x1b\\[|\u009b)[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(\x07|\x1b\\\\)?|\x1b[@-Z\\\\-_]")

// cleanTerm makes server-controlled text safe for a terminal: escape
// sequences are removed, other control and format characters (including
// bidirectional overrides) become '?', and line breaks and tabs a space.
func cleanTerm(s string) string {
	if printableASCII(s) {
		return s // most of a report: nothing to remove or replace
	}
	if strings.IndexByte(s, 0x1b) >= 0 || strings.Contains(s, "\u009b") {
		s = ansiRE.ReplaceAllString(s, "") // every sequence starts so
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r == unicode.ReplacementChar:
			return '?'
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return '?'
		}
		return r
	}, s)
}

// printableASCII reports whether s holds only printable ASCII (space to
// '~'), which cleanTerm leaves as it is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// wrap breaks text into lines of at most width runes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		wl := len([]rune(w))
		if n > 0 && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(w)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// factPrefix is "1.234s #12" for a fact.
func factPrefix(f Fact) string {
	s := fmt.Sprintf("%.3fs", f.T)
	if f.Packet > 0 {
		s += fmt.Sprintf(" #%d", f.Packet)
	}
	return s
}

func serverLine(d *Diagnosis) string {
	s := softwareNames[d.Server.Software]
	if s == "" {
		s = d.Server.Software
	}
	if d.Server.Version != "" {
		s += " " + d.Server.Version
	}
	return s
}

func captureLine(d *Diagnosis) string {
	c := d.Capture
	if !c.Available {
		s := "unavailable (" + orDash(c.Reason) + ")"
		if c.Remedy != "" {
			s += "; to enable: " + c.Remedy
		}
		return s
	}
	s := fmt.Sprintf("%d packets", c.Packets)
	if d.Session != nil {
		// A session of a capture file: the file's own count is in the
		// report's header.
		s += " on this session's connections"
	}
	if c.PcapFile != "" {
		s += ", saved to " + c.PcapFile
	}
	return s
}
