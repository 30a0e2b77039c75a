package ftp

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateWordings = flag.Bool("update-wordings", false, "rewrite the server-wordings table in docs/findings.md")

// findingsDoc is the catalogue that carries the wording table.
const findingsDoc = "../docs/findings.md"

// Markers around the generated table in findingsDoc.
const (
	wordingsBegin = "<!-- server-wordings: generated from ftp/wording.go by `go test ./ftp -run WordingsDoc -update-wordings` -->\n"
	wordingsEnd   = "<!-- end server-wordings -->\n"
)

// wordingsTable renders the wording rows as a Markdown table.
func wordingsTable() string {
	var b strings.Builder
	b.WriteString("| Server (configuration) | Commands | Reply | Meaning |\n|---|---|---|---|\n")
	for _, w := range wordings {
		fmt.Fprintf(&b, "| %s | %s | `%s` | `%s` |\n", cell(w.server), cell(verbsOf(w)), cell(w.reply), w.meaning)
	}
	return b.String()
}

// verbsOf names the commands a row applies to.
func verbsOf(w wording) string {
	names := make([]string, 0, len(w.verbs))
	for _, v := range w.verbs {
		if v == Greeting {
			v = "greeting"
		}
		names = append(names, v)
	}
	s := strings.Join(names, ", ")
	if s == "" {
		s = "any"
	}
	if len(w.except) > 0 {
		s += " but " + strings.Join(w.except, ", ")
	}
	return s
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// TestWordingsDoc: the table in docs/findings.md is the wording table, so
// the catalogue cannot drift from what Interpret decides.
func TestWordingsDoc(t *testing.T) {
	data, err := os.ReadFile(findingsDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, wordingsBegin), strings.Index(doc, wordingsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: markers %q ... %q not found", findingsDoc, wordingsBegin, wordingsEnd)
	}
	want := wordingsTable()
	got := doc[i+len(wordingsBegin) : j]
	if got == want {
		return
	}
	if !*updateWordings {
		t.Fatalf("%s: server-wordings table differs from ftp/wording.go; run go test ./ftp -run WordingsDoc -update-wordings", findingsDoc)
	}
	doc = doc[:i+len(wordingsBegin)] + want + doc[j:]
	if err := os.WriteFile(findingsDoc, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}
