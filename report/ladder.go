package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// ladders draws one ladder per applicable mode that tried to connect.
func ladders(in *input) []Ladder {
	out := in.arena.ladders.take(len(in.modes()))[:0]
	var lines replyLines
	for _, mr := range in.modes() {
		if !mr.Connect.Ran() {
			continue
		}
		out = append(out, in.ladder(mr, &lines))
	}
	return out
}

// replyLines remembers the first replies' replyLine, by code and lines: a
// session rebuilt from a capture has its login's replies in every mode's
// transcript (copies, whose lines are the same strings). In arrays, to
// stay on the stack.
type replyLines struct {
	codes [16]int
	lines [16][]string
	texts [16]string
	n     int
}

func (m *replyLines) line(r *ftp.Reply) string {
	for i := range m.n {
		// A nil and an empty Lines give the same line: replyLine ranges over it.
		if m.codes[i] == r.Code && slices.Equal(m.lines[i], r.Lines) {
			return m.texts[i]
		}
	}
	t := replyLine(r)
	if m.n < len(m.codes) {
		m.codes[m.n], m.lines[m.n], m.texts[m.n] = r.Code, r.Lines, t
		m.n++
	}
	return t
}

func (in *input) ladder(mr *probe.ModeResult, lines *replyLines) Ladder {
	l := Ladder{Mode: string(mr.Mode), Client: orDash(mr.ControlLocal), Server: mr.ControlRemote}
	if l.Server == "" {
		l.Server = in.r.Target.Address()
	}
	var buf [maxAttempts]attempt // off the heap: the capture report makes thousands
	atts := appendAttempts(buf[:0], mr)
	ev := in.arena.events.take(ladderSize(mr, len(atts)))[:0]
	add := func(e LadderEvent) { ev = append(ev, e) }
	// Control connection handshake.
	add(LadderEvent{T: mr.Connect.T0, From: "client", Conn: "control", Label: synLabel(portOf(l.Server)), Lost: mr.Connect.Outcome == probe.OutcomeTimeout})
	add(answer(mr.Connect, "server", "control"))
	for _, ex := range mr.Transcript {
		if ex.Command != "" {
			add(LadderEvent{T: ex.T, From: "client", Conn: "control", Label: ex.Command})
		}
		if ex.Reply != nil {
			add(LadderEvent{T: replyTime(ex), From: "server", Conn: "control", Label: lines.line(ex.Reply)})
		}
	}
	for _, a := range atts {
		ev = dataEvents(ev, mr, a, in.an == nil)
	}
	// Drop empty answers and sort by time; the stable sort keeps a command
	// before its reply.
	kept := ev[:0]
	for _, e := range ev {
		if e.Label != "" {
			kept = append(kept, e)
		}
	}
	// Compared with < alone (not cmp.Compare, which orders NaN): the
	// order sort.SliceStable gave, without its reflection.
	slices.SortStableFunc(kept, func(a, b LadderEvent) int {
		switch {
		case a.T < b.T:
			return -1
		case b.T < a.T:
			return 1
		}
		return 0
	})
	l.Events = kept
	return l
}

// replyTime is when an exchange's reply came: its own time for a reply
// to a command, the entry's for the greeting and replies of their own.
func replyTime(ex probe.Exchange) float64 {
	if ex.Command != "" && ex.ReplyT > ex.T {
		return ex.ReplyT
	}
	return ex.T
}

// synLabel is "SYN :21", in one allocation.
func synLabel(port uint16) string {
	var buf [16]byte
	return string(strconv.AppendUint(append(buf[:0], "SYN :"...), uint64(port), 10))
}

// ladderSize is the most events a mode's ladder has: the handshake's two,
// one per command and reply, and three per data connection attempt. Sized
// exactly for the transcript, as the capture report draws thousands of
// ladders (2 + 2 per exchange was a fifth too many on a generated capture).
func ladderSize(mr *probe.ModeResult, attempts int) int {
	n := 2 + 3*attempts
	for i := range mr.Transcript {
		if mr.Transcript[i].Command != "" {
			n++
		}
		if mr.Transcript[i].Reply != nil {
			n++
		}
	}
	return n
}

