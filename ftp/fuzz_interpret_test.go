package ftp

import "testing"

// meanings is the closed set Interpret may answer.
var meanings = []Meaning{
	MeaningNone, MeaningNotImplemented, MeaningDisabled, MeaningAddressRefused,
	MeaningProtocolUnsupported, MeaningTLSRequired, MeaningTLSReuseRequired,
	MeaningTLSUnavailable, MeaningConnectionLimit, MeaningServiceClosing,
	MeaningServerError, MeaningAuthFailed, MeaningAccountNeeded,
	MeaningLoginRequired, MeaningFileRefused, MeaningDataConnectionFailed,
	MeaningTransient,
}

// FuzzInterpret: any verb, code and text. Interpret never panics, answers
// a meaning from the closed set, and a step that agrees with the code's
// class.
func FuzzInterpret(f *testing.F) {
	f.Add("PORT", 500, "Illegal PORT command.", false)
	f.Add("RETR", 150, "Opening BINARY mode data connection.", false)
	f.Add("RETR", 226, "Transfer complete.", true)
	f.Add("", 421, "There are too many connections from your internet address.", false)
	f.Add("pass", 500, "OOPS: cannot change directory:/home/x", false)
	f.Add("USER", 230, "Login successful.", false)
	f.Add("LIST", 350, "what", true)
	f.Add("NOOP", 1000, "", false)
	f.Fuzz(func(t *testing.T, verb string, code int, text string, after bool) {
		in := Interpret(verb, Reply{Code: code, Lines: []string{text}}, after)
		if !containsMeaning(in.Meaning) {
			t.Fatalf("Interpret(%q, %d, %q) meaning %q outside the closed set", verb, code, text, in.Meaning)
		}
		if in.Meaning == MeaningNone && in.Source != "" {
			t.Fatalf("source %q without a meaning", in.Source)
		}
		if want := stepsForCode(code, after); !containsStep(want, in.Step) {
			t.Fatalf("Interpret(%q, %d, after=%v) step %s, want one of %v", verb, code, after, in.Step, want)
		}
	})
}

// stepsForCode is what the code's class allows as a step.
func stepsForCode(code int, after bool) []Step {
	if code < 100 || code > 599 {
		return []Step{StepViolation}
	}
	switch code / 100 {
	case 1:
		if after {
			return []Step{StepViolation}
		}
		return []Step{StepPreliminary, StepViolation}
	case 2:
		return []Step{StepSuccess}
	case 3:
		if after {
			return []Step{StepViolation}
		}
		return []Step{StepIntermediate, StepViolation}
	case 4:
		return []Step{StepTransient}
	}
	return []Step{StepPermanent}
}

func containsMeaning(m Meaning) bool {
	for _, x := range meanings {
		if x == m {
			return true
		}
	}
	return false
}

func containsStep(list []Step, s Step) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
