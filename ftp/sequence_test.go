package ftp

import "testing"

func TestSequenceStep(t *testing.T) {
	tests := []struct {
		verb  string
		code  int
		after bool
		want  Step
	}{
		// Greeting: 120 then 220; 421.
		{Greeting, 220, false, StepSuccess},
		{Greeting, 120, false, StepPreliminary},
		{Greeting, 220, true, StepSuccess},
		{Greeting, 421, false, StepTransient},
		{Greeting, 150, false, StepViolation},
		{Greeting, 120, true, StepViolation},
		{Greeting, 331, false, StepViolation},
		// Login: 2xx to USER is a valid "logged in".
		{"USER", 230, false, StepSuccess},
		{"USER", 232, false, StepSuccess},
		{"USER", 331, false, StepIntermediate},
		{"USER", 332, false, StepIntermediate},
		{"USER", 336, false, StepIntermediate},
		{"USER", 350, false, StepViolation},
		{"USER", 150, false, StepViolation},
		{"PASS", 230, false, StepSuccess},
		{"PASS", 202, false, StepSuccess},
		{"PASS", 332, false, StepIntermediate},
		{"PASS", 331, false, StepViolation},
		{"PASS", 530, false, StepPermanent},
		{"ACCT", 230, false, StepSuccess},
		{"ACCT", 332, false, StepViolation},
		// Transfer parameters: no 1xx, no 3xx.
		{"PORT", 200, false, StepSuccess},
		{"PORT", 350, false, StepViolation},
		{"PORT", 150, false, StepViolation},
		{"PASV", 227, false, StepSuccess},
		{"PASV", 150, false, StepViolation},
		{"PASV", 331, false, StepViolation},
		{"EPSV", 229, false, StepSuccess},
		{"EPSV", 522, false, StepPermanent},
		{"EPRT", 350, false, StepViolation},
		// Transfers: 125/150 (110), then only a final reply.
		{"RETR", 150, false, StepPreliminary},
		{"RETR", 125, false, StepPreliminary},
		{"RETR", 110, false, StepPreliminary},
		{"RETR", 120, false, StepViolation},
		{"RETR", 226, true, StepSuccess},
		{"RETR", 350, false, StepViolation},
		{"RETR", 350, true, StepViolation},
		{"RETR", 150, true, StepViolation},
		{"RETR", 426, true, StepTransient},
		{"RETR", 550, false, StepPermanent},
		{"LIST", 125, false, StepPreliminary},
		{"LIST", 331, false, StepViolation},
		{"NLST", 150, false, StepPreliminary},
		{"STOR", 150, false, StepPreliminary},
		{"APPE", 125, false, StepPreliminary},
		{"STOU", 150, false, StepPreliminary},
		{"MLSD", 150, false, StepPreliminary},
		{"MLSD", 110, false, StepViolation},
		{"MLST", 150, false, StepViolation},
		{"MLST", 250, false, StepSuccess},
		// Intermediate replies that are allowed.
		{"REST", 350, false, StepIntermediate},
		{"RNFR", 350, false, StepIntermediate},
		{"RNTO", 350, false, StepViolation},
		{"AUTH", 234, false, StepSuccess},
		{"AUTH", 334, false, StepIntermediate},
		{"AUTH", 335, false, StepViolation},
		{"ADAT", 335, false, StepIntermediate},
		{"PBSZ", 200, false, StepSuccess},
		{"PROT", 350, false, StepViolation},
		{"CCC", 200, false, StepSuccess},
		{"FEAT", 211, false, StepSuccess},
		{"FEAT", 150, false, StepViolation},
		{"OPTS", 200, false, StepSuccess},
		{"SIZE", 213, false, StepSuccess},
		{"MDTM", 213, false, StepSuccess},
		{"REIN", 120, false, StepPreliminary},
		{"HOST", 120, false, StepPreliminary},
		{"NOOP", 150, false, StepViolation},
		{"XPWD", 257, false, StepSuccess},
		// A verb no RFC here defines: 1xx and 3xx at face value, but only
		// a final reply after a 1xx.
		{"XYZZ", 150, false, StepPreliminary},
		{"XYZZ", 350, false, StepIntermediate},
		{"XYZZ", 150, true, StepViolation},
		{"XYZZ", 350, true, StepViolation},
		// Codes outside 100-599.
		{"NOOP", 0, false, StepViolation},
		{"NOOP", 99, false, StepViolation},
		{"NOOP", 600, false, StepViolation},
		{"RETR", 631, true, StepViolation},
		{"NOOP", 599, false, StepPermanent},
		{"NOOP", 100, false, StepViolation},
	}
	for _, tt := range tests {
		if got := sequenceStep(tt.verb, tt.code, tt.after); got != tt.want {
			t.Errorf("sequenceStep(%q, %d, %v) = %s, want %s", tt.verb, tt.code, tt.after, got, tt.want)
		}
	}
}

