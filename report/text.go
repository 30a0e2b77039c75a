package report

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/fatih/color"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twcache"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// textWidth is the width explanations are wrapped to.
const textWidth = 78

// renderText writes the terminal report. Every string that could come from
// the server goes through cleanTerm.
func renderText(w io.Writer, d *Diagnosis, opt RenderOptions) error {
	ew := &errWriter{w: w}
	paint := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if opt.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	bold := paint(color.Bold)
	sev := map[Severity]*color.Color{
		SeverityError:   paint(color.FgRed, color.Bold),
		SeverityWarning: paint(color.FgYellow, color.Bold),
		SeverityInfo:    paint(color.FgCyan),
	}
	dim := paint(color.Faint)

	ew.printf("%s %s\n", bold.Sprint("ftpdiag"), cleanTerm(orDash(d.Version)))
	if d.Target != "" {
		ew.printf("Target:  %s\n", cleanTerm(d.Target))
	}
	ew.printf("Server:  %s\n", cleanTerm(serverLine(d)))
	if d.Server.Banner != "" {
		ew.printf("Banner:  %s\n", cleanTerm(d.Server.Banner))
	}
	ew.printf("Capture: %s\n", cleanTerm(captureLine(d)))
	for _, n := range d.Notes() {
		ew.printf("Note:    %s\n", cleanTerm(n))
	}
	ew.printf("\n")

	vc := paint(color.FgGreen, color.Bold)
	if d.ExitCode() != 0 {
		vc = sev[SeverityError]
	}
	ew.printf("%s\n", bold.Sprint("VERDICT"))
	for _, l := range wrap(cleanTerm(d.Verdict), textWidth) {
		ew.printf("  %s\n", vc.Sprint(l))
	}
	ew.printf("\n")

	if len(d.Matrix) > 0 {
		ew.printf("%s\n", bold.Sprint("DATA MODES"))
		if ew.err == nil {
			ew.err = textTable(w, d.Matrix)
		}
		ew.printf("\n")
	}

	if o := d.Outside; o != nil {
		ew.printf("%s\n", bold.Sprint("SEEN FROM OUTSIDE"))
		ew.printf("  %s\n", dim.Sprint("what the responder ("+cleanTerm(o.Responder)+") received, beside what ftpdiag sent"))
		for _, c := range o.Connections {
			ew.printf("  %s\n", bold.Sprint(c.name()))
			for _, l := range c.lines() {
				ew.printf("    %-8s %s\n", l.label, cleanTerm(l.text))
			}
		}
		ew.printf("\n")
	}

	ew.printf("%s\n", bold.Sprint("FINDINGS"))
	if len(d.Findings) == 0 {
		ew.printf("  none\n")
	}
	for _, f := range d.Findings {
		tag := strings.ToUpper(string(f.Severity))
		sc, ok := sev[f.Severity]
		if !ok { // not a severity (a report read back from a file): uncoloured
			sc = paint()
		}
		ew.printf("%s %s", sc.Sprintf("%-7s", tag), bold.Sprint(f.ID))
		if len(f.Modes) > 0 {
			ew.printf("  [%s]", strings.Join(f.Modes, " "))
		}
		if f.Inferred {
			ew.printf("  %s", dim.Sprint("(inferred)"))
		}
		ew.printf("\n")
		for _, l := range wrap(cleanTerm(f.Title), textWidth-8) {
			ew.printf("        %s\n", bold.Sprint(l))
		}
		for _, l := range wrap(cleanTerm(f.Explanation), textWidth-8) {
			ew.printf("        %s\n", l)
		}
		if len(f.Evidence) > 0 {
			ew.printf("        Evidence:\n")
			for _, e := range f.Evidence {
				ew.printf("          %s  %s\n", dim.Sprintf("%-12s", factPrefix(e)), cleanTerm(e.Text))
			}
		}
		if len(f.Fixes) > 0 {
			ew.printf("        Fix:\n")
			for _, fx := range f.Fixes {
				for i, l := range wrap(cleanTerm(fx.Text), textWidth-28) {
					if i == 0 {
						ew.printf("          %-18s %s\n", "["+fx.For+"]", l)
					} else {
						ew.printf("          %-18s %s\n", "", l)
					}
				}
				for _, l := range fx.Lines {
					ew.printf("              %s\n", bold.Sprint(cleanTerm(l)))
				}
			}
		}
		ew.printf("\n")
	}

	if len(d.Ladders) > 0 {
		ew.printf("%s\n", bold.Sprint("LADDERS"))
		ew.printf("  %s\n\n", dim.Sprint("---> control connection   ===> data connection   X: no answer"))
		for _, l := range d.Ladders {
			ew.printf("  %s\n", bold.Sprint(l.Mode))
			ew.printf("%s\n", drawLadder(l, cleanTerm))
		}
	}
	return ew.err
}

// matrixTables are the mode-matrix tables, reused: tablewriter.NewTable
// makes a 10,240-entry cache (for stringers, which these tables do not
// use) every time, and on a capture of thousands of sessions that was a
// third of the text report's time. A table from the pool is Reset, and
// its cache is a one-entry one.
var matrixTables = sync.Pool{New: newMatrixTable}

// matrixTable is a pooled table and the writer it writes through.
type matrixTable struct {
	t  *tablewriter.Table
	to *redirect
}

// redirect writes to w, which changes from one use of a table to the next.
type redirect struct{ w io.Writer }

func (r *redirect) Write(p []byte) (int, error) { return r.w.Write(p) }

func newMatrixTable() any {
	to := &redirect{}
	return &matrixTable{to: to, t: tablewriter.NewTable(to,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithRowMaxWidth(40),
		tablewriter.WithStringerCacheCustom(twcache.NewLRU[reflect.Type, reflect.Value](1)),
	)}
}

// textTable writes the mode matrix as an ASCII table.
func textTable(w io.Writer, rows []MatrixRow) error {
	mt := matrixTables.Get().(*matrixTable)
	defer func() {
		mt.to.w = nil
		matrixTables.Put(mt)
	}()
	mt.t.Reset()
	mt.to.w = w
	t := mt.t
	list, retr := matrixHeads(rows)
	t.Header("MODE", "STATUS", "REPLY", "DATA ENDPOINT", "CONNECT", list, retr)
	for _, r := range rows {
		if err := t.Append(cutCell(r.Mode), r.status(), cutCell(r.cellReply()), cutCell(r.cellEndpoint()), cutCell(r.Connect), cutCell(r.cellList()), cutCell(r.cellRetr())); err != nil {
			return err
		}
	}
	return t.Render()
}

// errWriter keeps the first write error so the renderer reads straight.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

// writeErr writes b and returns the first error so far.
func (e *errWriter) writeErr(b []byte) error {
	e.write(b)
	return e.err
}

// write writes each of bs in turn.
func (e *errWriter) write(bs ...[]byte) {
	for _, b := range bs {
		if e.err == nil {
			_, e.err = e.w.Write(b)
		}
	}
}
