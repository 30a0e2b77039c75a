package ftptest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Hostile makes a Server misbehave the way broken or malicious servers do,
// one fault at a time (curl's FTP test server emulates the same catalogue).
// The zero value is a well-behaved server. Every fault is bounded on the
// server side too: the fixture stops as soon as the client goes or the
// test ends, and it never holds more than a few KiB of what it sends.
type Hostile struct {
	// SplitReplies writes every reply one byte per write.
	SplitReplies bool
	// LFOnly ends replies with "\n" instead of "\r\n".
	LFOnly bool
	// ByteInterval writes every reply one byte at a time, this long apart
	// (slowloris).
	ByteInterval time.Duration

	// Greeting, when set, is sent instead of the banner line, raw (no line
	// end added). Flood is then sent again and again, FloodBytes in all (0:
	// until the client goes), then FloodEnd. A 10 MiB line is Greeting
	// "220 ", Flood "xxxx...", FloodBytes 10<<20, FloodEnd "\r\n"; a
	// multi-line reply that never ends is Greeting "220-hello\r\n", Flood
	// "220-more\r\n".
	Greeting, Flood, FloodEnd []byte
	FloodBytes                int64
	// SilentAfterBanner reads commands after the banner and never answers.
	SilentAfterBanner bool
	// ResetOn names a verb ("BANNER" for the greeting): when it arrives the
	// server writes the first half of a reply and resets the connection
	// (SO_LINGER 0 then close: a TCP RST).
	ResetOn string

	// PasvReply, when set, makes the whole 227 reply from the real data
	// listener's endpoint and the client's address (odd formats, foreign
	// addresses, the client's own address, port 0 or 65536).
	PasvReply func(data netip.AddrPort, client netip.Addr) string
	// EpsvReply, when set, makes the whole 229 reply from the real port.
	EpsvReply func(port uint16) string

	// ActiveFrom connects back for PORT/EPRT from this local address (for
	// example 127.0.0.2: Linux routes all of 127/8 to lo).
	ActiveFrom netip.Addr
	// ActivePortDelta connects back to the announced port plus this.
	ActivePortDelta int

	// NoDataConn answers LIST/RETR with 150 and then never accepts, connects
	// or writes on a data connection (and never sends 226).
	NoDataConn bool
	// DataForever sends bytes on the data connection until the client goes.
	DataForever bool
	// DataStallAfter, when positive, sends only that many bytes of a longer
	// transfer and then holds the data connection open, silent; shorter
	// transfers pass (a path-MTU black hole: the listing gets through, the
	// file does not).
	DataStallAfter int
	// DataHold sends the data and then holds the data connection open,
	// silent, without 226: a LIST that never ends.
	DataHold bool
	// DataHoldOn is DataHold for one verb only ("RETR", "LIST").
	DataHoldOn string
	// DataTrickle sends the data one byte this long apart, forever.
	DataTrickle time.Duration
	// DataNotClosed sends the whole data and 226, and then holds the data
	// connection open until the control connection ends.
	DataNotClosed bool
	// AfterPreliminary answers LIST/RETR with 150 and then, without any
	// data, this reply ("425 Can't open data connection.", "421 ..."; a 421
	// then closes the control connection): a server that gave up on the
	// data connection after announcing it.
	AfterPreliminary string
	// CloseAfterLogin answers PASS with 230 and closes the control
	// connection.
	CloseAfterLogin bool
	// SilentOn names a verb that is never answered (the server reads on).
	SilentOn string

	// NoGreeting accepts the connection, reads commands and never sends a
	// byte, not even the greeting.
	NoGreeting bool
}

// floodChunk bounds what the fixture writes at once.
const floodChunk = 32 << 10

// writeReply writes one reply line (or lines) with the configured faults.
func (k *conn) writeReply(line string) {
	h := &k.srv.Hostile
	end := "\r\n"
	if h.LFOnly {
		line = strings.ReplaceAll(line, "\r\n", "\n")
		end = "\n"
	}
	b := []byte(line + end)
	if !h.SplitReplies && h.ByteInterval == 0 {
		k.w.Write(b)
		k.w.Flush()
		return
	}
	for i := range b {
		if h.ByteInterval > 0 && i > 0 && !k.sleep(h.ByteInterval) {
			return
		}
		k.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := k.c.Write(b[i : i+1]); err != nil {
			return
		}
	}
}

// sleep waits d or until the server closes; false when it closed.
func (k *conn) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-k.srv.rt.done:
		return false
	}
}

// greet sends the banner, or the hostile greeting. It returns false when
// the connection should end.
func (k *conn) greet(banner string) bool {
	h := &k.srv.Hostile
	if h.ResetOn == "BANNER" {
		k.reset("220-Welcome to a server that resets\r\n220-")
		return false
	}
	if h.NoGreeting {
		return true // the command loop reads and never answers
	}
	if h.Greeting == nil {
		k.reply(banner)
		return true
	}
	if !k.writeRaw(h.Greeting) {
		return false
	}
	if len(h.Flood) > 0 {
		chunk := bytes.Repeat(h.Flood, max(1, floodChunk/len(h.Flood)))
		var sent int64
		for h.FloodBytes == 0 || sent < h.FloodBytes {
			b := chunk
			if h.FloodBytes > 0 && int64(len(b)) > h.FloodBytes-sent {
				b = b[:h.FloodBytes-sent]
			}
			if !k.writeRaw(b) {
				return false
			}
			sent += int64(len(b))
		}
	}
	return k.writeRaw(h.FloodEnd)
}

