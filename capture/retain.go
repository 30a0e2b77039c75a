package capture

import (
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// Bounds on the dialogue text a capture keeps. Every reply is still read
// whole (ftp.MaxReplyBytes) and its meaning taken from all of it; only
// what is kept for the report is cut, and FTPSession.TextCut says how
// much. Real dialogues stay far below: a banner, a FEAT list and a few
// hundred short replies are tens of KiB.
const (
	// maxReplyText bounds the text kept of one reply or command.
	maxReplyText = 4 << 10
	// maxSessionText bounds the text kept of one control connection.
	maxSessionText = 256 << 10
	// maxCaptureText bounds the text kept of a whole capture.
	maxCaptureText = 32 << 20
	// minReplyText is kept of each reply's first line whatever the budget
	// left: the code and the words that say what it means.
	minReplyText = 80
)

// textBudget is what is left of maxCaptureText, shared by the sessions.
type textBudget struct{ left int }

// allowance is how many bytes of text the session may keep next.
func (fs *ftpStream) allowance() int {
	return max(min(maxReplyText, maxSessionText-fs.textKept, fs.budget.left), minReplyText)
}

// charge accounts n bytes kept and cut bytes not kept.
func (fs *ftpStream) charge(n, cut int) {
	fs.textKept += n
	fs.budget.left = max(fs.budget.left-n, 0)
	fs.s.TextCut += int64(cut)
}

// keepReply returns rep cut to the session's allowance: whole lines while
// they fit, the first line cut if it alone does not.
func (fs *ftpStream) keepReply(rep ftp.Reply) ftp.Reply {
	allow := fs.allowance()
	size := 0
	for _, l := range rep.Lines {
		size += len(l) + 1
	}
	if size <= allow {
		fs.charge(size, 0)
		return rep
	}
	kept := ftp.Reply{Code: rep.Code}
	n := 0
	for _, l := range rep.Lines {
		if n+len(l)+1 > allow {
			if n == 0 {
				kept.Lines = append(kept.Lines, strings.ToValidUTF8(l[:min(len(l), allow)], ""))
				n = allow
			}
			break
		}
		kept.Lines = append(kept.Lines, l)
		n += len(l) + 1
	}
	fs.charge(n, size-n)
	return kept
}

// keepCommand returns a command line cut to the session's allowance.
func (fs *ftpStream) keepCommand(text string) string {
	allow := fs.allowance()
	if len(text) <= allow {
		fs.charge(len(text), 0)
		return text
	}
	fs.charge(allow, len(text)-allow)
	return strings.ToValidUTF8(text[:allow], "")
}
