package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsKeylog: a capture decrypted with its key log holds the lab
// password in its records; no output of analyze --tls-keylog shows it:
// every format to stdout and to a file, and the saved JSON rendered again
// in every format.
func TestSecretsKeylog(t *testing.T) {
	dir := t.TempDir()
	arts := secretArtifacts{}
	for _, pcap := range tlsCaptures(t) {
		name := captureName(pcap)
		for _, format := range reportFormats {
			out, errs, code := runInProcess(t, "analyze", "--tls-keylog", keysOf(pcap), "--format", format, pcap)
			if code != 0 && code != 1 {
				t.Fatalf("%s %s: exit %d: %s", name, format, code, errs)
			}
			arts[name+" "+format+" stdout"] = []byte(out)
			arts[name+" "+format+" stderr"] = []byte(errs)
			if format == "json" && !strings.Contains(out, `"command": "PASS *************"`) {
				t.Errorf("%s: the JSON report shows no masked PASS: was the control connection decrypted?", name)
			}
			file := filepath.Join(dir, name+"."+format)
			if _, errs, code := runInProcess(t, "analyze", "--tls-keylog", keysOf(pcap), "--format", format, "-o", file, pcap); code != 0 && code != 1 {
				t.Fatalf("%s %s -o: exit %d: %s", name, format, code, errs)
			}
			arts.addFile(t, name+" "+format+" -o", file)
		}
		for _, format := range reportFormats {
			out, errs, code := runInProcess(t, "render", "--format", format, filepath.Join(dir, name+".json"))
			if code != 0 && code != 1 {
				t.Fatalf("render %s %s: exit %d: %s", name, format, code, errs)
			}
			arts[name+" render "+format] = []byte(out + errs)
		}
	}
	assertNoSecret(t, labPassword, arts)
}
