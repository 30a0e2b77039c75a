package ftp

import "strings"

// ParseFeat returns the feature lines of a 211 FEAT reply (RFC 2389): every
// line between the first ("211-Features:") and the last ("211 End"),
// trimmed, empty ones skipped, in the server's order, e.g.
// ["EPRT" "EPSV" "MDTM" "PASV" "REST STREAM" "SIZE" "TVFS" "UTF8"]. A reply
// that is not a multi-line 211 (a 500 from a server without FEAT, say)
// gives nil.
func ParseFeat(r Reply) []string {
	if r.Code != 211 || len(r.Lines) < 3 {
		return nil
	}
	var feat []string
	for _, l := range r.Lines[1 : len(r.Lines)-1] {
		if l = strings.TrimSpace(l); l != "" {
			feat = append(feat, l)
		}
	}
	return feat
}

// HasFeature reports whether feat (as returned by ParseFeat) lists the
// feature name, compared case-insensitively on the first word: "REST"
// matches "REST STREAM", "MLST" matches "MLST type*;size*;".
func HasFeature(feat []string, name string) bool {
	for _, f := range feat {
		first, _, _ := strings.Cut(f, " ")
		if strings.EqualFold(first, name) || strings.EqualFold(f, name) {
			return true
		}
	}
	return false
}
