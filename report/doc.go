// Package report turns what the probe did (probe.Result) and what the wire
// showed (capture.Evidence) into a diagnosis an administrator can act on,
// and renders it for a terminal, a ticket (Markdown), a program (JSON) or a
// browser (one self-contained HTML file).
//
// Diagnose is a pure function: no I/O, no printing, and the same inputs
// always give the same Diagnosis. It runs a fixed list of small rules, one
// family per file (control.go, tls.go, passive.go, active.go, transfer.go),
// each returning Findings with stable kebab-case ids (documented in
// docs/findings.md), then a fallback so that no failing mode goes
// unexplained, then the verdict, the mode matrix and the ladder diagrams.
//
// Render writes a Diagnosis in one Format. Everything the server controls
// (banner, replies, file names) is treated as hostile: escaped in Markdown
// and HTML, stripped of control characters and ANSI escapes for terminals.
package report
