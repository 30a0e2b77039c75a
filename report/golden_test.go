package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenScenario is a fixed diagnosis input named for what it shows.
type goldenScenario struct {
	name string
	r    *probe.Result
	ev   *capture.Evidence
}

func goldenScenarios() []goldenScenario {
	pf := scenarioPassiveFiltered()
	return []goldenScenario{
		{"healthy", scenarioHealthy(), nil},
		{"passive-filtered", pf, evidencePassiveFiltered(pf)},
		{"nat-private", scenarioNATPrivate(), &capture.Evidence{Reason: "no permission to capture", Remedy: "sudo setcap cap_net_raw,cap_net_admin+ep ./ftpdiag"}},
		{"active-rejected", scenarioActiveRejected(), nil},
		{"login-failed", scenarioLoginFailed(), nil},
		{"hostile-banner", hostileBanner(), nil},
	}
}

// hostileBanner has a banner and replies that try to drive a terminal and
// inject markup.
func hostileBanner() *probe.Result {
	r := scenarioHealthy()
	evil := "evil \x1b[2J\x1b]0;pwned\x07<script>alert(1)</script> | ``` *x* \u202e"
	r.Server.Banner = evil
	r.Modes[0].Transcript[0].Reply = rep(220, "220 "+evil)
	r.Modes[1].ListData.Setup.Reply = rep(227, "227 "+evil+" (203,0,113,10,156,74)")
	return r
}

var exts = map[Format]string{FormatText: "txt", FormatMarkdown: "md", FormatJSON: "json", FormatJSONL: "jsonl", FormatHTML: "html"}

func TestGolden(t *testing.T) {
	for _, sc := range goldenScenarios() {
		d := Diagnose(sc.r, sc.ev)
		for _, f := range Formats {
			t.Run(sc.name+"/"+string(f), func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, d, f, RenderOptions{Version: "test"}); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "golden", sc.name+"."+exts[f])
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./report -update)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s differs from the golden file; run go test ./report -run TestGolden -update and review the diff", path)
				}
			})
		}
	}
}

// TestHostileText: server text must not reach a terminal as escapes, nor
// HTML/Markdown as markup.
func TestHostileText(t *testing.T) {
	d := Diagnose(hostileBanner(), nil)
	for _, f := range []Format{FormatText, FormatMarkdown, FormatHTML} {
		var buf bytes.Buffer
		if err := Render(&buf, d, f, RenderOptions{Color: true}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if f == FormatMarkdown {
			out = outsideFences(out)
		}
		if f != FormatText && strings.Contains(out, "<script>") {
			t.Errorf("%s: raw <script> in output", f)
		}
		if strings.Contains(out, "\u202e") || strings.Contains(out, "\x07") || strings.Contains(out, "\x1b]") || strings.Contains(out, "\x1b[2J") {
			t.Errorf("%s: control sequence from the server in output", f)
		}
	}
}

// TestJSONFields: the JSON has the documented top-level fields and schema.
func TestJSONFields(t *testing.T) {
	r := scenarioPassiveFiltered()
	d := Diagnose(r, evidencePassiveFiltered(r))
	var buf bytes.Buffer
	if err := Render(&buf, d, FormatJSON, RenderOptions{Version: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "version", "target", "verdict", "server", "capture", "findings", "matrix", "ladders", "probe", "evidence"} {
		if _, ok := top[k]; !ok {
			t.Errorf("missing top-level field %q", k)
		}
	}
	if string(top["schema"]) != `"ftpdiag/v1"` || string(top["version"]) != `"1.2.3"` {
		t.Errorf("schema/version = %s/%s", top["schema"], top["version"])
	}
	var fs []map[string]json.RawMessage
	if err := json.Unmarshal(top["findings"], &fs); err != nil || len(fs) == 0 {
		t.Fatalf("findings: %v", err)
	}
	for _, k := range []string{"id", "severity", "title", "explanation", "evidence", "fixes"} {
		if _, ok := fs[0][k]; !ok {
			t.Errorf("finding lacks %q", k)
		}
	}
	// Every documented field name appears in docs/json-schema.md.
	doc, err := os.ReadFile("../docs/json-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	for k := range top {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("top-level field %q is not documented in docs/json-schema.md", k)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"text": FormatText, "md": FormatMarkdown, "Markdown": FormatMarkdown, "json": FormatJSON, "html": FormatHTML} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil || !strings.Contains(err.Error(), "markdown") {
		t.Errorf("ParseFormat(yaml) error = %v, want one naming the valid formats", err)
	}
}

func TestDiagnoseNil(t *testing.T) {
	d := Diagnose(nil, nil)
	if d.ExitCode() != 0 || d.Schema != Schema || d.Verdict == "" {
		t.Fatalf("Diagnose(nil, nil) = %+v", d)
	}
	for _, f := range Formats {
		if err := Render(&bytes.Buffer{}, d, f, RenderOptions{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// outsideFences drops fenced code blocks, where Markdown shows text verbatim.
func outsideFences(s string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			continue
		}
		if !in {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
