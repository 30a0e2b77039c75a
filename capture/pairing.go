package capture

import (
	"bytes"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// Pairing replies with the commands they answer.
//
// Replies come in command order (RFC 959 §5.4), so the oldest command
// still waiting takes the next reply, with four facts from the wire on
// top of position:
//   - the server's first reply on a connection seen from its SYN is the
//     greeting, even when the client sent commands before it;
//   - a reply answers only a command the server had received: the reply
//     segment's acknowledgment covers the command's last byte;
//   - after server bytes the capture lost or could not read (a sequence
//     hole, an over-long or code-less line), a command sent once the client
//     had acknowledged those bytes was sent after their reply arrived: the
//     commands sent before it had their replies in the lost bytes. Among
//     the candidates, a reply goes to one whose RFC sequence allows it
//     (ftp.Interpret: a 150 does not answer PASV);
//   - a 221 answers a QUIT the server had received, whatever still waits
//     before it (quitAnswered).
//
// Client bytes lost in a hole become a placeholder exchange ("command
// lost") that takes the replies to them. Whatever the capture cannot tell
// is marked on the exchange (FTPExchange.Unknown) and never guessed.

// Values of FTPExchange.Unknown.
const (
	// UnknownCommandLost: the command fell in a hole of the capture.
	UnknownCommandLost = "command-lost"
	// UnknownReplyLost: the reply fell in a hole of the capture or could
	// not be read (an over-long or code-less line).
	UnknownReplyLost = "reply-lost"
	// UnknownUncertain: a reply is attached, but after a hole several
	// commands could have taken it: which one it answered is a guess.
	UnknownUncertain = "uncertain"
)

// holeCommand reports whether the first line after a hole in the client's
// stream is taken as a command: a hole most often ends where a segment,
// and so a command, begins, but it may end inside one (the tail of a PASS
// line must not read as a command). Only a command an FTP RFC defines,
// its verb in capitals as clients send it, is taken.
func holeCommand(line string) bool {
	verb, _, err := ftp.ParseCommand(line)
	return err == nil && ftp.Defined(verb) && strings.HasPrefix(line, verb)
}

// maxAwaiting bounds the commands held waiting for a reply.
const maxAwaiting = 64

// tcpAck is a segment's acknowledgment number, when its ACK flag is set.
type tcpAck struct {
	n  uint32
	ok bool
}

// awaitCmd is a command waiting for its final reply.
type awaitCmd struct {
	x    *FTPExchange
	verb string // "" for a placeholder
	// end is the client stream's sequence number just past the command;
	// seen the server stream's the client had acknowledged when it sent it.
	end  uint32
	seen tcpAck
	// lost: a placeholder for commands lost in a hole of the capture.
	lost bool
}

// await queues a command for its reply.
func (fs *ftpStream) await(x *FTPExchange, verb string) {
	fs.push(awaitCmd{x: x, verb: verb, end: fs.pos, seen: fs.ack})
}

// push queues a, if there is room. The queue is taken from its front
// (take): what still waits is moved back to the start of its array
// (fs.queue) when the end is reached, rather than the array allocated
// again for every command.
func (fs *ftpStream) push(a awaitCmd) {
	n := len(fs.awaiting)
	if n >= maxAwaiting {
		return
	}
	if n == cap(fs.awaiting) && n < cap(fs.queue) {
		fs.awaiting = fs.queue[:copy(fs.queue, fs.awaiting)]
	}
	fs.awaiting = append(fs.awaiting, a)
	if cap(fs.awaiting) > cap(fs.queue) {
		fs.queue = fs.awaiting[:0] // a new array
	}
}

// commandLost notes client bytes lost before the client stream's end: a
// placeholder exchange takes the replies to whatever they held, and a data
// set-up waiting for its transfer command may have lost it there.
func (fs *ftpStream) commandLost(end uint32, ref PacketRef) {
	if fs.setup != nil && fs.setup.Transfer == nil {
		fs.setup.Transfer = &FTPExchange{PacketRef: ref, Unknown: UnknownCommandLost}
		fs.setup = nil
	}
	if n := len(fs.awaiting); n > 0 && fs.awaiting[n-1].lost && len(fs.awaiting[n-1].x.Replies) == 0 {
		fs.awaiting[n-1].end = end
		return
	}
	x := &FTPExchange{PacketRef: ref, Unknown: UnknownCommandLost}
	if len(fs.s.Exchanges) < maxExchanges && fs.budget.keep() {
		fs.s.Exchanges = append(fs.s.Exchanges, x)
	} else {
		fs.s.Truncated = true
	}
	fs.push(awaitCmd{x: x, end: end, lost: true})
}

// replyLost notes server bytes lost or unreadable before the server
// stream's end: the next reply settles whose replies they were. unread is
// false for a line read whole that carries no code (it was no reply).
func (fs *ftpStream) replyLost(end uint32, unread bool) {
	fs.doubt, fs.doubtEnd = true, end
	fs.doubtUnread = fs.doubtUnread || unread
}

// received counts the waiting commands the server had received when it
// sent the segment being parsed (all of them when it carries no ACK).
func (fs *ftpStream) received() int {
	if !fs.ack.ok {
		return len(fs.awaiting)
	}
	n := 0
	for n < len(fs.awaiting) && !seqLT(fs.ack.n, fs.awaiting[n].end) {
		n++
	}
	return n
}

// after reports whether a was sent once the client had the server's bytes
// up to the doubt's end.
func (fs *ftpStream) after(a awaitCmd) bool {
	return a.seen.ok && !seqLT(a.seen.n, fs.doubtEnd)
}

// canTake reports whether rep may answer a: its command's RFC sequence
// allows it (any reply for a placeholder).
func canTake(a awaitCmd, rep ftp.Reply) bool {
	if a.lost {
		return true
	}
	prelim := len(a.x.Replies) > 0 && a.x.Replies[len(a.x.Replies)-1].Preliminary()
	return ftp.Interpret(a.verb, rep, prelim).Step != ftp.StepViolation
}

// pair returns the exchange rep answers, nil when it answers none of the
// waiting commands (the greeting, or an unsolicited reply).
func (fs *ftpStream) pair(rep ftp.Reply) *FTPExchange {
	n := fs.received()
	if fs.doubt {
		return fs.settleDoubt(rep, n)
	}
	if n == 0 {
		return nil
	}
	if fs.awaiting[0].lost && n > 1 && fs.awaiting[0].x.Final() != nil {
		// The placeholder has had its reply, and the server had the next
		// command too: the reply is the next command's.
		fs.awaiting = fs.awaiting[1:]
		n--
	}
	if i := quitAnswered(fs.awaiting[:n], rep); i > 0 {
		return fs.take(i, rep, n)
	}
	return fs.take(0, rep, n)
}

// quitAnswered returns the index of the first QUIT among the received
// waiting commands when rep is a 221, which RFC 959 §5.4 gives to QUIT
// alone ("service closing control connection"); -1 otherwise. The
// commands before it never got a final reply: the server closes without
// one (Pure-FTPd, after a client stopped reading a download, sends a
// second 150 line and no 226 or 426), and pairing by position alone would
// hand QUIT's 221 to a transfer as its completion.
func quitAnswered(received []awaitCmd, rep ftp.Reply) int {
	if rep.Code != 221 {
		return -1
	}
	for i, a := range received {
		if a.verb == "QUIT" {
			return i
		}
	}
	return -1
}

// take pairs rep with the waiting command i: the command keeps waiting
// after a 1xx, and a placeholder after any reply while the server had not
// received the command after it (the hole may have held several).
func (fs *ftpStream) take(i int, rep ftp.Reply, received int) *FTPExchange {
	a := fs.awaiting[i]
	fs.awaiting = fs.awaiting[i:]
	if !rep.Preliminary() && (!a.lost || received > 1) {
		fs.awaiting = fs.awaiting[1:]
	}
	return a.x
}

// settleDoubt pairs the first reply after lost or unreadable server bytes.
// Of the commands the server had received, the first sent after the
// client had those bytes and allowed to take rep takes it, and the
// commands before it had their replies in them; when none was sent after,
// the first allowed to take it does, marked uncertain. A reply no command
// may take leaves the doubt for the next.
func (fs *ftpStream) settleDoubt(rep ftp.Reply, n int) *FTPExchange {
	pick := -1
	for i := range n {
		if fs.after(fs.awaiting[i]) && canTake(fs.awaiting[i], rep) {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i := range n {
			if fs.after(fs.awaiting[i]) {
				break
			}
			if pick < 0 && canTake(fs.awaiting[i], rep) {
				pick = i
			}
		}
		if pick < 0 {
			return nil
		}
		// Bytes lost or unread may have held this command's own reply,
		// and rep answer something else (Pure-FTPd's "227 Logout." when
		// the client closes after a lost 227 is no answer to PASV): a
		// guess.
		if fs.doubtUnread {
			fs.awaiting[pick].x.mark(UnknownUncertain)
		}
	}
	fs.doubt, fs.doubtUnread = false, false
	for _, a := range fs.awaiting[:pick] {
		if a.x.Final() == nil {
			a.x.mark(UnknownReplyLost)
		}
	}
	return fs.take(pick, rep, n-pick)
}

// settle marks, when the stream ends in doubt, the commands whose replies
// the lost bytes may have held.
func (fs *ftpStream) settle() {
	if !fs.doubt {
		return
	}
	for _, a := range fs.awaiting {
		if !fs.after(a) && a.x.Final() == nil {
			a.x.mark(UnknownReplyLost)
		}
	}
	fs.doubt, fs.doubtUnread = false, false
}

// mark sets why the exchange is not known whole, keeping the first reason.
func (x *FTPExchange) mark(why string) {
	if x.Unknown == "" {
		x.Unknown = why
	}
}

// resync recovers from an over-long reply line or reply: reading resumes
// with a new reader at what the old one had buffered, past the rest of an
// unfinished line.
func (fs *ftpStream) resync() {
	rest, mid := fs.rr.Rest()
	fs.readers.put(fs.rr)
	fs.rr = fs.readers.get(&fs.feed)
	b := append(rest, fs.feed.b...)
	if mid {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			fs.skipLine = true
			b = nil
		} else {
			b = b[i+1:]
		}
	}
	fs.feed.b = b
}
