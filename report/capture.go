package report

// ruleCaptureUnavailable: no packets back the findings. Decision: a probe
// ran and the evidence is absent or not Available. It is info: the
// diagnosis stands, but findings that need the wire are marked inferred.
func ruleCaptureUnavailable(in *input) []Finding {
	if in.r == nil && in.ev == nil {
		return nil
	}
	if in.wire {
		return nil
	}
	reason, remedy := "no capture was taken", ""
	if in.ev != nil {
		reason, remedy = orDash(in.ev.Reason), in.ev.Remedy
	}
	f := Finding{
		ID:          "capture-unavailable",
		Severity:    SeverityInfo,
		Title:       "No packet capture: wire-level findings are inferred",
		Explanation: "No packets were captured (" + reason + "). Findings that need the wire are inferred from the client's view. A capture would add how many times each SYN was sent, whether a SYN-ACK, RST or ICMP error came back and from where, whether the server's active-mode SYN reached this host, and packet numbers in a pcapng to attach.",
		Evidence:    []Fact{{Text: "capture: " + reason}},
	}
	if remedy != "" {
		f.Fixes = []Fix{{For: "client", Text: "Allow ftpdiag to capture packets:", Lines: []string{remedy}}}
	}
	return []Finding{f}
}
