package capture

// Reply lines repeat: "226 Transfer complete." ends every transfer a
// server makes, "150 Opening BINARY mode data connection." opens it. The
// evidence of a capture is held until the report is written (it is most
// of analyze's memory on thousands of sessions), so the capture keeps one
// copy of each such line for all its replies instead of one per reply.
const (
	// maxInternLen: longer lines (banners, FEAT lists, errors naming
	// files) rarely repeat whole.
	maxInternLen = 128
	// maxInterned bounds the table: past it a capture of very many
	// wordings keeps a copy per reply again, nothing else changes.
	maxInterned = 1 << 14
)

// lineTable maps a reply line to the copy every reply shares.
type lineTable map[string]string

// intern returns the shared copy of s, making s the shared copy when
// there is none and the table has room.
func (t lineTable) intern(s string) string {
	if len(s) > maxInternLen {
		return s
	}
	if v, ok := t[s]; ok {
		return v
	}
	if len(t) < maxInterned {
		t[s] = s
	}
	return s
}
