package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The checks below say whether a rendered report is safe to show: no
// character that acts on a terminal or reorders text, no markup or link
// that came from the data. They are shared by the hostile-report tests and
// FuzzRender.

// hostileText is in every string of a hostile diagnosis: escapes, C0, C1
// and bidi controls, HTML, Markdown links and emphasis, autolinkable words,
// code fences and table pipes.
const hostileText = "\x1b[31mred\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 \u009b2J \u0085 \u202egnp.exe \u2066x\u2069 \x00\x07\x7f\r\n\t " +
	`<script>alert(1)</script> <img src=x onerror=alert(1)> " onclick="x ' [a](http://evil.example) ![i](http://evil.example/i.png) ` +
	"https://evil.example www.evil.example bob@evil.example @admin `code` ``` | *em* _u_ # - 1. > \\"

// hostileDiagnosis is a real diagnosis with hostileText added to every
// string, the fields ftpdiag fills itself included (ids, severities,
// modes, fix audiences, addresses), and to every list of strings.
func hostileDiagnosis() *Diagnosis {
	pf := scenarioPassiveFiltered()
	d := Diagnose(pf, evidencePassiveFiltered(pf))
	d.Findings = append(d.Findings, Finding{ID: "x", Modes: []string{"EPSV"}, Evidence: []Fact{{Text: "x"}}, Fixes: []Fix{{For: "x", Text: "x", Lines: []string{"x"}}}})
	d.Probe.Notes = append(d.Probe.Notes, "x")
	d.Session = &SessionInfo{Controls: []string{"x"}, Matches: map[string]int{"x": 1}}
	spoilStrings(reflect.ValueOf(d).Elem())
	return d
}

// spoilStrings appends hostileText to every exported string reachable
// from v.
func spoilStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			spoilStrings(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				spoilStrings(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			spoilStrings(v.Index(i))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + hostileText)
		}
	}
}

