package report

// The report's own record of a server reply and of what it means
// (docs/json-schema.md: Reply, Interpretation, server info). Converted
// from the ftp package's types in schema_convert.go.

// ReplyRecord is a server reply: its code and its lines as received.
type ReplyRecord struct {
	Code  int      `json:"code"`
	Lines []string `json:"lines"`
}

// MeaningRecord is ftp.Interpret's reading of one reply to one command:
// where it stands in the command's sequence, what it says, and the
// wording-table row that decided it.
type MeaningRecord struct {
	Step    string `json:"step"`
	Meaning string `json:"meaning,omitempty"`
	Source  string `json:"source,omitempty"`
}

// ServerInfoRecord is the server software detected and the line that
// identified it.
type ServerInfoRecord struct {
	Software string `json:"software"`
	Version  string `json:"version,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}
