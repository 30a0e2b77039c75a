package report

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/ftp"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Transfers whose data connection opened and that did not complete. Each
// failure gets the finding its observed facts support, and only that one:
//
//	transfer-no-reply  no 1xx, no final reply and no data: the server never answered
//	transfer-no-data   a 1xx, then not one byte on the open data connection:
//	                   a timeout, or the server's own failure reply
//	transfer-stalled   data flowed, then stopped; or (a capture at the
//	                   sender) full-size segments were sent again and again
//	data-not-closed    every byte the 1xx announced arrived, and the server
//	                   neither closed the data connection nor replied; or
//	                   (the probe) it sent its 2xx and never closed it
//	transfer-too-slow  data was still trickling in when the transfer
//	                   deadline ended it: a rate cap or a trickle
//
// A path-MTU black hole is named as the cause only on wire evidence for it
// (full-size segments sent and never acknowledged, or none arriving of a
// transfer announced larger than one MSS, or ICMP fragmentation-needed);
// otherwise it is at most a candidate the explanation says how to test.

// Transfer failure kinds: the finding ids.
const (
	xferNoReply   = "transfer-no-reply"
	xferNoData    = "transfer-no-data"
	xferStalled   = "transfer-stalled"
	xferNotClosed = "data-not-closed"
	xferTooSlow   = "transfer-too-slow"
)

// xfer is one transfer attempt that failed after its data connection
// opened, with what the stall rules need of it.
type xfer struct {
	mr   *probe.ModeResult
	a    attempt
	kind string
	// expected is the size the 1xx reply announced (-1: not said).
	expected int64
	conns    []*capture.Conn
}

// failedTransfers returns the attempts of the given kind, in mode order.
func (in *input) failedTransfers(kind string) []xfer {
	var out []xfer
	for _, mr := range in.modes() {
		for a := range eachAttempt(mr) {
			x := xfer{mr: mr, a: a, expected: announcedSize(a.tr), conns: in.obs.dataOf(a.dc).conns}
			if x.kind = in.classify(x); x.kind == kind {
				out = append(out, x)
			}
		}
	}
	return out
}

// classify decides which transfer failure an attempt is, "" for none.
// A transfer that ended by a timeout or a stall is one; so is a transfer
// the server opened (1xx) and then ended with a failure reply before a
// single byte (it gave up on what it announced), and, from the probe, a
// completed transfer whose data connection the server never closed. A
// reply ending a transfer that did carry data, a reset or a close is the
// other rules' (and the fallback's) to explain.
func (in *input) classify(x xfer) string {
	tr, s := x.a.tr, x.a.tr.Step
	if !x.a.dc.Connect.OK() || !s.Ran() {
		return ""
	}
	switch {
	case s.OK():
		if completedNotClosed(in, tr) {
			return xferNotClosed
		}
		return ""
	case openedThenFailed(transferVerb(tr.Command, x.a.name), tr):
		return xferNoData
	case s.Outcome != probe.OutcomeStalled && s.Outcome != probe.OutcomeTimeout:
		return ""
	}
	if tr.Bytes == 0 {
		if in.mtuSent(x) {
			return xferStalled
		}
		if tr.Preliminary == nil && tr.Times.Preliminary == nil {
			return xferNoReply
		}
		return xferNoData
	}
	switch {
	case x.expected > 0 && tr.Bytes >= x.expected && tr.Times.ServerClosed == nil && tr.Final == nil:
		return xferNotClosed
	case s.Outcome == probe.OutcomeTimeout && in.an == nil:
		// The probe's read ended on the whole-transfer deadline, each
		// gap shorter than the stall timeout: still trickling.
		return xferTooSlow
	case s.Outcome == probe.OutcomeStalled:
		return xferStalled
	}
	return ""
}

// openedThenFailed reports a transfer the server opened with a 1xx and
// then ended with a failure reply before a single byte arrived on the open
// data connection, a reply that says no more than that the transfer failed
// (425, 426, 421, a transient 4xx): the server gave up on the transfer it
// announced. A reply with a meaning of its own (a file refused, a server
// error) is explained by its rule, as at any other step.
func openedThenFailed(verb string, tr *probe.Transfer) bool {
	if tr.Preliminary == nil || tr.Final == nil || tr.Bytes != 0 || tr.Step.Reply == nil || tr.Step.OK() {
		return false
	}
	switch interpret(verb, tr.Step).Meaning {
	case ftp.MeaningNone, ftp.MeaningDataConnectionFailed, ftp.MeaningServiceClosing, ftp.MeaningTransient:
		return true
	}
	return false
}

