package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ftpdiag/ftpdiag/probe"
)

// ladders draws one ladder per applicable mode that tried to connect.
func ladders(in *input) []Ladder {
	out := []Ladder{}
	for _, mr := range in.modes() {
		if !mr.Connect.Ran() {
			continue
		}
		out = append(out, in.ladder(mr))
	}
	return out
}

func (in *input) ladder(mr *probe.ModeResult) Ladder {
	l := Ladder{Mode: string(mr.Mode), Client: orDash(mr.ControlLocal), Server: mr.ControlRemote}
	if l.Server == "" {
		l.Server = in.r.Target.Address()
	}
	// At most two events per exchange, the handshake's two and three per
	// attempt: sized once, as the capture report makes thousands.
	ev := make([]LadderEvent, 0, 2+2*len(mr.Transcript)+3*maxAttempts)
	add := func(e LadderEvent) { ev = append(ev, e) }
	port := portOf(l.Server)
	// Control connection handshake.
	add(LadderEvent{T: mr.Connect.T0, From: "client", Conn: "control", Label: fmt.Sprintf("SYN :%d", port), Lost: mr.Connect.Outcome == probe.OutcomeTimeout})
	add(answer(mr.Connect, "server", "control"))
	for _, ex := range mr.Transcript {
		if ex.Command != "" {
			add(LadderEvent{T: ex.T, From: "client", Conn: "control", Label: ex.Command})
		}
		if ex.Reply != nil {
			add(LadderEvent{T: ex.T, From: "server", Conn: "control", Label: replyLine(ex.Reply)})
		}
	}
	for _, a := range attempts(mr) {
		c := a.dc.Connect
		if !c.Ran() && c.Outcome != probe.OutcomeRefusedByPolicy {
			continue
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
			add(LadderEvent{T: c.T0, From: opener, Conn: "data", Label: "not dialled: " + a.dc.Announced, Lost: true})
			continue
		}
		e := LadderEvent{T: c.T0, From: opener, Conn: "data", Label: fmt.Sprintf("SYN %s (%s)", target, a.name), Lost: c.Outcome == probe.OutcomeTimeout}
		if e.Lost {
			e.Label += fmt.Sprintf(" no answer in %.1f s", c.T-c.T0)
		}
		add(e)
		if ans := answer(c, other, "data"); ans.Label != "" {
			add(ans)
		}
		if c.OK() && a.tr.Step.Ran() {
			add(LadderEvent{T: a.tr.Step.T, From: "server", Conn: "data", Label: fmt.Sprintf("%s data: %d bytes, %s", a.name, a.tr.Bytes, a.tr.Step.Outcome)})
		}
	}
	// Drop empty answers and sort by time; the stable sort keeps a command
	// before its reply.
	kept := ev[:0]
	for _, e := range ev {
		if e.Label != "" {
			kept = append(kept, e)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].T < kept[j].T })
	l.Events = kept
	return l
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
