package ftp

import "strings"

// sequence is what one command's reply sequence allows besides the
// completion (2xx) and negative (4xx, 5xx) replies every command may get:
// which preliminary (1xx) and which intermediate (3xx) codes. A 1xx or 3xx
// the sequence does not list is a protocol violation: a client that took it
// for progress would wait, or send the next command, at the wrong time.
type sequence struct {
	preliminary  []int // 1xx codes allowed before the final reply
	intermediate []int // 3xx codes allowed (the client sends the next command)
}

// Preliminary and intermediate codes shared by several commands.
var (
	// transfer: RFC 959 §5.4 lists "125, 150 (110)" for RETR, STOR, STOU,
	// APPE, LIST and NLST; 110 is the restart marker of block mode.
	transfer = sequence{preliminary: []int{110, 125, 150}}
	// none: no 1xx, no 3xx.
	none = sequence{}
)

// sequences is the per-command table. Each entry cites where the sequence
// is defined; commands with neither a 1xx nor a 3xx are listed too, so
// that "not listed" means "a command no RFC here defines" (see
// sequenceStep).
var sequences = map[string]sequence{
	// RFC 959 §5.4 "Connection Establishment": 120, then 220; 421.
	Greeting: {preliminary: []int{120}},

	// RFC 959 §5.4 login: USER 230 (no password needed: a valid
	// logged-in), 331, 332; PASS 230, 202, 332; ACCT 230, 202.
	// RFC 2228 §4 adds 232 and 336 (challenge) to USER.
	"USER": {intermediate: []int{331, 332, 336}},
	"PASS": {intermediate: []int{332}},
	"ACCT": none,
	"CWD":  none, "XCWD": none, // RFC 959; X-forms from RFC 775
	"CDUP": none, "XCUP": none,
	"SMNT": none,
	// RFC 959 §5.4: REIN 120, 220; QUIT 221.
	"REIN": {preliminary: []int{120}},
	"QUIT": none,

	// RFC 959 §5.4 transfer parameters: PORT 200; PASV 227; MODE, TYPE,
	// STRU 200. No 1xx and no 3xx: "150" or "350" to PORT or PASV is a
	// violation.
	"PORT": none, "PASV": none, "MODE": none, "TYPE": none, "STRU": none,
	// RFC 2428 §2, §3: EPRT 200; EPSV 229; 522 names the protocols served.
	"EPRT": none, "EPSV": none,

	// RFC 959 §5.4 file actions. ALLO 200, 202; REST 350 (RFC 3659 §5.5
	// keeps 350 for STREAM mode); RNFR 350 then RNTO 250; RETR, STOR, STOU,
	// APPE, LIST, NLST 125/150 (110) then 226/250. A 3xx to RETR or LIST
	// is a violation.
	"ALLO": none,
	"REST": {intermediate: []int{350}},
	"RNFR": {intermediate: []int{350}},
	"RNTO": none,
	"RETR": transfer, "STOR": transfer, "STOU": transfer, "APPE": transfer,
	"LIST": transfer, "NLST": transfer,
	"ABOR": none, "DELE": none,
	"RMD": none, "XRMD": none, "MKD": none, "XMKD": none, "PWD": none, "XPWD": none,

	// RFC 959 §5.4 informational and miscellaneous: SYST 215; STAT 211,
	// 212, 213; HELP 211, 214; SITE 200, 202; NOOP 200.
	"SYST": none, "STAT": none, "HELP": none, "SITE": none, "NOOP": none,

	// RFC 3659: SIZE 213 (§4), MDTM 213 (§3), MLST 250 (§7), MLSD like
	// LIST: 125/150 then 226/250 (§7).
	"SIZE": none, "MDTM": none, "MLST": none,
	"MLSD": {preliminary: []int{125, 150}},

	// RFC 2389: FEAT 211 (§3), OPTS 200 (§4).
	"FEAT": none, "OPTS": none,

	// RFC 2228 §4 security extensions: AUTH 234, 334 (ADAT expected);
	// ADAT 235, 335; PBSZ 200; PROT 200; CCC 200. RFC 4217 (FTP over TLS)
	// uses AUTH 234 only, and the same PBSZ/PROT/CCC codes.
	"AUTH": {intermediate: []int{334}},
	"ADAT": {intermediate: []int{335}},
	"PBSZ": none, "PROT": none, "CCC": none,

	// RFC 7151 §3: HOST 220, or 120 then 220, like the greeting.
	"HOST": {preliminary: []int{120}},
}

