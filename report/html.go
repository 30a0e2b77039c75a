package report

import (
	"html/template"
	"io"
	"strings"
)

// Geometry of the SVG ladder, in pixels.
const (
	svgWidth  = 820
	svgLeft   = 150 // x of the client's line
	svgRight  = 780 // x of the server's line
	svgTop    = 48  // y of the first event
	svgRow    = 26  // vertical distance between events
	svgMaxLab = 80  // label runes before truncation
)

type svgArrow struct {
	Y, X1, X2, LabelX, Head1, Head2 int
	TimeY, LabelY                   int
	T                               string
	Label                           string
	Data, Lost                      bool
	Left                            bool // points to the client
}

type svgLadder struct {
	Mode           string
	Client, Server string
	Width, Height  int
	Left, Right    int
	Arrows         []svgArrow
}

// svgOf lays out a ladder for the template; text is escaped by html/template.
func svgOf(l Ladder) svgLadder {
	s := svgLadder{Mode: l.Mode, Client: cleanTerm(l.Client), Server: cleanTerm(l.Server), Width: svgWidth, Left: svgLeft, Right: svgRight}
	s.Height = svgTop + svgRow*len(l.Events) + 10
	for i, e := range l.Events {
		y := svgTop + svgRow*i + 12
		a := svgArrow{Y: y, TimeY: y + 4, LabelY: y - 4, T: factPrefix(Fact{T: e.T}), Data: e.Conn == "data", Lost: e.Lost, LabelX: (svgLeft + svgRight) / 2}
		lab := []rune(cleanTerm(e.Label))
		if len(lab) > svgMaxLab {
			lab = append(lab[:svgMaxLab-3], '.', '.', '.')
		}
		a.Label = string(lab)
		if e.From == "client" {
			a.X1, a.X2 = svgLeft, svgRight
		} else {
			a.X1, a.X2, a.Left = svgRight, svgLeft, true
		}
		if e.Lost {
			a.X2 = a.X1 + (a.X2-a.X1)*2/3
		}
		// Arrowhead: two short strokes back from X2.
		if a.Left {
			a.Head1, a.Head2 = a.X2+8, a.X2+8
		} else {
			a.Head1, a.Head2 = a.X2-8, a.X2-8
		}
		s.Arrows = append(s.Arrows, a)
	}
	return s
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"upper":       func(s Severity) string { return strings.ToUpper(string(s)) },
	"fact":        factPrefix,
	"svg":         svgOf,
	"clean":       cleanTerm,
	"outsideName": OutsideConnRecord.name,
	"outsideLines": func(c OutsideConnRecord) [][2]string {
		var out [][2]string
		for _, l := range c.lines() {
			out = append(out, [2]string{l.label, l.text})
		}
		return out
	},
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"sub":  func(a, b int) int { return a - b },
	"transcript": func(d *Diagnosis) []modeTranscript {
		var out []modeTranscript
		if d.Probe == nil {
			return nil
		}
		for _, mr := range d.Probe.Modes {
			if len(mr.Transcript) > 0 {
				out = append(out, modeTranscript{string(mr.Mode), transcript(mr.Transcript)})
			}
		}
		return out
	},
	"server":    serverLine,
	"status":    MatrixRow.status,
	"cellReply": MatrixRow.cellReply,
	"cellEP":    MatrixRow.cellEndpoint,
	"cellList":  MatrixRow.cellList,
	"cellRetr":  MatrixRow.cellRetr,
	"heads": func(rows []MatrixRow) []string {
		list, retr := matrixHeads(rows)
		return []string{list, retr}
	},
	"capture": captureLine,
}).Parse(htmlSource))

type modeTranscript struct{ Mode, Text string }

// renderHTML writes one self-contained page: inline CSS, ladders as inline
// SVG, no scripts and no external assets. html/template escapes every
// string, server text included.
func renderHTML(w io.Writer, d *Diagnosis) error {
	return htmlTmpl.Execute(w, d)
}

