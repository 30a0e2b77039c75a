package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRender feeds `ftpdiag render`'s input, a JSON report, to Validate and
// to every renderer: none may panic, and every output must pass the safety
// checks of render_check_test.go (no control or bidi character, no markup
// or link from the data, JSON that decodes to the same diagnosis), valid
// report or not: Render is also what probe and analyze call.
func FuzzRender(f *testing.F) {
	golden, _ := filepath.Glob("testdata/golden/*.json")
	for _, p := range golden {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	if b, err := json.Marshal(hostileDiagnosis()); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"schema":"ftpdiag/v1","verdict":"v","findings":[{"id":"x","severity":"fatal","modes":["\u001b[2J"],"fixes":[{"for":"<b>","lines":["` + "```" + `"]}]}],"matrix":[{"mode":"[a](http://x)"}],"ladders":[{"mode":"www.x.y","events":[{"from":"?","label":"bob@x.y"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Diagnosis
		if json.Unmarshal(data, &d) != nil {
			return
		}
		_ = d.Validate()
		for _, fm := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, &d, fm, RenderOptions{Version: "fuzz"}); err != nil {
				t.Fatalf("%s: %v", fm, err)
			}
			want := d
			want.Version = "fuzz"
			if err := checkRendered(fm, buf.Bytes(), &want); err != nil {
				t.Fatalf("%s: %v", fm, err)
			}
		}
	})
}
