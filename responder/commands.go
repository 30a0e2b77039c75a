package responder

import (
	"context"
	"fmt"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// handler answers one command; false ends the session.
type handler func(s *session, ctx context.Context, arg string) bool

// preAuth are the verbs served before the challenge is answered: none of
// them serves data or makes the responder connect anywhere.
var preAuth = map[string]bool{"USER": true, "PASS": true, "AUTH": true, "PBSZ": true, "PROT": true,
	"FEAT": true, "SYST": true, "NOOP": true, "QUIT": true, "SITE": true, "OPTS": true, "HELP": true, "TYPE": true}

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"USER": (*session).cmdUser, "PASS": (*session).cmdPass, "AUTH": (*session).cmdAuth,
		"PBSZ": (*session).cmdPbsz, "PROT": (*session).cmdProt, "FEAT": (*session).cmdFeat,
		"SYST": simple(215, "UNIX Type: L8"), "NOOP": simple(200, "NOOP ok."),
		"HELP": simple(214, "Commands: see FEAT; SITE FTPDIAG AUTH <answer>, SITE FTPDIAG CALLBACK <kind> <seconds>, SITE FTPDIAG REPORT."),
		"QUIT": (*session).cmdQuit, "SITE": (*session).cmdSite, "OPTS": (*session).cmdOpts,
		"TYPE": (*session).cmdType, "MODE": oneOf("S", "MODE"), "STRU": oneOf("F", "STRU"),
		"PWD": simple(257, `"/" is the only directory.`), "CWD": (*session).cmdCwd, "CDUP": simple(250, "Directory is /."),
		"SIZE": (*session).cmdSize, "PASV": (*session).cmdPasv, "EPSV": (*session).cmdEpsv,
		"PORT": (*session).cmdPort, "EPRT": (*session).cmdEprt, "LIST": (*session).cmdList,
		"NLST": (*session).cmdNlst, "RETR": (*session).cmdRetr, "ABOR": simple(225, "No transfer to abort."),
		"STOR": readOnly, "APPE": readOnly, "STOU": readOnly, "DELE": readOnly, "MKD": readOnly,
		"RMD": readOnly, "RNFR": readOnly,
	}
}

// handle answers one command line.
func (s *session) handle(ctx context.Context, line string) bool {
	verb, arg := verbArg(line)
	h := handlers[verb]
	switch {
	case h == nil:
		return s.reply(502, "Command not implemented.", "")
	case !s.authed && !preAuth[verb]:
		return s.reply(530, "Answer the challenge first: SITE FTPDIAG AUTH <hex HMAC-SHA256(secret, nonce from FEAT)>.", "challenge not answered")
	case !s.loggedIn && !preAuth[verb]:
		return s.reply(530, "Please login with USER and PASS.", "")
	}
	return h(s, ctx, arg)
}

func simple(code int, text string) handler {
	return func(s *session, _ context.Context, _ string) bool { return s.reply(code, text, "") }
}

func oneOf(want, verb string) handler {
	return func(s *session, _ context.Context, arg string) bool {
		if strings.EqualFold(strings.TrimSpace(arg), want) {
			return s.reply(200, verb+" set to "+want+".", "")
		}
		return s.reply(504, verb+" "+want+" only.", "")
	}
}

func readOnly(s *session, _ context.Context, _ string) bool {
	return s.reply(550, "Permission denied: the responder stores nothing.", "")
}

func (s *session) cmdUser(_ context.Context, _ string) bool {
	s.user, s.loggedIn = true, false
	return s.reply(331, "Any password will do: the responder has no accounts.", "")
}

func (s *session) cmdPass(_ context.Context, _ string) bool {
	if !s.user {
		return s.reply(503, "Login with USER first.", "")
	}
	s.loggedIn = true
	return s.reply(230, "Login successful.", "")
}

func (s *session) cmdQuit(_ context.Context, _ string) bool {
	s.reply(221, "Goodbye.", "")
	s.ended = "quit"
	return false
}

func (s *session) cmdFeat(_ context.Context, _ string) bool {
	feats := []string{"EPRT", "EPSV", "PASV", "SIZE", "UTF8"}
	if s.cfg.TLS != nil {
		feats = append(feats, "AUTH TLS", "PBSZ", "PROT")
	}
	feats = append(feats, fmt.Sprintf("%s %s %s", ftp.ResponderFeatPrefix, s.cfg.Version, s.nonce))
	var b strings.Builder
	b.WriteString("211-Features:\r\n")
	for _, f := range feats {
		b.WriteString(" " + f + "\r\n")
	}
	b.WriteString("211 End")
	s.setReply(211)
	return s.write(b.String())
}

func (s *session) cmdOpts(_ context.Context, arg string) bool {
	if strings.EqualFold(strings.TrimSpace(arg), "UTF8 ON") {
		return s.reply(200, "Always in UTF8 mode.", "")
	}
	return s.reply(501, "Option not understood.", "")
}

func (s *session) cmdType(_ context.Context, arg string) bool {
	switch strings.ToUpper(strings.TrimSpace(arg)) {
	case "I", "L 8", "A", "A N":
		return s.reply(200, "Type set.", "")
	}
	return s.reply(504, "Type not supported.", "")
}

func (s *session) cmdCwd(_ context.Context, arg string) bool {
	switch strings.TrimSpace(arg) {
	case "", "/", ".":
		return s.reply(250, "Directory is /.", "")
	}
	return s.reply(550, "No such directory: the responder serves generated files in / only.", "")
}

func (s *session) cmdSize(_ context.Context, arg string) bool {
	f, ok := lookupFile(strings.TrimSpace(arg))
	if !ok {
		return s.reply(550, "No such file.", "")
	}
	return s.reply(213, fmt.Sprint(f.size), "")
}

// cmdSite serves SITE FTPDIAG AUTH, CALLBACK (callback.go) and REPORT.
func (s *session) cmdSite(ctx context.Context, arg string) bool {
	f := strings.Fields(arg)
	if len(f) < 2 || !strings.EqualFold(f[0], "FTPDIAG") {
		return s.reply(504, "Unknown SITE command.", "")
	}
	switch strings.ToUpper(f[1]) {
	case "AUTH":
		return s.siteAuth(f[2:])
	case "CALLBACK":
		return s.siteCallback(ctx, f[2:])
	case "REPORT":
		if !s.authed {
			return s.reply(530, "Answer the challenge first.", "challenge not answered")
		}
		s.setReply(200)
		return s.write("200 " + string(recordJSON(s.rec)))
	}
	return s.reply(504, "Unknown SITE FTPDIAG command.", "")
}

func (s *session) siteAuth(args []string) bool {
	if s.cfg.Open {
		return s.reply(200, "This responder is open: no secret needed.", "")
	}
	if len(args) == 1 && verify(s.cfg.Secret, s.nonce, args[0]) {
		s.authed, s.rec.Authenticated = true, true
		return s.reply(200, "Challenge answered.", "")
	}
	s.authFails++
	if s.authFails >= maxAuthFailures {
		s.reply(421, "Wrong answer to the challenge too many times.", "bad challenge answer")
		s.ended = "bad challenge answers"
		return false
	}
	return s.reply(535, "Wrong answer to the challenge.", "bad challenge answer")
}
