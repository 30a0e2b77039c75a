package report

import (
	"fmt"

	"github.com/ftpdiag/ftpdiag/probe"
)

// ruleResponderChallenge: the server is an ftpdiag responder and refused
// to serve the data modes because its challenge was not answered (no
// secret given, or a wrong one). Decision: a mode whose control connection
// reached a responder (FEAT) without an answered challenge, and whose
// first failure is a 530 reply after login. Error: nothing about the
// network was tested.
func ruleResponderChallenge(in *input) []Finding {
	var modes []string
	var facts []Fact
	challenge := ""
	for _, mr := range in.modes() {
		v := mr.Responder
		if v == nil || v.Challenge == probe.ChallengeAnswered || !controlUp(mr) {
			continue
		}
		st := mr.ListData.Setup
		if st.Reply == nil || st.Reply.Code != 530 {
			continue
		}
		challenge = v.Challenge
		modes = append(modes, string(mr.Mode))
		facts = append(facts, Fact{T: st.T, Text: fmt.Sprintf("%s: %s", mr.Mode, st.Reply.Text())})
	}
	if len(modes) == 0 {
		return nil
	}
	why := "ftpdiag was given no secret (--responder-secret-file)"
	if challenge == probe.ChallengeRefused {
		why = "the secret in --responder-secret-file is not the responder's"
	}
	return []Finding{{
		ID:          "responder-challenge-failed",
		Severity:    SeverityError,
		Title:       "The responder refused to serve: its shared-secret challenge was not answered",
		Explanation: fmt.Sprintf("The server is an ftpdiag responder, which serves nothing but login before the client proves it knows its shared secret; %s. No data connection was tried: nothing about the network was tested.", why),
		Action:      "give the responder's secret with --responder-secret-file",
		Modes:       modes,
		Evidence:    facts,
		Fixes: []Fix{
			{For: "client", Text: "Run the probe again with the file holding the responder's shared secret:", Lines: []string{"ftpdiag probe --responder-secret-file FILE " + in.r.Target.URL}},
		},
	}}
}