// dataEvents appends the events of a data connection attempt: its SYN
// (or why none was sent), the answer and the transfer. probeRun: the
// result is a probe's, whose active connect step starts when it began to
// wait for the server's connection, before the transfer command, and ends
// when the connection was accepted: the server's SYN is drawn then (a
// captured SYN has its own time).
func dataEvents(ev []LadderEvent, mr *probe.ModeResult, a attempt, probeRun bool) []LadderEvent {
	c := a.dc.Connect
	if !c.Ran() && c.Outcome != probe.OutcomeRefusedByPolicy {
		return ev
	}
	opener, other := "client", "server"
	target := a.dc.Dialled
	if !mr.Mode.Passive() {
		opener, other = "server", "client"
		target = a.dc.Listened
	}
	if target == "" {
		target = a.dc.Announced
	}
	if c.Outcome == probe.OutcomeRefusedByPolicy {
		return append(ev, LadderEvent{T: c.T0, From: opener, Conn: "data", Label: "not dialled: " + a.dc.Announced, Lost: true})
	}
	e := LadderEvent{T: c.T0, From: opener, Conn: "data", Label: "SYN " + target + " (" + a.name + ")", Lost: c.Outcome == probe.OutcomeTimeout}
	if probeRun && !mr.Mode.Passive() && c.OK() {
		e.T = c.T
	}
	if e.Lost {
		e.Label += fmt.Sprintf(" no answer in %.1f s", c.T-c.T0)
	}
	ev = append(ev, e)
	if ans := answer(c, other, "data"); ans.Label != "" {
		ev = append(ev, ans)
	}
	if c.OK() && a.tr.Step.Ran() {
		ev = append(ev, LadderEvent{T: a.tr.Step.T, From: "server", Conn: "data", Label: transferLabel(a)})
	}
	return ev
}

// transferLabel is "LIST data: 1234 bytes, ok", in one allocation.
func transferLabel(a attempt) string {
	var buf [64]byte
	b := append(append(buf[:0], a.name...), " data: "...)
	b = append(strconv.AppendInt(b, a.tr.Bytes, 10), " bytes, "...)
	b = append(b, a.tr.Step.Outcome...)
	if a.tr.Aborted {
		b = append(b, ", aborted"...)
	}
	return string(b)
}

// answer is the reply to a SYN: SYN-ACK, RST or ICMP; empty when none came.
func answer(s probe.Step, from, conn string) LadderEvent {
	e := LadderEvent{T: s.T, From: from, Conn: conn}
	switch s.Outcome {
	case probe.OutcomeOK:
		e.Label = "SYN-ACK"
	case probe.OutcomeRefused:
		e.Label = "RST (refused)"
	case probe.OutcomeUnreachable:
		e.Label = "ICMP unreachable"
		if from == "server" {
			e.Label = "ICMP unreachable / no route"
		}
	}
	return e
}

// ladderWidth is the number of characters between the two columns of the
// text ladder: wide enough for a 227 reply, narrow enough for 100 columns.
const ladderWidth = 60

// drawLadder renders a ladder as plain characters: control messages as
// "--->", data connections as "===>", an X where a packet died. clean
// sanitises server-controlled labels.
func drawLadder(l Ladder, clean func(string) string) string {
	var b strings.Builder
	left := "client " + clean(l.Client)
	right := "server " + clean(l.Server)
	gap := ladderWidth + 2 - len([]rune(left)) - len([]rune(right))
	if gap < 1 {
		gap = 1
	}
	fmt.Fprintf(&b, "%9s %s%s%s\n", "", left, strings.Repeat(" ", gap), right)
	fmt.Fprintf(&b, "%9s |%s|\n", "", strings.Repeat(" ", ladderWidth))
	for _, e := range l.Events {
		fmt.Fprintf(&b, "%8.3fs |%s|\n", e.T, arrow(e, clean(e.Label)))
	}
	return b.String()
}

// arrow draws one event across ladderWidth characters.
func arrow(e LadderEvent, label string) string {
	line := "-"
	if e.Conn == "data" {
		line = "="
	}
	w := ladderWidth
	max := w - 8
	if r := []rune(label); len(r) > max {
		label = string(r[:max-3]) + "..."
	}
	label = " " + label + " "
	n := len([]rune(label))
	if e.Lost {
		// The packet dies two thirds of the way across.
		span := w * 2 / 3
		if span < n+4 {
			span = n + 4
		}
		if span > w {
			span = w
		}
		fill := span - n - 3
		if e.From == "client" {
			return line + line + label + strings.Repeat(line, max0(fill)) + "X" + strings.Repeat(" ", w-span)
		}
		return strings.Repeat(" ", w-span) + "X" + strings.Repeat(line, max0(fill)) + label + line + line
	}
	fill := w - n - 3
	if e.From == "client" {
		return line + line + label + strings.Repeat(line, max0(fill)) + ">"
	}
	return "<" + line + line + label + strings.Repeat(line, max0(fill))
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}