// htmlSource is the page: its parts are named templates ("meta", "style",
// "body") so that the capture page (capture_render.go) assembles its own
// page from them instead of cutting rendered HTML apart.
const htmlSource = `{{define "meta"}}<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{end}}{{define "style"}}<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#fff;margin:0 auto;max-width:1000px;padding:24px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d8dde6;padding-bottom:4px}h3{font-size:16px;margin:18px 0 6px}
.verdict{font-size:17px;padding:12px 16px;border-radius:6px;border-left:6px solid #2e7d32;background:#edf7ee}
.verdict.bad{border-color:#c62828;background:#fdecec}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d8dde6;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}th{background:#f3f5f9}
td.works{color:#2e7d32;font-weight:600}td.fails{color:#c62828;font-weight:700}
.finding{border:1px solid #d8dde6;border-radius:6px;padding:10px 14px;margin:12px 0}
.sev{display:inline-block;font-size:12px;font-weight:700;padding:1px 8px;border-radius:10px;color:#fff;margin-right:6px}
.sev-error{background:#c62828}.sev-warning{background:#b26a00}.sev-info{background:#1565c0}
.meta{color:#5b6575;font-size:13px}code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:13px}
pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:8px;overflow-x:auto;white-space:pre}
ul{margin:4px 0 8px 0;padding-left:22px}
svg text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
</style>
{{end}}{{define "body"}}<p class="verdict{{if .ExitCode}} bad{{end}}"><strong>Verdict:</strong> {{.Verdict}}</p>
<table>
{{if .Target}}<tr><th>Target</th><td>{{.Target}}</td></tr>{{end}}
<tr><th>Server</th><td>{{server .}}</td></tr>
{{if .Server.Banner}}<tr><th>Banner</th><td><code>{{clean .Server.Banner}}</code></td></tr>{{end}}
<tr><th>Capture</th><td>{{capture .}}</td></tr>{{range .Notes}}
<tr><th>Note</th><td>{{.}}</td></tr>{{end}}
<tr><th>ftpdiag</th><td>{{or .Version "-"}} (schema {{.Schema}})</td></tr>
</table>
{{if .Matrix}}
<h2>Data modes</h2>
<table>
{{$heads := heads .Matrix}}<tr><th>Mode</th><th>Status</th><th>Reply</th><th>Data endpoint</th><th>Connect</th><th>{{index $heads 0}}</th><th>{{index $heads 1}}</th></tr>
{{range .Matrix}}<tr><td>{{.Mode}}</td><td class="{{if not .Applicable}}na{{else if .Works}}works{{else if .NotDue}}na{{else}}fails{{end}}">{{status .}}</td><td><code>{{clean (cellReply .)}}</code></td><td>{{clean (cellEP .)}}</td><td>{{.Connect}}</td><td>{{cellList .}}</td><td>{{cellRetr .}}</td></tr>
{{end}}</table>
{{end}}
{{with .Outside}}
<h2>Seen from outside</h2>
<p class="meta">What the responder ({{clean .Responder}}) received, beside what ftpdiag sent.</p>
<table>
{{range .Connections}}{{$name := outsideName .}}{{range $i, $l := outsideLines .}}<tr><th>{{if eq $i 0}}{{$name}}{{end}}</th><td>{{index $l 0}}</td><td><code>{{clean (index $l 1)}}</code></td></tr>
{{end}}{{end}}</table>
{{end}}<h2>Findings</h2>
{{if not .Findings}}<p>None.</p>{{end}}
{{range .Findings}}<div class="finding" id="{{.ID}}">
<h3><span class="sev sev-{{.Severity}}">{{upper .Severity}}</span><code>{{.ID}}</code> {{clean .Title}}</h3>
<p>{{clean .Explanation}}</p>
<p class="meta">{{if .Modes}}Modes: {{join .Modes ", "}}{{end}}{{if .Inferred}} · inferred from the client's view (no capture){{end}}</p>
{{if .Evidence}}<strong>Evidence</strong>
<ul>{{range .Evidence}}<li><code>{{fact .}}</code> {{clean .Text}}</li>{{end}}</ul>{{end}}
{{if .Fixes}}<strong>Fix</strong>
<ul>{{range .Fixes}}<li><strong>{{.For}}</strong>: {{clean .Text}}{{if .Lines}}<pre>{{range .Lines}}{{clean .}}
{{end}}</pre>{{end}}</li>{{end}}</ul>{{end}}
</div>
{{end}}
{{if .Ladders}}
<h2>Ladder diagrams</h2>
<p class="meta">Solid: control connection. Dashed: data connection. A red X marks a packet that got no answer.</p>
{{range .Ladders}}{{with svg .}}
<h3>{{.Mode}}</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="{{.Mode}} ladder diagram">
<rect x="0" y="0" width="{{.Width}}" height="{{.Height}}" fill="#ffffff"/>
<text x="{{.Left}}" y="16" text-anchor="middle" font-weight="bold">client {{.Client}}</text>
<text x="{{.Right}}" y="16" text-anchor="end" font-weight="bold">server {{.Server}}</text>
<line x1="{{.Left}}" y1="26" x2="{{.Left}}" y2="{{.Height}}" stroke="#1d2430" stroke-width="2"/>
<line x1="{{.Right}}" y1="26" x2="{{.Right}}" y2="{{.Height}}" stroke="#1d2430" stroke-width="2"/>
{{range .Arrows}}<text x="4" y="{{.TimeY}}" fill="#5b6575">{{.T}}</text>
<line x1="{{.X1}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y}}" stroke="{{if .Lost}}#c62828{{else if .Data}}#1565c0{{else}}#1d2430{{end}}" stroke-width="1.5"{{if .Data}} stroke-dasharray="6 3"{{end}}/>
{{if .Lost}}<path d="M{{sub .X2 6}} {{sub .Y 6}} L{{add .X2 6}} {{add .Y 6}} M{{add .X2 6}} {{sub .Y 6}} L{{sub .X2 6}} {{add .Y 6}}" stroke="#c62828" stroke-width="2.5"/>{{else}}<path d="M{{.Head1}} {{sub .Y 5}} L{{.X2}} {{.Y}} L{{.Head2}} {{add .Y 5}}" fill="none" stroke="{{if .Data}}#1565c0{{else}}#1d2430{{end}}" stroke-width="1.5"/>{{end}}
<text x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="middle" fill="{{if .Lost}}#c62828{{else}}#1d2430{{end}}">{{.Label}}</text>
{{end}}</svg>
{{end}}{{end}}
{{end}}
{{with transcript .}}<h2>Control transcripts</h2>
<p class="meta">Passwords are redacted.</p>
{{range .}}<h3>{{.Mode}}</h3>
<pre>{{.Text}}</pre>
{{end}}{{end}}
{{end}}<!DOCTYPE html>
<html lang="en">
<head>
{{template "meta"}}<title>ftpdiag report{{if .Target}}: {{.Target}}{{end}}</title>
{{template "style"}}</head>
<body>
<h1>ftpdiag report</h1>
{{template "body" .}}</body>
</html>
`
