package report

// Where the facts were seen. A probe run sees from the client: "this host"
// is the client. A capture someone else took may have been taken at the
// client, at the server or between them (analyze's vantage, from the
// packets' TTLs); the rules read it here and choose their id, wording and
// fixes by it: an unanswered SYN means this host's firewall only at the
// host that did not answer.

// vantage is where the facts were seen: "" for a probe run, else the
// capture's vantage ("client", "server", "middle", "unknown").
func (in *input) vantage() string {
	if in.an == nil {
		return ""
	}
	return in.an.vantage
}

// atClient reports whether the facts were seen at the client: a probe run,
// or a capture taken at the client (or where it cannot be told, read as
// the client's, the usual place for a capture attached to a ticket).
func (in *input) atClient() bool {
	switch in.vantage() {
	case "", "client", "unknown":
		return true
	}
	return false
}

// seenAtClient reports whether the facts were certainly seen at the
// client: a probe run, or a capture known to be taken there (not one whose
// vantage cannot be told, which atClient reads as the client's).
func (in *input) seenAtClient() bool {
	v := in.vantage()
	return v == "" || v == "client"
}

// vantageNote is the sentence saying where a capture was taken and why it
// is thought so; "" for a probe run or an unknown vantage.
func (in *input) vantageNote() string {
	switch in.vantage() {
	case "client":
		return "This capture was taken at the client (" + in.an.vantageWhy + ")."
	case "server":
		return "This capture was taken at the server (" + in.an.vantageWhy + ")."
	case "middle":
		return "This capture was taken between client and server (" + in.an.vantageWhy + ")."
	}
	return ""
}

// withVantage appends the vantage note to an explanation.
func (in *input) withVantage(expl string) string {
	if n := in.vantageNote(); n != "" {
		return expl + " " + n
	}
	return expl
}