// unsafeRune reports a character that must not reach a display: C0
// controls other than newline, DEL, C1 controls, format characters (bidi
// overrides and isolates, zero-width), and line/paragraph separators.
func unsafeRune(r rune) bool {
	return (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
		unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

func checkRunes(out []byte) error {
	for i, r := range string(out) {
		if unsafeRune(r) {
			return fmt.Errorf("unsafe character %U at byte %d: %q", r, i, around(out, i))
		}
	}
	return nil
}

func around(b []byte, i int) string {
	lo, hi := max(0, i-40), min(len(b), i+40)
	return string(b[lo:hi])
}

// checkTextOut: plain characters only.
func checkTextOut(out []byte) error { return checkRunes(out) }

// checkJSON: valid JSON, no raw unsafe character (encoding/json escapes C0;
// jsonSafe the rest), and it decodes to exactly the diagnosis rendered.
func checkJSON(out []byte, d *Diagnosis) error {
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRune(out[i:])
		if r != '\n' && unsafeRune(r) {
			return fmt.Errorf("raw %U in JSON at byte %d", r, i)
		}
		i += n
	}
	var back Diagnosis
	if err := json.Unmarshal(out, &back); err != nil {
		return fmt.Errorf("JSON does not decode: %v", err)
	}
	want, _ := json.Marshal(d)
	got, _ := json.Marshal(&back)
	if !bytes.Equal(want, got) {
		return fmt.Errorf("JSON does not decode to the diagnosis rendered")
	}
	return nil
}

// htmlTags are the only elements the HTML renderers write.
var htmlTags = map[string]bool{}

func init() {
	for _, t := range strings.Fields("!DOCTYPE html head meta title style body h1 h2 h3 p table tr th td strong code div span ul li pre svg rect text line path section") {
		htmlTags[strings.ToLower(t)] = true
	}
}

var (
	tagRE   = regexp.MustCompile(`<(/?)([^\s>/]*)`)
	eventRE = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	// quotedRE is a quoted attribute value: what the data may put there
	// stays inside while its quotes are escaped.
	quotedRE = regexp.MustCompile(`"[^"]*"`)
)

// checkHTML: only the renderer's own elements, no event handler attribute,
// no javascript: URL, no unsafe character.
func checkHTML(out []byte) error {
	if err := checkRunes(out); err != nil {
		return err
	}
	for _, m := range tagRE.FindAllSubmatchIndex(out, -1) {
		name := strings.ToLower(string(out[m[4]:m[5]]))
		if !htmlTags[name] {
			return fmt.Errorf("element <%s> not written by the template: %q", name, around(out, m[0]))
		}
		end := bytes.IndexByte(out[m[0]:], '>')
		if end < 0 {
			return fmt.Errorf("unclosed tag: %q", around(out, m[0]))
		}
		if eventRE.Match(quotedRE.ReplaceAll(out[m[0]:m[0]+end], nil)) {
			return fmt.Errorf("event handler attribute: %q", around(out, m[0]))
		}
	}
	if i := bytes.Index(bytes.ToLower(out), []byte("javascript:")); i >= 0 {
		return fmt.Errorf("javascript: URL: %q", around(out, i))
	}
	return nil
}

// checkMarkdown: outside code spans and fenced blocks, no raw HTML, no
// autolinkable word, no link or image syntax; no unsafe character anywhere.
func checkMarkdown(out []byte) error {
	if err := checkRunes(out); err != nil {
		return err
	}
	fence := ""
	for n, line := range strings.Split(string(out), "\n") {
		t := strings.TrimLeft(line, " ")
		if fence != "" {
			if strings.TrimRight(t, " ") == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") {
			fence = strings.TrimRight(t, " ")
			continue
		}
		prose := stripCodeSpans(line)
		low := strings.ToLower(prose)
		for _, bad := range []string{"<", "://", "www.", "@", "](", "]["} {
			if strings.Contains(low, bad) {
				return fmt.Errorf("line %d: %q outside code: %q", n+1, bad, line)
			}
		}
		if strings.HasPrefix(strings.TrimLeft(prose, " "), ">") {
			return fmt.Errorf("line %d: a block quote: %q", n+1, line)
		}
	}
	if fence != "" {
		return fmt.Errorf("fence %q never closed", fence)
	}
	return nil
}

// stripCodeSpans removes backslash escapes and inline code spans (a run of
// n backticks up to the next run of exactly n) from a line.
func stripCodeSpans(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); {
		c := line[i]
		if c == '\\' && i+1 < len(line) {
			i += 2
			continue
		}
		if c != '`' {
			b.WriteByte(c)
			i++
			continue
		}
		n := 0
		for i+n < len(line) && line[i+n] == '`' {
			n++
		}
		if end := closingRun(line, i+n, n); end >= 0 {
			i = end + n
			continue
		}
		b.WriteString(line[i : i+n])
		i += n
	}
	return b.String()
}

func closingRun(line string, from, n int) int {
	for j := from; j < len(line); {
		if line[j] != '`' {
			j++
			continue
		}
		k := 0
		for j+k < len(line) && line[j+k] == '`' {
			k++
		}
		if k == n {
			return j
		}
		j += k
	}
	return -1
}

// checkRendered runs the check of format f.
func checkRendered(f Format, out []byte, d *Diagnosis) error {
	switch f {
	case FormatText:
		return checkTextOut(out)
	case FormatMarkdown:
		return checkMarkdown(out)
	case FormatHTML:
		return checkHTML(out)
	case FormatJSON:
		return checkJSON(out, d)
	case FormatJSONL:
		if bytes.Count(out, []byte("\n")) != 1 || !bytes.HasSuffix(out, []byte("\n")) {
			return fmt.Errorf("a probe report in JSON Lines is not exactly one line")
		}
		return checkJSON(out, d)
	}
	return fmt.Errorf("unknown format %s", f)
}
