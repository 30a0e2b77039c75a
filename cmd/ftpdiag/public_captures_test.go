package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The public captures (testdata/public/README.md): real FTP traffic that
// other people captured, with clients, servers and taps this project did
// not choose. Each has the verdict a careful engineer gives in
// testdata/public/manifest.tsv, and two golden files: the JSON view
// (verdict and findings, as the client captures') and the whole text
// report (ladders and matrix with their times).

var publicDir = filepath.Join("..", "..", "testdata", "public")

// publicCapture is one line of testdata/public/manifest.tsv.
type publicCapture struct {
	File string
	// Password is the one the capture's client sends in clear text
	// ("" when none is in clear text): analyze must never show it.
	Password     string
	Errors, Also []string
}

func readPublicManifest(t *testing.T) []publicCapture {
	t.Helper()
	var out []publicCapture
	readManifest(t, filepath.Join(publicDir, "manifest.tsv"), func(line string) error {
		fs := strings.Split(line, "\t")
		if len(fs) != 4 {
			return fmt.Errorf("%d fields, want 4: %q", len(fs), line)
		}
		out = append(out, publicCapture{File: fs[0], Password: strings.TrimPrefix(fs[1], "-"), Errors: manifestIDs(fs[2]), Also: manifestIDs(fs[3])})
		return nil
	})
	return out
}

// TestPublicCaptures analyzes each public capture: the engineer's verdict
// exactly (errors) and at least (the others), the golden JSON view and
// text report, and the client's password nowhere in the output.
func TestPublicCaptures(t *testing.T) {
	for _, c := range readPublicManifest(t) {
		name := strings.TrimSuffix(c.File, filepath.Ext(c.File))
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(publicDir, c.File))
			if err != nil {
				t.Fatal(err)
			}
			if c.Password != "" && !strings.Contains(string(raw), "PASS "+c.Password+"\r\n") {
				t.Fatalf("%s holds no PASS %s: the check that analyze never shows it would prove nothing", c.File, c.Password)
			}
			g := analyzeGolden(t, raw)
			checkGolden(t, publicDir, name, g)
			if p := verdictProblem(g, c.Errors, c.Also); p != "" {
				t.Errorf("analyze's verdict is wrong: %s; analyze says:%s", p, g.describe())
			}
			_, text, _ := analyzeCLI(t, raw, "analyze", "--no-color", "-")
			if c.Password != "" && strings.Contains(text, c.Password) {
				t.Errorf("the text report shows the client's password %q", c.Password)
			}
			checkGoldenFile(t, filepath.Join(publicDir, "golden", name+".txt"), []byte(text))
		})
	}
}
