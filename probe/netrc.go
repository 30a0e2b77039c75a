package probe

import "strings"

// netrcPassword finds the password for login on machine in netrc text
// (the ~/.netrc format read by ftp(1) and curl): "machine H login U
// password P" entries, or a "default" entry. Macros (macdef) are skipped.
func netrcPassword(text, machine, login string) (string, bool) {
	type entry struct{ machine, login, password string }
	var entries []entry
	var cur *entry
	fields := netrcTokens(text)
	for i := 0; i < len(fields); i++ {
		switch fields[i] {
		case "machine", "default":
			entries = append(entries, entry{})
			cur = &entries[len(entries)-1]
			if fields[i] == "machine" && i+1 < len(fields) {
				i++
				cur.machine = fields[i]
			} else {
				cur.machine = "*"
			}
		case "login", "password", "account":
			if cur == nil || i+1 >= len(fields) {
				continue
			}
			i++
			if fields[i-1] == "login" {
				cur.login = fields[i]
			} else if fields[i-1] == "password" {
				cur.password = fields[i]
			}
		}
	}
	for _, want := range []string{machine, "*"} {
		for _, e := range entries {
			if strings.EqualFold(e.machine, want) && (e.login == "" || e.login == login) && e.password != "" {
				return e.password, true
			}
		}
	}
	return "", false
}

// netrcTokens splits netrc text into whitespace-separated tokens, dropping
// macdef bodies (which run until a blank line) and # comments.
func netrcTokens(text string) []string {
	var out []string
	inMacro := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if inMacro {
			if strings.TrimSpace(line) == "" {
				inMacro = false
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		f := strings.Fields(line)
		for i, tok := range f {
			if tok == "macdef" {
				inMacro = true
				f = f[:i]
				break
			}
		}
		out = append(out, f...)
	}
	return out
}