// completedNotClosed reports a transfer the server completed (its 2xx
// final reply came) whose data connection it then left open: the probe
// gave it a grace of several round trips after the reply and then closed
// it itself (probe/stall.go). Only the probe knows it waited: a capture
// that lacks the data connection's FIN may simply end too early.
func completedNotClosed(in *input, tr *probe.Transfer) bool {
	return in.an == nil && tr.Preliminary != nil && tr.Final != nil && !tr.Aborted &&
		tr.Times.Final != nil && tr.Times.ServerClosed == nil
}

// sizeInReply finds the size vsftpd, ProFTPD and others put in their 150
// reply to RETR: "150 Opening BINARY mode data connection for f (1048576 bytes).".
var sizeInReply = regexp.MustCompile(`\((\d{1,15}) bytes\)`)

// announcedSize is the transfer's size as its 1xx reply gave it, -1 when
// it did not.
func announcedSize(tr *probe.Transfer) int64 {
	if tr.Preliminary == nil {
		return -1
	}
	m := sizeInReply.FindStringSubmatch(replyLine(tr.Preliminary))
	if m == nil {
		return -1
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// fromServer is what the server sent on a data connection, as the capture
// saw it, and the MSS the client announced (the size of a full segment).
func fromServer(c *capture.Conn, passive bool) (bytes int64, largest, mss int) {
	if passive {
		return c.BytesFromResponder, c.MaxSegmentFromResponder, c.MSSInitiator
	}
	return c.BytesFromInitiator, c.MaxSegmentFromInitiator, c.MSSResponder
}

// maxTCPOptions is the most TCP options take from a segment's payload: a
// segment within this of the MSS is full-size (timestamps alone take 12).
const maxTCPOptions = 40

// fullSize reports whether a segment of n bytes is full-size for mss.
func fullSize(n, mss int) bool { return mss > 0 && n >= mss-maxTCPOptions }

// onLoopback reports whether a connection never leaves the host: it has
// no path whose MTU could drop anything.
func onLoopback(c *capture.Conn) bool {
	return c.Initiator.Addr().Unmap().IsLoopback() && c.Responder.Addr().Unmap().IsLoopback()
}

// mtuSent reports a capture taken at the server showing full-size segments
// of the transfer sent and sent again: the wire's own proof of a black
// hole, even when the client got nothing.
func (in *input) mtuSent(x xfer) bool {
	if in.an == nil || in.an.vantage != "server" {
		return false
	}
	for _, c := range x.conns {
		if _, largest, mss := fromServer(c, x.mr.Mode.Passive()); !onLoopback(c) && fullSize(largest, mss) && c.Retransmits > 0 {
			return true
		}
	}
	return false
}

// segmentEvidence says what the wire shows of the segments of a failed
// transfer: mtu is true when it points at a path-MTU black hole (ICMP
// fragmentation-needed; full-size segments sent again and again, seen at
// the sender; or, of a transfer announced larger than one MSS, no
// full-size segment arriving), full when full-size segments did arrive.
func (in *input) segmentEvidence(x xfer) (facts []Fact, mtu, full bool) {
	passive := x.mr.Mode.Passive()
	for _, c := range x.conns {
		for _, ic := range c.ICMP {
			if !ic.V6 && ic.Type == 3 && ic.Code == 4 || ic.V6 && ic.Type == 2 {
				facts = append(facts, Fact{T: ic.T, Packet: ic.Packet, Text: fmt.Sprintf("ICMP %s from %s reached the capture", ic.Text, ic.From)})
				mtu = true
			}
		}
		bytes, largest, mss := fromServer(c, passive)
		if mss <= 0 || onLoopback(c) {
			continue
		}
		t := c.First.T
		if c.LastData != nil {
			t = c.LastData.T
		}
		switch {
		case in.mtuSent(x):
			facts = append(facts, Fact{T: t, Text: fmt.Sprintf("the server sent full-size segments (%d bytes, MSS %d) on %s -> %s and sent them again (%d retransmissions): they never got through", largest, mss, c.Initiator, c.Responder, c.Retransmits)})
			mtu = true
		case fullSize(largest, mss):
			facts = append(facts, Fact{T: t, Text: fmt.Sprintf("full-size segments (%d bytes, MSS %d) did arrive on %s -> %s: the path carries them", largest, mss, c.Initiator, c.Responder)})
			full = true
		case x.expected > int64(mss) && bytes == 0:
			facts = append(facts, Fact{T: t, Text: fmt.Sprintf("not one data segment arrived on %s -> %s (MSS %d), of %d bytes announced", c.Initiator, c.Responder, mss, x.expected)})
			mtu = true
		case x.expected > int64(mss):
			facts = append(facts, Fact{T: t, Text: fmt.Sprintf("no full-size segment ever arrived on %s -> %s: the largest was %d bytes, the MSS %d, of %d bytes announced", c.Initiator, c.Responder, largest, mss, x.expected)})
			mtu = true
		}
	}
	return facts, mtu, full
}

// xferFact is the probe's view of one failed transfer.
func xferFact(x xfer, what string) Fact {
	s := x.a.tr.Step
	text := fmt.Sprintf("%s %s: data connection %s open", x.mr.Mode, x.a.tr.Command, orDash(dataEnds(x.a.dc, x.mr.Mode.Passive())))
	if p := x.a.tr.Preliminary; p != nil {
		text += fmt.Sprintf(", %q", replyLine(p))
	}
	text += fmt.Sprintf(", %d bytes read", x.a.tr.Bytes)
	if x.a.tr.LargestRead > 0 {
		text += fmt.Sprintf(" (largest read %d bytes)", x.a.tr.LargestRead)
	}
	return Fact{T: s.T, Text: text + ", then " + what}
}

// dataEnds names a data connection "client -> server" as it was opened.
func dataEnds(dc *probe.DataConn, passive bool) string {
	switch {
	case passive && dc.Local != "" && dc.Dialled != "":
		return dc.Local + " -> " + dc.Dialled
	case !passive && dc.Peer != "":
		return dc.Peer + " -> " + orDash(dc.Local)
	case passive:
		return dc.Dialled
	}
	return dc.Listened
}

// idle is how long a failed transfer waited after its last progress.
func idle(tr *probe.Transfer) float64 {
	from := tr.Step.T0
	for _, t := range []*float64{tr.Times.Preliminary, tr.Times.LastByte} {
		if t != nil {
			from = max(from, *t)
		}
	}
	return max(0, tr.Step.T-from)
}

// modesOf lists the modes of the attempts, in order, once each.
func modesOf(xs []xfer) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, string(x.mr.Mode)) {
			out = append(out, string(x.mr.Mode))
		}
	}
	return out
}

