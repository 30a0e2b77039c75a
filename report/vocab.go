package report

import (
	"slices"

	"github.com/ftpdiag/ftpdiag/probe"
)

// The closed vocabularies of a report, one list each. Diagnosis.Validate
// accepts a report read back from JSON only when every value is in these
// lists, so a rule that emits a new finding id or fix audience must add it
// here: TestVocabularyFindingIDs and TestVocabularyFixAudiences (vocab_test.go)
// parse the rules and fail until it is. The outcome list is probe.Outcomes,
// beside the constants (TestVocabularyOutcomes).

// FindingIDs is every finding id a rule may emit (docs/findings.md
// describes each one).
var FindingIDs = []string{
	"dns-failed",
	"control-filtered",
	"control-refused",
	"control-failed",
	"control-no-greeting",
	"control-closed",
	"server-busy",
	"server-closing",
	"server-error",
	"server-serial",
	"login-failed",
	"login-account-needed",
	"tls-required",
	"tls-unavailable",
	"tls-certificate-invalid",
	"tls-session",
	"data-tls-failed",
	"data-tls-not-resumed",
	"alg-ftps-conflict",
	"alg-rewrote-port",
	"responder-challenge-failed",
	"alg-rewrote-pasv",
	"client-behind-nat",
	"snat-multiple-addresses",
	"passive-disabled",
	"epsv-unsupported",
	"pasv-private-address",
	"pasv-foreign-address",
	"pasv-port-suspicious",
	"passive-port-filtered",
	"passive-port-refused",
	"active-disabled",
	"active-unsupported",
	"active-address-rejected",
	"active-callback-blocked",
	"active-callback-dropped-locally",
	"active-callback-refused",
	"active-callback-unexpected-peer",
	"active-callback-source-port",
	"alg-active-plain-only",
	"transfer-denied",
	"transfer-no-reply",
	"transfer-no-data",
	"transfer-stalled",
	"data-not-closed",
	"transfer-too-slow",
	"protocol-violation",
	"data-connection-failed",
	"control-encrypted",
	"capture-incomplete",
	"capture-unavailable",
	"run-interrupted",
}

// Severities are the severities, most severe first.
var Severities = []Severity{SeverityError, SeverityWarning, SeverityInfo}

// firewallAudiences are the Fix.For values of firewall fixes.
var firewallAudiences = []string{"iptables", "nftables", "firewalld", "ufw", "generic-firewall"}

// fixAudiences are the valid Fix.For values: a server software key
// (softwareKeys), "server" (a server-side fix for a server no key names:
// unknown, or one without its own fix), a firewall, or the client.
func fixAudiences() []string {
	return slices.Concat(softwareKeys, []string{"server"}, firewallAudiences, []string{"client"})
}

// reportModes are the mode names a report may hold: the four data modes,
// and "control" for a captured control connection without a data mode
// (analyze.go).
func reportModes() []probe.Mode {
	return append(slices.Clone(probe.AllModes), modeControlOnly)
}

// findingSources are the values of Finding.Source.
var findingSources = []string{"", "capture"}

// vantages are the values of SessionInfo.Vantage (analyze.go).
var vantages = []string{"client", "server", "middle", "unknown"}