// sequenceStep places code in verb's sequence. Codes outside 100-599 are
// violations (RFC 959 §4.2 defines the first digit 1-5 only; RFC 2228's
// 6xx protected replies are not in use here). After a 1xx only a final
// reply (2xx, 4xx, 5xx) may follow. A verb no RFC above defines gets the
// benefit of the doubt: its 1xx and 3xx are taken at face value, since no
// sequence says they are wrong.
func sequenceStep(verb string, code int, afterPreliminary bool) Step {
	if code < 100 || code > 599 {
		return StepViolation
	}
	seq, known := sequences[verb]
	switch code / 100 {
	case 1:
		if afterPreliminary {
			return StepViolation
		}
		if !known || containsInt(seq.preliminary, code) {
			return StepPreliminary
		}
		return StepViolation
	case 2:
		return StepSuccess
	case 3:
		if afterPreliminary {
			return StepViolation
		}
		if !known || containsInt(seq.intermediate, code) {
			return StepIntermediate
		}
		return StepViolation
	case 4:
		return StepTransient
	}
	return StepPermanent
}

// fileVerbs are the commands whose 450/550-class replies are about the
// file or directory they name (RFC 959 §4.2: 450, 550 "file unavailable",
// 451 is left out: "local error in processing" is the server's own).
var fileVerbs = []string{
	"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD", "MLST", "DELE", "SIZE", "MDTM",
	"CWD", "XCWD", "CDUP", "XCUP", "MKD", "XMKD", "RMD", "XRMD", "RNFR", "RNTO",
}

// codeMeaning is the meaning a code carries by itself when no wording row
// matched: only what RFC 959 and its extensions define for the code.
func codeMeaning(verb string, code int, step Step) Meaning {
	if step == StepViolation {
		return MeaningNone
	}
	switch {
	case code == 332 || code == 532:
		// RFC 959 §4.2: 332 "Need account for login", 532 "Need account
		// for storing files".
		return MeaningAccountNeeded
	case code == 421:
		// RFC 959 §4.2: "Service not available, closing control
		// connection"; a limit is told apart by its wording.
		return MeaningServiceClosing
	case verb == "AUTH" && (step == StepTransient || step == StepPermanent):
		// RFC 2228 §4: AUTH refused (431, 500, 502, 504): no TLS here.
		return MeaningTLSUnavailable
	case code == 534:
		// RFC 2228 §4: "Request denied for policy reasons"; RFC 4217 §6
		// and §9: the server requires protection.
		return MeaningTLSRequired
	case (verb == "PBSZ" || verb == "PROT") && (code == 500 || code == 502 || code == 504 || code == 536):
		// RFC 2228 §4: 536 "Requested PROT level not supported by
		// mechanism"; 504 "Command not implemented for that parameter".
		return MeaningTLSUnavailable
	case code == 425 || code == 426:
		// RFC 959 §4.2: "Can't open data connection", "Connection
		// closed; transfer aborted".
		return MeaningDataConnectionFailed
	case code == 502 || code == 504:
		// RFC 959 §4.2: "Command not implemented" (for that parameter).
		return MeaningNotImplemented
	case code == 522 && (verb == "EPRT" || verb == "EPSV"):
		// RFC 2428 §2: "Network protocol not supported".
		return MeaningProtocolUnsupported
	case code == 530:
		// RFC 959 §4.2: "Not logged in": to a login command the login was
		// refused; to any other the session is not logged in.
		switch verb {
		case "USER", "PASS", "ACCT":
			return MeaningAuthFailed
		}
		return MeaningLoginRequired
	case (code == 450 || code == 550 || code == 551 || code == 552 || code == 553 || code == 452) && containsString(fileVerbs, verb):
		return MeaningFileRefused
	case step == StepTransient:
		return MeaningTransient
	}
	return MeaningNone
}

// Defined reports whether verb (any case) is a command one of the RFCs
// above defines: what tells an FTP dialogue from another protocol's on
// the same port.
func Defined(verb string) bool {
	_, ok := sequences[strings.ToUpper(verb)]
	return ok
}