// writeRaw writes b unbuffered; false when the client has gone.
func (k *conn) writeRaw(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	k.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := k.c.Write(b)
	return err == nil
}

// reset writes partial and then resets the connection.
func (k *conn) reset(partial string) {
	k.w.Flush()
	k.writeRaw([]byte(partial))
	if tc, ok := k.c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	k.c.Close()
}

// hostileVerb runs before the normal handling of a command. It returns
// handled true when it dealt with the command, and keep false when the
// connection should end.
func (k *conn) hostileVerb(verb string) (handled, keep bool) {
	h := &k.srv.Hostile
	switch {
	case h.ResetOn != "" && strings.EqualFold(h.ResetOn, verb):
		k.reset("2")
		return true, false
	case h.SilentAfterBanner, h.NoGreeting, h.SilentOn != "" && strings.EqualFold(h.SilentOn, verb):
		return true, true
	}
	return false, true
}

// pasvReply returns the 227/229 reply for the data listener at data.
func (k *conn) pasvReply(verb string, data netip.AddrPort) (string, bool) {
	h := &k.srv.Hostile
	if verb == "EPSV" && h.EpsvReply != nil {
		return h.EpsvReply(data.Port()), true
	}
	if verb == "PASV" && h.PasvReply != nil {
		client := netip.Addr{}
		if ta, ok := k.c.RemoteAddr().(*net.TCPAddr); ok {
			client = ta.AddrPort().Addr().Unmap()
		}
		return h.PasvReply(data, client), true
	}
	return "", false
}

// dialActive connects back for PORT/EPRT, honouring ActiveFrom and
// ActivePortDelta.
func (k *conn) dialActive(ap netip.AddrPort) (net.Conn, error) {
	h := &k.srv.Hostile
	d := net.Dialer{Timeout: 10 * time.Second}
	if h.ActiveFrom.IsValid() {
		d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(h.ActiveFrom, 0))
	}
	port := int(ap.Port()) + h.ActivePortDelta
	if port <= 0 || port > 65535 {
		return nil, fmt.Errorf("port %d out of range", port)
	}
	return d.Dial("tcp", netip.AddrPortFrom(ap.Addr(), uint16(port)).String())
}

// hostileTransfer runs LIST/RETR with a data-connection fault. It returns
// false when no data fault is configured.
func (k *conn) hostileTransfer(verb string, data []byte, preliminary string) bool {
	h := &k.srv.Hostile
	hold := h.DataHold || strings.EqualFold(h.DataHoldOn, verb)
	if h.NoDataConn {
		k.reply(preliminary)
		// Keep the passive listener (and any connection the kernel queued
		// on it) open until the control connection ends: nothing moves.
		return true
	}
	if h.AfterPreliminary != "" {
		k.reply(preliminary)
		k.reply(h.AfterPreliminary)
		if strings.HasPrefix(h.AfterPreliminary, "421") {
			k.c.Close() // 421 closes the control connection
		}
		return true
	}
	stall := h.DataStallAfter > 0 && len(data) > h.DataStallAfter
	if !h.DataForever && !stall && !hold && h.DataTrickle <= 0 && !h.DataNotClosed {
		return false
	}
	dc, err := k.dataConn()
	if err != nil {
		k.reply("425 Use PORT or PASV first.")
		return true
	}
	k.held = append(k.held, dc)
	k.reply(preliminary)
	if len(data) == 0 {
		data = []byte("x")
	}
	switch {
	case h.DataTrickle > 0:
		for i := 0; ; i++ {
			if !k.writeData(dc, data[i%len(data):i%len(data)+1]) || !k.sleep(h.DataTrickle) {
				break
			}
		}
	case h.DataForever:
		chunk := bytes.Repeat(data, max(1, floodChunk/len(data)))
		for k.writeData(dc, chunk) {
		}
	case h.DataNotClosed:
		if k.writeData(dc, data) {
			k.reply("226 Transfer complete.")
		}
		return true // held open until the control connection ends
	default:
		if stall {
			data = data[:h.DataStallAfter]
		}
		k.writeData(dc, data)
		// Silent: the connection stays open until the control connection
		// ends; ABOR from the client is answered by the main loop.
		return true
	}
	dc.Close()
	k.reply("426 Connection closed; transfer aborted.")
	return true
}

// writeData writes b on a data connection; false when the client went.
func (k *conn) writeData(dc net.Conn, b []byte) bool {
	select {
	case <-k.srv.rt.done:
		return false
	default:
	}
	dc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := dc.Write(b)
	return err == nil && !errors.Is(err, syscall.EPIPE)
}

// closeHeld closes the data connections a fault kept open.
func (k *conn) closeHeld() {
	for _, c := range k.held {
		c.Close()
	}
	k.held = nil
}
