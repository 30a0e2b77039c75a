package ftp

// sequence is what one command's reply sequence allows beyond 2xx/4xx/5xx:
// which 1xx and 3xx codes (RFC 959 §5.4; RFC 2228 for AUTH/ADAT/PBSZ/PROT;
// RFC 2428 for EPRT/EPSV; RFC 3659 for SIZE/MDTM/MLSD/MLST).
type sequence struct {
	preliminary  bool // 1xx allowed (then a final reply follows)
	intermediate []int
}

// sequences lists the commands whose sequences allow a 1xx or a 3xx. Every
// command not listed allows neither: a 1xx or 3xx to it is a violation.
var sequences = map[string]sequence{
	Greeting: {preliminary: true}, // 120 then 220
	"USER":   {intermediate: []int{331, 332}},
	"PASS":   {intermediate: []int{332}},
	"ACCT":   {},
	"REST":   {intermediate: []int{350}},
	"RNFR":   {intermediate: []int{350}},
	"AUTH":   {intermediate: []int{334}},
	"ADAT":   {intermediate: []int{335}},
	"RETR":   {preliminary: true},
	"STOR":   {preliminary: true},
	"STOU":   {preliminary: true},
	"APPE":   {preliminary: true},
	"LIST":   {preliminary: true},
	"NLST":   {preliminary: true},
	"MLSD":   {preliminary: true},
}

// sequenceStep places code in verb's sequence.
func sequenceStep(verb string, code int, afterPreliminary bool) Step {
	if code < 100 || code > 599 {
		return StepViolation
	}
	seq := sequences[verb]
	switch code / 100 {
	case 1:
		if seq.preliminary && !afterPreliminary {
			return StepPreliminary
		}
		return StepViolation
	case 2:
		return StepSuccess
	case 3:
		if afterPreliminary {
			return StepViolation
		}
		for _, c := range seq.intermediate {
			if c == code {
				return StepIntermediate
			}
		}
		return StepViolation
	case 4:
		return StepTransient
	}
	return StepPermanent
}

// codeMeaning is the meaning a code carries by itself when no wording row
// matched: only what RFC 959 and its extensions define for the code.
func codeMeaning(verb string, code int, step Step) Meaning {
	switch code {
	case 332, 532:
		return MeaningAccountNeeded
	case 425:
		return MeaningDataConnectionFailed
	case 426:
		return MeaningDataConnectionFailed
	case 421:
		return MeaningServiceClosing
	case 502:
		return MeaningNotImplemented
	case 504:
		if verb == "AUTH" || verb == "PROT" || verb == "PBSZ" {
			return MeaningTLSUnavailable
		}
		return MeaningNotImplemented
	case 522:
		if verb == "EPRT" || verb == "EPSV" {
			return MeaningProtocolUnsupported
		}
	case 534:
		return MeaningTLSRequired
	case 530:
		switch verb {
		case "USER", "PASS", "ACCT":
			return MeaningAuthFailed
		}
		return MeaningLoginRequired
	case 550, 551, 552, 553, 450, 452:
		switch verb {
		case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD", "DELE", "SIZE", "MDTM", "CWD", "MKD", "RMD", "RNFR", "RNTO":
			return MeaningFileRefused
		}
	}
	if step == StepTransient {
		return MeaningTransient
	}
	return MeaningNone
}
