package report

import (
	"fmt"
	"io"
	"strings"
)

// renderMarkdown writes a report for GitHub, GitLab or Jira issues: tables,
// fenced code for commands, ladders and control transcripts. Server text is
// escaped in prose and table cells, and fences are made longer than any
// backtick run inside them so that hostile text cannot close them.
func renderMarkdown(w io.Writer, d *Diagnosis) error {
	ew := &errWriter{w: w}
	ew.printf("# ftpdiag report\n\n")
	ew.printf("**Verdict:** %s\n\n", mdEscape(d.Verdict))
	ew.printf("| | |\n|---|---|\n")
	if d.Target != "" {
		ew.printf("| Target | %s |\n", mdCell(d.Target))
	}
	ew.printf("| Server | %s |\n", mdCell(serverLine(d)))
	if d.Server.Banner != "" {
		ew.printf("| Banner | %s |\n", mdCell(d.Server.Banner))
	}
	ew.printf("| Capture | %s |\n", mdCell(captureLine(d)))
	for _, n := range d.Notes() {
		ew.printf("| Note | %s |\n", mdCell(n))
	}
	ew.printf("| ftpdiag | %s (schema %s) |\n\n", mdCell(orDash(d.Version)), mdCell(d.Schema))

	if len(d.Matrix) > 0 {
		ew.printf("## Data modes\n\n")
		list, retr := matrixHeads(d.Matrix)
		ew.printf("| Mode | Status | Reply | Data endpoint | Connect | %s | %s |\n", mdCell(list), mdCell(retr))
		ew.printf("|---|---|---|---|---|---|---|\n")
		for _, r := range d.Matrix {
			ew.printf("| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(r.Mode), mdStatus(r), mdCell(r.cellReply()), mdCell(r.cellEndpoint()), mdCell(r.Connect), mdCell(r.cellList()), mdCell(r.cellRetr()))
		}
		ew.printf("\n")
	}

	if o := d.Outside; o != nil {
		ew.printf("## Seen from outside\n\n")
		ew.printf("What the responder (%s) received, beside what ftpdiag sent.\n\n", mdEscape(o.Responder))
		ew.printf("| Connection | | |\n|---|---|---|\n")
		for _, c := range o.Connections {
			for i, l := range c.lines() {
				name := ""
				if i == 0 {
					name = c.name()
				}
				ew.printf("| %s | %s | %s |\n", mdCell(name), mdCell(l.label), mdCell(l.text))
			}
		}
		ew.printf("\n")
	}

	ew.printf("## Findings\n\n")
	if len(d.Findings) == 0 {
		ew.printf("None.\n\n")
	}
	for _, f := range d.Findings {
		ew.printf("### %s %s: %s\n\n", mdEscape(strings.ToUpper(string(f.Severity))), mdCode(f.ID, false), mdEscape(f.Title))
		ew.printf("%s\n\n", mdPara(f.Explanation))
		var meta []string
		if len(f.Modes) > 0 {
			meta = append(meta, "Modes: "+mdEscape(strings.Join(f.Modes, ", ")))
		}
		if f.Inferred {
			meta = append(meta, "inferred from the client's view (no capture)")
		}
		if len(meta) > 0 {
			ew.printf("_%s_\n\n", strings.Join(meta, " · "))
		}
		if len(f.Evidence) > 0 {
			ew.printf("**Evidence**\n\n")
			for _, e := range f.Evidence {
				ew.printf("- %s %s\n", mdCode(factPrefix(e), false), mdEscape(e.Text))
			}
			ew.printf("\n")
		}
		if len(f.Fixes) > 0 {
			ew.printf("**Fix**\n\n")
			for _, fx := range f.Fixes {
				ew.printf("- **%s**: %s\n", mdEscape(fx.For), mdEscape(fx.Text))
				if len(fx.Lines) > 0 {
					ew.printf("\n%s\n", indent(codeBlock(strings.Join(fx.Lines, "\n")), "  "))
				}
			}
			ew.printf("\n")
		}
	}

	if len(d.Ladders) > 0 {
		ew.printf("## Ladder diagrams\n\n")
		ew.printf("`--->` control connection, `===>` data connection, `X` no answer.\n\n")
		for _, l := range d.Ladders {
			ew.printf("### %s\n\n%s\n", mdEscape(l.Mode), codeBlock(drawLadder(l, cleanTerm)))
		}
	}
	if d.Probe != nil && len(d.Probe.Modes) > 0 {
		ew.printf("## Control transcripts\n\nPasswords are redacted.\n\n")
		for _, mr := range d.Probe.Modes {
			if len(mr.Transcript) == 0 {
				continue
			}
			ew.printf("### %s\n\n%s\n", mdEscape(string(mr.Mode)), codeBlock(transcript(mr.Transcript)))
		}
	}
	return ew.err
}

// transcript renders a control dialogue: "->" commands, "<-" replies.
func transcript(ex []ExchangeRecord) string {
	var b strings.Builder
	for _, e := range ex {
		if e.Command != "" {
			fmt.Fprintf(&b, "%8.3fs -> %s\n", e.T, cleanTerm(e.Command))
		}
		if e.Reply != nil {
			for _, l := range e.Reply.Lines {
				fmt.Fprintf(&b, "%8.3fs <- %s\n", e.T, cleanTerm(l))
			}
		}
	}
	return b.String()
}

func mdStatus(r MatrixRow) string {
	if !r.Applicable || r.Works || r.NotDue {
		return r.status()
	}
	return "**FAILS**"
}

// mdEscape escapes text for Markdown prose: HTML specials become entities
// and Markdown punctuation is backslash-escaped, so server text can neither
// inject HTML nor links, emphasis or headings; and a word GitHub would turn
// into a link or mention even escaped (URLs, www., e-mail addresses,
// @names) goes into a code span.
func mdEscape(s string) string { return mdText(s, false, false) }

// mdPara is mdEscape for text that starts a line: a leading "-", "+", "="
// or "1." cannot start a list or underline a heading either.
func mdPara(s string) string { return mdText(s, false, true) }

// mdCell escapes a table cell (mdEscape, with pipes escaped inside code
// spans too).
func mdCell(s string) string {
	if s == "" {
		return "-"
	}
	return mdText(s, true, false)
}

func mdText(s string, table, lineStart bool) string {
	s = cleanTerm(s)
	var b strings.Builder
	for i, w := range strings.SplitAfter(s, " ") {
		word := strings.TrimRight(w, " ")
		switch {
		case word != "" && mdAutolink(word):
			b.WriteString(mdCode(word, table))
			b.WriteString(w[len(word):])
		case i == 0 && lineStart:
			mdLineStart(&b, w)
		default:
			mdPunct(&b, w)
		}
	}
	return b.String()
}

// mdLineStart writes the first word, escaping what would open a block
// (list item, setext underline, ordered list) at the start of a line.
func mdLineStart(b *strings.Builder, w string) {
	k := 0
	for k < len(w) && w[k] >= '0' && w[k] <= '9' {
		k++
	}
	switch {
	case k > 0 && k < len(w) && w[k] == '.': // ")" is escaped by mdPunct
		b.WriteString(w[:k])
		b.WriteByte('\\')
		w = w[k:]
	case w != "" && strings.ContainsRune("-+=", rune(w[0])):
		b.WriteByte('\\')
	}
	mdPunct(b, w)
}

// mdPunct writes w with HTML specials as entities and Markdown
// punctuation backslash-escaped.
func mdPunct(b *strings.Builder, w string) {
	for _, r := range w {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '(', ')', '#', '!', '|', '~', '{', '}':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
}

// codeBlock fences text with a fence longer than any backtick run in it.
func codeBlock(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	n, run := 3, 0
	for _, r := range s {
		if r == '`' {
			run++
			if run >= n {
				n = run + 1
			}
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", n)
	return fence + "\n" + strings.TrimRight(s, "\n") + "\n" + fence + "\n"
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pre + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}
