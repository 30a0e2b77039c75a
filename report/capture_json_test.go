package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestCaptureJSONEnvelope: the analyze JSON, written member by member and
// one session at a time, is byte for byte what encoding the whole
// CaptureDiagnosis gives, with the optional members present and absent
// (a member added to CaptureDiagnosis but not to envelopeMembers fails
// here).
func TestCaptureJSONEnvelope(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(*CaptureDiagnosis)
	}{
		{"optional members absent", func(c *CaptureDiagnosis) { c.Files, c.Notes, c.ReadError = nil, nil, "" }},
		{"optional members present", func(c *CaptureDiagnosis) {
			c.Files, c.Notes, c.ReadError = []string{"a.pcap", "<b>.pcap"}, []string{"a note & more"}, "damage at packet 7"
		}},
		{"no session", func(c *CaptureDiagnosis) { c.Summary, c.Sessions, c.groups = []SessionSummary{}, []*Diagnosis{}, nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cd := smallCapture(t)
			tt.spoil(cd)
			var got bytes.Buffer
			if err := RenderCapture(&got, cd, FormatJSON, RenderOptions{Version: "test"}); err != nil {
				t.Fatal(err)
			}
			whole := *cd
			whole.Version = "test"
			if whole.Sessions == nil {
				whole.Sessions = []*Diagnosis{}
				if err := cd.Each(func(d *Diagnosis) error {
					dd := *d
					dd.Version = "test"
					whole.Sessions = append(whole.Sessions, &dd)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			want, err := json.MarshalIndent(&whole, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(jsonSafe(want), '\n')
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("streamed JSON differs from the encoded whole:\n got %.400q\nwant %.400q", got.Bytes(), want)
			}
		})
	}
}
