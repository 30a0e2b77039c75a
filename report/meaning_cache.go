package report

import "github.com/ftpdiag/ftpdiag/ftp"

// The sessions of a capture get the same few replies to the same
// commands: "226 Transfer complete." to each RETR of thousands of
// sessions. Rebuilding them, ftp.Interpret (its wording table) was a
// tenth of analyze's time; a capture's meanings are kept here, per
// command, single-line reply (its code alone when its text cannot change
// its meaning: ftp.Worded) and sequence position. A reply's meaning is a
// pure function of those, so the report is the same.
const (
	// maxCachedLine: a longer line (a banner, a listing of errors) is
	// interpreted each time.
	maxCachedLine = 128
	// maxCachedMeanings bounds the cache; past it replies are
	// interpreted each time.
	maxCachedMeanings = 1 << 14
)

// meaningKey is what a reply's meaning depends on.
type meaningKey struct {
	verb  string
	code  int
	line  string
	after bool // afterPreliminary
}

// meaningCache is ftp.Interpret remembered; nil interprets each time.
// Its meanings are shared and read only: the steps rebuilt from a
// capture point at their reply's (meaning), one allocation per distinct
// reply rather than one per step.
type meaningCache map[meaningKey]*ftp.Interpretation

// interpret is ftp.Interpret(verb, rep, after).
func (mc meaningCache) interpret(verb string, rep ftp.Reply, after bool) ftp.Interpretation {
	return *mc.meaning(verb, rep, after)
}

// meaning is interpret's result, to be read only. A reply whose text
// cannot change its meaning (ftp.Worded) is kept by its code alone: each
// 227 and 229 names its own port, and kept by line they filled the cache
// with meanings never asked for again.
func (mc meaningCache) meaning(verb string, rep ftp.Reply, after bool) *ftp.Interpretation {
	if mc == nil {
		in := ftp.Interpret(verb, rep, after)
		return &in
	}
	k := meaningKey{verb: verb, code: rep.Code, after: after}
	if ftp.Worded(rep.Code) {
		if len(rep.Lines) != 1 || len(rep.Lines[0]) > maxCachedLine {
			in := ftp.Interpret(verb, rep, after)
			return &in
		}
		k.line = rep.Lines[0]
	}
	if in := mc[k]; in != nil {
		return in
	}
	in := ftp.Interpret(verb, rep, after)
	if len(mc) < maxCachedMeanings {
		mc[k] = &in
	}
	return &in
}
