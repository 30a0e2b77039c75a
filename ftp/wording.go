package ftp

import "strings"

// wording is one row of the server-wording table: replies whose code and
// text say more than the code. Each row names where its text was taken
// from; its test quotes that exact text.
type wording struct {
	// verbs the row applies to (empty: any command, Greeting included).
	verbs []string
	// codes it applies to (empty: any code).
	codes []int
	// all lowercase substrings must appear in the reply text.
	all     []string
	meaning Meaning
	// source names the server and version the text comes from.
	source string
}

// wordings are tried in order; the first row that matches decides.
var wordings = []wording{
	{verbs: []string{"PORT", "EPRT"}, codes: []int{500}, all: []string{"illegal"}, meaning: MeaningAddressRefused,
		source: "vsftpd 3.0.3: 500 Illegal PORT command."},
	{verbs: []string{"PORT", "EPRT"}, codes: []int{550}, all: []string{"permission denied"}, meaning: MeaningDisabled,
		source: "vsftpd 3.0.3 (port_enable=NO): 550 Permission denied."},
	{codes: []int{500}, all: []string{"oops"}, meaning: MeaningServerError,
		source: "vsftpd 3.0.3: 500 OOPS: ..."},
	{codes: []int{522}, all: []string{"ssl connection failed"}, meaning: MeaningTLSReuseRequired,
		source: "vsftpd 3.0.3 (require_ssl_reuse=YES): 522 SSL connection failed: session reuse required"},
	{codes: []int{530}, all: []string{"non-anonymous sessions must use encryption"}, meaning: MeaningTLSRequired,
		source: "vsftpd 3.0.3 (force_local_logins_ssl=YES): 530 Non-anonymous sessions must use encryption."},
	{codes: []int{421}, all: []string{"too many connections"}, meaning: MeaningConnectionLimit,
		source: "vsftpd 3.0.3 (max_per_ip): 421 There are too many connections from your internet address."},
}

// matchWording finds the first wording row that matches verb and rep.
func matchWording(verb string, rep Reply) (Meaning, string, bool) {
	text := strings.ToLower(rep.Message())
	for _, w := range wordings {
		if w.matches(verb, rep.Code, text) {
			return w.meaning, w.source, true
		}
	}
	return MeaningNone, "", false
}

func (w wording) matches(verb string, code int, text string) bool {
	if len(w.verbs) > 0 && !containsString(w.verbs, verb) {
		return false
	}
	if len(w.codes) > 0 && !containsInt(w.codes, code) {
		return false
	}
	for _, s := range w.all {
		if !strings.Contains(text, s) {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
