package report

import (
	"fmt"
	"strconv"

	"github.com/ftpdiag/ftpdiag/probe"
)

// matrix builds one row per probed mode, in report order.
func matrix(in *input) []MatrixRow {
	if in.r == nil {
		return []MatrixRow{}
	}
	rows := in.arena.rows.take(min(len(in.r.Modes), len(probe.AllModes)))[:0]
	for _, m := range probe.AllModes {
		mr := in.r.Mode(m)
		if mr == nil {
			continue
		}
		row := MatrixRow{Mode: string(m), Applicable: mr.Applicable, Works: modeWorks(mr), Interrupted: in.modeCut(mr)}
		if in.an != nil {
			row.NotDue = notDue(mr)
			var buf [maxAttempts]attempt // off the heap, as in ladder
			for _, a := range appendAttempts(buf[:0], mr) {
				if a.primary {
					row.ListCommand = a.name
				} else {
					row.RetrCommand = a.name
				}
			}
		}
		if !mr.Applicable {
			row.Setup, row.Connect, row.List, row.Retr = "not-applicable", "-", "-", "-"
			rows = append(rows, row)
			continue
		}
		dc := mr.ListData
		row.Reply = replyLine(dc.Setup.Reply)
		row.Setup = outcomeOr(dc.Setup, mr)
		row.Announced = dc.Announced
		row.AddressPolicy = dc.AddressPolicy
		if m.Passive() {
			row.Endpoint, row.EndpointKind = dc.Dialled, "dialled"
		} else {
			row.Endpoint, row.EndpointKind = dc.Listened, "listened"
		}
		if row.Endpoint == "" {
			row.EndpointKind = ""
		}
		row.Connect = outcomeOr(dc.Connect, mr)
		row.List, row.ListBytes, row.ListReply = transferCell(&mr.List)
		row.ListAborted = in.an != nil && clientAborted(&mr.List)
		if mr.Retr != nil {
			row.Retr, row.RetrBytes, row.RetrReply = transferCell(mr.Retr)
			row.RetrAborted = in.an != nil && clientAborted(mr.Retr)
		} else {
			row.Retr = "-"
		}
		rows = append(rows, row)
	}
	return rows
}

// outcomeOr is a step's outcome, or why it did not run.
func outcomeOr(s probe.Step, mr *probe.ModeResult) string {
	if s.Outcome == "" {
		if !controlUp(mr) {
			return "skipped"
		}
		return "-"
	}
	if s.Outcome == probe.OutcomeReply && s.Reply != nil {
		return replyCell(s.Reply.Code)
	}
	return string(s.Outcome)
}

func transferCell(t *probe.Transfer) (string, int64, string) {
	rep := ""
	if t.Final != nil {
		rep = replyLine(t.Final)
	} else if t.Step.Reply != nil {
		rep = replyLine(t.Step.Reply)
	}
	o := string(t.Step.Outcome)
	if o == "" {
		o = "-"
	}
	if t.Step.Outcome == probe.OutcomeReply && t.Step.Reply != nil {
		o = replyCell(t.Step.Reply.Code)
	}
	return o, t.Bytes, rep
}

// clientAborted reports whether a transfer rebuilt from a capture worked
// as far as the client let it and was then interrupted by the client
// (client_abort.go). The probe's own transfer stopped at its byte limit is
// aborted too, but a probe report's cell stays "ok": the limit is the
// probe's setting, not news.
func clientAborted(t *probe.Transfer) bool {
	return t.Aborted && t.Step.Outcome == probe.OutcomeOK
}

// replyCell is "reply 550", in one allocation.
func replyCell(code int) string {
	var buf [32]byte
	return string(strconv.AppendInt(append(buf[:0], "reply "...), int64(code), 10))
}

// cellEndpoint renders "announced -> endpoint" for the tables.
func (r MatrixRow) cellEndpoint() string {
	switch {
	case r.Announced == "" && r.Endpoint == "":
		return "-"
	case r.Endpoint == "" || r.Endpoint == r.Announced:
		return orDash(r.Announced)
	case r.Announced == "":
		return r.Endpoint
	}
	return r.Announced + " -> " + r.Endpoint
}

func (r MatrixRow) cellReply() string {
	if r.Reply == "" {
		return r.Setup
	}
	return r.Reply
}

// abortedCell is the outcome a transfer cell shows for a transfer the
// client interrupted (MatrixRow.ListAborted).
const abortedCell = "aborted by client"

func bytesCell(o string, n int64, aborted bool) string {
	if aborted {
		o = abortedCell
	}
	if o == "ok" || aborted || n > 0 {
		return fmt.Sprintf("%s (%d B)", o, n)
	}
	return o
}

func (r MatrixRow) cellList() string {
	return verbCell(r.ListCommand, bytesCell(r.List, r.ListBytes, r.ListAborted))
}

func (r MatrixRow) cellRetr() string {
	return verbCell(r.RetrCommand, bytesCell(r.Retr, r.RetrBytes, r.RetrAborted))
}

// verbCell prefixes a transfer cell with its command's verb, when the
// table's columns are not named by it (matrixHeads).
func verbCell(verb, cell string) string {
	if verb == "" {
		return cell
	}
	return verb + " " + cell
}

// matrixHeads names the two transfer columns: LIST and RETR for a probe
// run, whose transfers are those; TRANSFER and NEXT TRANSFER for a session
// rebuilt from a capture, whose cells say their verb.
func matrixHeads(rows []MatrixRow) (string, string) {
	for _, r := range rows {
		if r.ListCommand != "" {
			return "TRANSFER", "NEXT TRANSFER"
		}
	}
	return "LIST", "RETR"
}

func (r MatrixRow) status() string {
	switch {
	case !r.Applicable:
		return "n/a"
	case r.Works:
		return "works"
	case r.Interrupted:
		return "cut short"
	case r.NotDue:
		return "not tried"
	}
	return "FAILS"
}