// TestSequenceTableShape: every listed preliminary code is a 1xx and every
// intermediate code a 3xx, and each is accepted by sequenceStep.
func TestSequenceTableShape(t *testing.T) {
	for verb, seq := range sequences {
		for _, c := range seq.preliminary {
			if c/100 != 1 || sequenceStep(verb, c, false) != StepPreliminary {
				t.Errorf("%q: preliminary %d", verb, c)
			}
		}
		for _, c := range seq.intermediate {
			if c/100 != 3 || sequenceStep(verb, c, false) != StepIntermediate {
				t.Errorf("%q: intermediate %d", verb, c)
			}
		}
	}
}

func TestCodeMeaning(t *testing.T) {
	tests := []struct {
		verb string
		code int
		want Meaning
	}{
		{"USER", 332, MeaningAccountNeeded},
		{"PASS", 332, MeaningAccountNeeded},
		{"STOR", 532, MeaningAccountNeeded},
		{"RETR", 332, MeaningNone}, // a violation carries no meaning
		{Greeting, 421, MeaningServiceClosing},
		{"LIST", 421, MeaningServiceClosing},
		{"AUTH", 421, MeaningServiceClosing},
		{"AUTH", 500, MeaningTLSUnavailable},
		{"AUTH", 502, MeaningTLSUnavailable},
		{"AUTH", 504, MeaningTLSUnavailable},
		{"AUTH", 431, MeaningTLSUnavailable},
		{"AUTH", 534, MeaningTLSUnavailable},
		{"AUTH", 234, MeaningNone},
		{"PROT", 534, MeaningTLSRequired},
		{"PROT", 536, MeaningTLSUnavailable},
		{"PBSZ", 502, MeaningTLSUnavailable},
		{"USER", 534, MeaningTLSRequired},
		{"RETR", 425, MeaningDataConnectionFailed},
		{"PORT", 425, MeaningDataConnectionFailed},
		{"LIST", 426, MeaningDataConnectionFailed},
		{"EPSV", 502, MeaningNotImplemented},
		{"PORT", 504, MeaningNotImplemented},
		{"EPSV", 522, MeaningProtocolUnsupported},
		{"EPRT", 522, MeaningProtocolUnsupported},
		{"LIST", 522, MeaningNone},
		{"USER", 530, MeaningAuthFailed},
		{"PASS", 530, MeaningAuthFailed},
		{"ACCT", 530, MeaningAuthFailed},
		{"PASV", 530, MeaningLoginRequired},
		{"RETR", 550, MeaningFileRefused},
		{"CWD", 550, MeaningFileRefused},
		{"STOR", 553, MeaningFileRefused},
		{"STOR", 452, MeaningFileRefused},
		{"RETR", 450, MeaningFileRefused},
		{"PORT", 550, MeaningNone},
		{"RETR", 451, MeaningTransient},
		{"PASV", 450, MeaningTransient},
		{"PORT", 500, MeaningNone},
		{"NOOP", 200, MeaningNone},
	}
	for _, tt := range tests {
		step := sequenceStep(tt.verb, tt.code, false)
		if got := codeMeaning(tt.verb, tt.code, step); got != tt.want {
			t.Errorf("codeMeaning(%q, %d) = %q, want %q", tt.verb, tt.code, got, tt.want)
		}
	}
}
