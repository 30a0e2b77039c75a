package ftp

import (
	"strconv"
	"strings"
)

// EntryType is the kind of a directory entry in a LIST line.
type EntryType string

// Entry types.
const (
	EntryFile  EntryType = "file"
	EntryDir   EntryType = "dir"
	EntryLink  EntryType = "link"
	EntryOther EntryType = "other"
)

// ListEntry is one parsed LIST line.
type ListEntry struct {
	Name string    `json:"name"`
	Size int64     `json:"size"`
	Type EntryType `json:"type"`
}

// ParseListLine parses one line of LIST output, in either of the two styles
// servers use:
//
//	-rw-r--r--    1 0        0         1048576 Nov 25 17:00 big.bin     (Unix ls -l: vsftpd, ProFTPD, Pure-FTPd, FileZilla)
//	lrwxrwxrwx    1 0        0               7 Jan 02  2024 cur -> v1.2
//	11-25-26  05:00PM                 1234 file.txt                      (DOS: IIS)
//	11-25-26  05:00PM       <DIR>          sub dir
//
// A symbolic link's Name is the link name, without " -> target". Names keep
// their inner spaces. ok is false for "total 8" and anything unparseable.
func ParseListLine(line string) (ListEntry, bool) {
	line = strings.TrimRight(line, "\r\n")
	toks := fields(line)
	if len(toks) == 0 {
		return ListEntry{}, false
	}
	if e, ok := parseUnix(line, toks); ok {
		return e, true
	}
	return parseDOS(line, toks)
}

// field is a run of non-blank bytes of a line and where it ends.
type field struct {
	s   string
	end int
}

func fields(line string) []field {
	var out []field
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		start := i
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		if i > start {
			out = append(out, field{line[start:i], i})
		}
	}
	return out
}

// parseUnix handles "ls -l" lines. Owner and group columns vary (some
// servers omit the group, owners may be numeric), so it anchors on the date:
// a month name, a day and a time or year, or an ISO date and a time; the
// size is the field before it and the name is everything after it.
func parseUnix(line string, toks []field) (ListEntry, bool) {
	typ, ok := unixType(toks[0].s)
	if !ok {
		return ListEntry{}, false
	}
	for k := 2; k+1 < len(toks); k++ {
		var last int // index of the date's last field
		switch {
		case k+2 < len(toks) && isMonth(toks[k].s) && isDay(toks[k+1].s) && (isClock(toks[k+2].s) || isYear(toks[k+2].s)):
			last = k + 2
		case isISODate(toks[k].s) && isClock(toks[k+1].s):
			last = k + 1
		default:
			continue
		}
		size, err := strconv.ParseInt(toks[k-1].s, 10, 64)
		if err != nil || size < 0 {
			continue
		}
		end := toks[last].end
		if end+1 >= len(line) {
			return ListEntry{}, false
		}
		name := line[end+1:] // one separating space; the rest is the name
		if typ == EntryLink {
			if i := strings.Index(name, " -> "); i > 0 {
				name = name[:i]
			}
		}
		if strings.TrimSpace(name) == "" { // a link named only by blanks: none
			return ListEntry{}, false
		}
		return ListEntry{Name: name, Size: size, Type: typ}, true
	}
	return ListEntry{}, false
}

// unixType checks a permission field such as "-rw-r--r--" or "drwxr-xr-x+"
// and returns the entry type its first letter gives.
func unixType(p string) (EntryType, bool) {
	if len(p) < 10 || len(p) > 11 {
		return "", false
	}
	for i := 1; i < 10; i++ {
		if !strings.ContainsRune("rwxsStTlL-", rune(p[i])) {
			return "", false
		}
	}
	if len(p) == 11 && !strings.ContainsRune("+@.", rune(p[10])) {
		return "", false
	}
	switch p[0] {
	case '-':
		return EntryFile, true
	case 'd':
		return EntryDir, true
	case 'l':
		return EntryLink, true
	case 'b', 'c', 'p', 's', 'D', 'n', '?':
		return EntryOther, true
	}
	return "", false
}

var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func isMonth(s string) bool {
	for _, m := range months {
		if strings.EqualFold(s, m) {
			return true
		}
	}
	return false
}

func isDay(s string) bool {
	n, ok := smallNumber(s, 2)
	return ok && n >= 1 && n <= 31
}

func isYear(s string) bool {
	n, ok := smallNumber(s, 4)
	return ok && len(s) == 4 && n >= 1900
}

// isClock accepts "17:00" and "17:00:59".
func isClock(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for i, p := range parts {
		n, ok := smallNumber(p, 2)
		if !ok || (i == 0 && n > 23) || (i > 0 && n > 59) {
			return false
		}
	}
	return true
}

// isISODate accepts "2025-11-25".
func isISODate(s string) bool {
	return len(s) == 10 && s[4] == '-' && s[7] == '-' &&
		isYear(s[:4]) && isNumberIn(s[5:7], 1, 12) && isNumberIn(s[8:10], 1, 31)
}

func isNumberIn(s string, lo, hi int) bool {
	n, ok := smallNumber(s, 2)
	return ok && n >= lo && n <= hi
}

// smallNumber parses 1..maxDigits decimal digits.
func smallNumber(s string, maxDigits int) (int, bool) {
	if s == "" || len(s) > maxDigits {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseDOS handles IIS "MS-DOS" style lines: a date (MM-DD-YY, MM-DD-YYYY,
// or with slashes), a time ("05:00PM" or "17:00"), then "<DIR>" or a size,
// then the name.
func parseDOS(line string, toks []field) (ListEntry, bool) {
	if len(toks) < 4 || !isDOSDate(toks[0].s) || !isDOSTime(toks[1].s) {
		return ListEntry{}, false
	}
	name := strings.TrimLeft(line[toks[2].end:], " \t")
	if strings.TrimSpace(name) == "" { // a name of only \f, \v...: none
		return ListEntry{}, false
	}
	if strings.EqualFold(toks[2].s, "<DIR>") {
		return ListEntry{Name: name, Type: EntryDir}, true
	}
	size, err := strconv.ParseInt(toks[2].s, 10, 64)
	if err != nil || size < 0 {
		return ListEntry{}, false
	}
	return ListEntry{Name: name, Size: size, Type: EntryFile}, true
}

func isDOSDate(s string) bool {
	sep := "-"
	if strings.Contains(s, "/") {
		sep = "/"
	}
	p := strings.Split(s, sep)
	if len(p) != 3 {
		return false
	}
	if _, ok := smallNumber(p[2], 4); !ok || (len(p[2]) != 2 && len(p[2]) != 4) {
		return false
	}
	return isNumberIn(p[0], 1, 12) && isNumberIn(p[1], 1, 31)
}

func isDOSTime(s string) bool {
	u := strings.ToUpper(s)
	if strings.HasSuffix(u, "AM") || strings.HasSuffix(u, "PM") {
		u = u[:len(u)-2]
		n, ok := smallNumber(strings.Split(u, ":")[0], 2)
		return ok && n >= 1 && n <= 12 && isClock(u)
	}
	return isClock(u)
}