// commandsOf names the transfer commands of the attempts: "LIST", "RETR".
func commandsOf(xs []xfer) string { return joinAnd(commandsList(xs)) }

// commandsList lists the transfer commands of the attempts, once each.
func commandsList(xs []xfer) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x.a.name) {
			out = append(out, x.a.name)
		}
	}
	return out
}

// wired reports whether any attempt has a connection in the capture.
func wired(xs []xfer) bool {
	for _, x := range xs {
		if len(x.conns) > 0 {
			return true
		}
	}
	return false
}

// smallerPassed finds a transfer of the run that completed with fewer
// bytes than n: the "small transfers pass" half of a black hole's
// signature. nil when none did.
func (in *input) smallerPassed(n int64) *probe.Transfer {
	for _, mr := range in.modes() {
		for a := range eachAttempt(mr) {
			if a.tr.Step.OK() && a.tr.Bytes > 0 && a.tr.Bytes < n {
				return a.tr
			}
		}
	}
	return nil
}

// mtuTestFix tells how to confirm (or rule out) a path-MTU black hole.
var mtuTestFix = Fix{For: "client", Text: "To test for a path-MTU black hole, lower this host's MTU and retry: if the transfer then completes, full-size packets die on the path.", Lines: []string{"ip link set dev <interface> mtu 1400"}}

// mtuFixes remove a path-MTU black hole.
var mtuFixes = []Fix{
	{For: "iptables", Text: "On the router where the MTU drops (VPN, PPPoE, tunnel), clamp the MSS; and let ICMP type 3 code 4 (fragmentation needed) through every firewall on the path.",
		Lines: []string{"iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "iptables -I INPUT -p icmp --icmp-type fragmentation-needed -j ACCEPT", "iptables -I FORWARD -p icmp --icmp-type fragmentation-needed -j ACCEPT"}},
	{For: "nftables", Text: "With nftables:", Lines: []string{"nft add rule inet filter forward tcp flags syn tcp option maxseg size set rt mtu"}},
	{For: "client", Text: "To confirm, lower this host's MTU and retry: if the transfer then completes, it is the path MTU.", Lines: []string{"ip link set dev <interface> mtu 1400"}},
}
