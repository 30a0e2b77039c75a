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
	// maxCaptureItems bounds the exchanges and data setups kept in a
	// capture (each costs about 200 bytes): past it sessions are marked
	// Truncated. The per-session caps alone allow 4096 exchanges in each
	// of 100k connections.
	maxCaptureItems = 1 << 19
	// maxHeld bounds the bytes held across all control streams while
	// they wait: segments behind a hole and replies still in progress.
	// Past it a hole is given up as lost and a reply in progress is
	// dropped (counted in TextCut).
	maxHeld = 64 << 20
)

// textBudget is what is left of the capture's bounds, shared by its
// sessions: text kept, exchanges kept, bytes held.
type textBudget struct {
	left    int // of maxCaptureText
	items   int // of maxCaptureItems
	held    int // against maxHeld
	maxHeld int
	// lines are the reply lines the capture's replies share (intern.go).
	lines lineTable
}

// keep takes one exchange or setup from the budget, if any is left.
func (b *textBudget) keep() bool {
	if b.items <= 0 {
		return false
	}
	b.items--
	return true
}

// hold takes n bytes to hold, if the bound allows.
func (b *textBudget) hold(n int) bool {
	if b.held+n > b.maxHeld {
		return false
	}
	b.held += n
	return true
}

// replyDone returns what the reply just read held: the bytes still to be
// read from the segment belong to the next one.
func (fs *ftpStream) replyDone() {
	rest := min(len(fs.feed.b), fs.inReply)
	fs.budget.held -= fs.inReply - rest
	fs.inReply = rest
}

// dropReply gives up the reply in progress; with skip, reading starts
// again after the next line end.
func (fs *ftpStream) dropReply(skip bool) {
	fs.budget.held -= fs.inReply
	fs.inReply = 0
	fs.readers.put(fs.rr)
	fs.rr = nil
	if skip {
		fs.skipLine = true
	}
}

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
		fs.shareLines(rep.Lines)
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
	fs.shareLines(kept.Lines)
	return kept
}

// shareLines replaces each line of a reply just read (its own slice) by
// the capture's shared copy.
func (fs *ftpStream) shareLines(lines []string) {
	if fs.budget.lines == nil {
		fs.budget.lines = lineTable{}
	}
	for i, l := range lines {
		lines[i] = fs.budget.lines.intern(l)
	}
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
