package ftp

import "testing"

func TestInterpretContract(t *testing.T) {
	tests := []struct {
		verb        string
		line        string
		after       bool
		wantStep    Step
		wantMeaning Meaning
	}{
		{"RETR", "350 Restarting", false, StepViolation, MeaningNone},
		{"LIST", "150 Here comes the directory listing.", false, StepPreliminary, MeaningNone},
		{"LIST", "150 again", true, StepViolation, MeaningNone},
		{"LIST", "226 Directory send OK.", true, StepSuccess, MeaningNone},
		{"PORT", "350 ok?", false, StepViolation, MeaningNone},
		{"PASV", "150 opening", false, StepViolation, MeaningNone},
		{"USER", "230 Login successful.", false, StepSuccess, MeaningNone},
		{"USER", "331 Please specify the password.", false, StepIntermediate, MeaningNone},
		{"PASS", "332 Need account for login.", false, StepIntermediate, MeaningAccountNeeded},
		{"PASS", "530 Login incorrect.", false, StepPermanent, MeaningAuthFailed},
		{"PORT", "500 Illegal PORT command.", false, StepPermanent, MeaningAddressRefused},
		{"EPRT", "500 Illegal EPRT command.", false, StepPermanent, MeaningAddressRefused},
		{"PORT", "550 Permission denied.", false, StepPermanent, MeaningDisabled},
		{"PASS", "500 OOPS: cannot change directory:/home/alice", false, StepPermanent, MeaningServerError},
		{"EPSV", "502 Command not implemented.", false, StepPermanent, MeaningNotImplemented},
		{"RETR", "550 Failed to open file.", false, StepPermanent, MeaningFileRefused},
		{Greeting, "421 There are too many connections from your internet address.", false, StepTransient, MeaningConnectionLimit},
		{Greeting, "120 Service ready in 2 minutes.", false, StepPreliminary, MeaningNone},
		{"NOOP", "099 what", false, StepViolation, MeaningNone},
		{"NOOP", "650 protected", false, StepViolation, MeaningNone},
	}
	for _, tt := range tests {
		code := 0
		for _, c := range tt.line[:3] {
			code = code*10 + int(c-'0')
		}
		got := Interpret(tt.verb, Reply{Code: code, Lines: []string{tt.line}}, tt.after)
		if got.Step != tt.wantStep || got.Meaning != tt.wantMeaning {
			t.Errorf("Interpret(%q, %q, %v) = %+v, want step %s meaning %q", tt.verb, tt.line, tt.after, got, tt.wantStep, tt.wantMeaning)
		}
	}
}
