//go:build linux && !pcap

package capture

import (
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/net/bpf"
)

// openTestRing opens the ring on lo, skipping without capture privilege.
func openTestRing(t *testing.T) *ringSource {
	t.Helper()
	src, err := openPacket("lo")
	needCapture(t, err)
	r, ok := src.(*ringSource)
	if !ok {
		src.close()
		t.Fatalf("openPacket gave %T, want the TPACKET_V3 ring", src)
	}
	return r
}

// portFilter keeps TCP over IPv4 on lo (Ethernet framing) to or from port.
func portFilter(t *testing.T, port uint16) []bpf.RawInstruction {
	t.Helper()
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 12, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x0800, SkipFalse: 8},
		bpf.LoadAbsolute{Off: 23, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipFalse: 6},
		bpf.LoadMemShift{Off: 14},
		bpf.LoadIndirect{Off: 14, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(port), SkipTrue: 2},
		bpf.LoadIndirect{Off: 16, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(port), SkipFalse: 1},
		bpf.RetConstant{Val: headerSnap},
		bpf.RetConstant{Val: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// tcpPorts returns the ports of an Ethernet/IPv4/TCP frame.
func tcpPorts(frame []byte) (src, dst uint16, ok bool) {
	if len(frame) < 14+20 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
		return 0, 0, false
	}
	ihl := int(frame[14]&0x0f) * 4
	if len(frame) < 14+ihl+4 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(frame[14+ihl:]), binary.BigEndian.Uint16(frame[14+ihl+2:]), true
}

// TestRingCloseUnread closes a ring no reader ever read: it is freed at
// once and a late reader gets net.ErrClosed instead of blocking.
func TestRingCloseUnread(t *testing.T) {
	r := openTestRing(t)
	if err := r.close(); err != nil {
		t.Fatal(err)
	}
	if !r.freed {
		t.Fatal("ring not freed by close")
	}
	if _, _, err := r.ZeroCopyReadPacketData(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after close: %v, want net.ErrClosed", err)
	}
	if n, err := r.drops(); n != 0 || err != nil {
		t.Fatalf("drops after close: %d, %v", n, err)
	}
}

// TestRingReadAndFlush reads a handshake through the ring and closes it
// right after the last packet, before the kernel's block timeout: close
// must wake the waiting reader, which still delivers every packet that
// arrived before close, then reports net.ErrClosed.
func TestRingReadAndFlush(t *testing.T) {
	r := openTestRing(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	if err := r.setFilter(portFilter(t, port)); err != nil {
		r.close()
		t.Fatal(err)
	}

	type result struct {
		toPort, fromPort int
		err              error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		for {
			data, ci, err := r.ZeroCopyReadPacketData()
			if err != nil {
				res.err = err
				done <- res
				return
			}
			if ci.CaptureLength != len(data) || ci.Length < len(data) || ci.Timestamp.IsZero() {
				res.err = errors.New("inconsistent capture info")
			}
			if s, d, ok := tcpPorts(data); ok && d == port {
				res.toPort++
			} else if ok && s == port {
				res.fromPort++
			}
		}
	}()
	time.Sleep(50 * time.Millisecond) // let the reader block in wait

	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hello"))
	buf := make([]byte, 5)
	if _, err := s.Read(buf); err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Close()
	time.Sleep(time.Millisecond)

	drops, err := r.drops()
	if err != nil || drops != 0 {
		t.Errorf("drops %d, %v", drops, err)
	}
	closed := time.Now()
	if err := r.close(); err != nil {
		t.Fatal(err)
	}
	var res result
	select {
	case res = <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("reader still blocked 2s after close")
	}
	if waited := time.Since(closed); waited > ringFlush+500*time.Millisecond {
		t.Errorf("reader ended %v after close", waited)
	}
	if !errors.Is(res.err, net.ErrClosed) {
		t.Fatalf("reader ended with %v, want net.ErrClosed", res.err)
	}
	// The client sent SYN, ACK, data and FIN; the server SYN-ACK, ACKs
	// and FIN (lo shows each twice: outgoing and incoming).
	if res.toPort < 3 || res.fromPort < 2 {
		t.Errorf("saw %d packets to the port and %d from it, want the whole exchange", res.toPort, res.fromPort)
	}
	if !r.freed {
		t.Error("reader did not free the ring")
	}
}
