package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// checksumOK recomputes the TCP (and IPv4 header) checksum of an Ethernet
// frame with gopacket and compares it with the one in the frame.
func checksumOK(t *testing.T, fr []byte) bool {
	t.Helper()
	p := gopacket.NewPacket(fr, layers.LayerTypeEthernet, gopacket.Default)
	tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if tcp == nil {
		t.Fatal("no TCP layer")
	}
	net := p.NetworkLayer()
	tcp.SetNetworkLayerForChecksum(net)
	got := tcp.Checksum
	again := serialize(t, net.(gopacket.SerializableLayer), tcp, gopacket.Payload(tcp.Payload))
	q := gopacket.NewPacket(again, net.LayerType(), gopacket.Default)
	want := q.Layer(layers.LayerTypeTCP).(*layers.TCP).Checksum
	if ip4, ok := net.(*layers.IPv4); ok {
		if q.NetworkLayer().(*layers.IPv4).Checksum != ip4.Checksum {
			t.Errorf("IPv4 header checksum %x, want %x", ip4.Checksum, q.NetworkLayer().(*layers.IPv4).Checksum)
		}
	}
	return got == want
}

func TestRedact(t *testing.T) {
	type in struct {
		payload string
		seq     uint32 // 0: follows the previous segment
	}
	tests := []struct {
		name string
		segs []in
		want []string
		v6   bool
	}{
		{"whole command", []in{{"USER bob\r\n", 0}, {"PASS s3cret!\r\n", 0}}, []string{"USER bob\r\n", "PASS *******\r\n"}, false},
		{"lower case, v6", []in{{"pass hunter2\r\n", 0}}, []string{"pass *******\r\n"}, true},
		{"odd length payload", []in{{"PASS abc\r\n", 0}}, []string{"PASS ***\r\n"}, false},
		{"pipelined lines", []in{{"USER a\r\nPASS pw\r\nSYST\r\n", 0}}, []string{"USER a\r\nPASS **\r\nSYST\r\n"}, false},
		{"argument split across segments", []in{{"PASS sec", 0}, {"ret\r\nNOOP\r\n", 0}}, []string{"PASS ***", "***\r\nNOOP\r\n"}, false},
		{"verb split across segments", []in{{"PA", 0}, {"SS secret\r\n", 0}}, []string{"PA", "SS ******\r\n"}, false},
		{"continuation resent", []in{{"PASS sec", 0}, {"ret\r\n", 0}, {"ret\r\n", 9}}, []string{"PASS ***", "***\r\n", "***\r\n"}, false},
		{"not at line start", []in{{"SITE PASS x\r\n", 0}}, []string{"SITE PASS x\r\n"}, false},
		{"no argument", []in{{"PASS\r\nPASS \r\n", 0}}, []string{"PASS\r\nPASS \r\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := client, server
			if tt.v6 {
				c, s = client6, server6
				s = netipPort(s, 21)
			}
			r := NewRedactor(21)
			seq := uint32(1)
			for i, sg := range tt.segs {
				if sg.seq != 0 {
					seq = sg.seq
				}
				fr := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: c, dst: s, flags: "PA", seq: seq, ack: 1, payload: sg.payload}))
				changed := r.Frame(layers.LinkTypeEthernet, fr)
				seq += uint32(len(sg.payload))
				got := string(fr[len(fr)-len(sg.payload):])
				if got != tt.want[i] {
					t.Errorf("segment %d: got %q want %q", i, got, tt.want[i])
				}
				if changed != (got != sg.payload) {
					t.Errorf("segment %d: changed=%v", i, changed)
				}
				if !checksumOK(t, fr) {
					t.Errorf("segment %d: bad TCP checksum after redaction", i)
				}
			}
		})
	}
}

func TestRedactOnlyToControlPort(t *testing.T) {
	r := NewRedactor(2121)
	for _, dst := range []uint16{21, 2121} {
		fr := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: client, dst: netipPort(server, dst), flags: "PA", seq: 1, payload: "PASS pw\r\n"}))
		r.Frame(layers.LinkTypeEthernet, fr)
		if redacted := bytes.Contains(fr, []byte("**")); redacted != (dst == 2121) {
			t.Errorf("port %d: redacted=%v", dst, redacted)
		}
	}
	// Replies from the server are left alone.
	fr := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: server, dst: client, flags: "PA", seq: 1, payload: "PASS pw\r\n"}))
	if NewRedactor(21).Frame(layers.LinkTypeEthernet, fr) {
		t.Error("server-to-client payload redacted")
	}
}

// TestRedactedPcapng writes a capture through the live path's writer and
// checks the password is gone from the file.
func TestRedactedPcapng(t *testing.T) {
	const pw = "Tr0ub4dor&3"
	path := filepath.Join(t.TempDir(), "out.pcapng")
	w, err := newPcapWriter(path, layers.LinkTypeEthernet, "test0", "tcp")
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTracker(TrackerConfig{Start: t0})
	red := NewRedactor(21)
	for i, p := range []string{"USER bob\r\n", "PASS " + pw[:4], pw[4:] + "\r\n", "QUIT\r\n"} {
		seq := uint32(1 + 100*i)
		fr := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: client, dst: server, flags: "PA", seq: seq, payload: p}))
		if i == 2 {
			// Keep the stream contiguous for the split password.
			fr = frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: client, dst: server, flags: "PA", seq: 101 + uint32(len("PASS "+pw[:4])), payload: p}))
		}
		ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(fr), Length: len(fr)}
		if v := tr.add(layers.LinkTypeEthernet, fr, t0, w.n+1); v != nil {
			red.redact(v)
		}
		if _, err := w.write(ci, fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{pw, pw[:4], pw[4:]} {
		if bytes.Contains(b, []byte(part)) {
			t.Errorf("%q found in the pcapng", part)
		}
	}
	if !bytes.Contains(b, []byte("PASS ****")) || !bytes.Contains(b, []byte("USER bob")) {
		t.Error("redacted file lost the command text")
	}
	ev, err := ReadFile(path)
	if err != nil || ev.Packets != 4 {
		t.Fatalf("read back: %v, %+v", err, ev)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

// TestChecksumCheckCatchesDamage makes sure checksumOK is not vacuous.
func TestChecksumCheckCatchesDamage(t *testing.T) {
	fr := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: client, dst: server, flags: "PA", seq: 1, payload: "PASS x\r\n"}))
	if !checksumOK(t, fr) {
		t.Fatal("fresh frame fails")
	}
	fr[len(fr)-3] = '*'
	if checksumOK(t, fr) {
		t.Fatal("damaged frame passes")
	}
}

// TestWriteLenICMP checks that an ICMP error quoting a PASS segment is cut
// before the quoted payload.
func TestWriteLenICMP(t *testing.T) {
	pass := tcpPacket(t, seg{src: client, dst: server, flags: "PA", seq: 1, payload: "PASS hunter2\r\n"})
	for _, ic := range [][]byte{
		icmpPacket(t, netipPort(server, 0).Addr(), client.Addr(), 3, 4, 1400, pass),
		icmpPacket(t, server6.Addr(), client6.Addr(), 2, 0, 1280,
			tcpPacket(t, seg{src: client6, dst: netipPort(server6, 21), flags: "PA", seq: 1, payload: "PASS hunter2\r\n"})),
	} {
		fr := frame(layers.LinkTypeEthernet, ic)
		d := newDecoder()
		v := d.decode(layers.LinkTypeEthernet, fr)
		if v == nil || !v.isICMP {
			t.Fatal("not decoded as ICMP")
		}
		n := writeLen(v, fr)
		if bytes.Contains(fr[:n], []byte("hunter2")) || !bytes.Contains(fr, []byte("hunter2")) {
			t.Errorf("kept %d of %d bytes: %q", n, len(fr), fr[:n])
		}
		if n < len(fr)-len("PASS hunter2\r\n") {
			t.Errorf("cut too much: %d of %d", n, len(fr))
		}
	}
}

// TestRedactLeavesTLSAlone: under TLS the control connection carries
// ciphertext, where a PASS verb after a newline byte or a segment ending
// with the password's first bytes happen by chance: changing them would
// make the records undecryptable with the key log (probe --tls-keylog).
// A whole password is still masked, and clear text after CCC is redacted
// as before.
func TestRedactLeavesTLSAlone(t *testing.T) {
	const secret = "lab-Secret-42"
	hello := "\x16\x03\x01\x00\x10" + "0123456789abcdef"
	type in struct {
		fromClient bool
		payload    string
		want       string
	}
	for _, tc := range []struct {
		name string
		segs []in
	}{
		{"ciphertext that looks like a PASS line or ends like the password", []in{
			{true, hello, hello},
			{false, "\x16\x03\x03\x00\x04abcd", "\x16\x03\x03\x00\x04abcd"},
			{true, "\x17\x03\x03\x00\x30\x8a\nPASS x\r\n\x99la", "\x17\x03\x03\x00\x30\x8a\nPASS x\r\n\x99la"},
			{true, "b-\x01\x02", "b-\x01\x02"},
			{false, "\x17\x03\x03\x00\x30\x01\x02lab-Se", "\x17\x03\x03\x00\x30\x01\x02lab-Se"},
		}},
		{"a whole password is masked even in a flow taken for TLS", []in{
			{true, hello, hello},
			{false, "\x17\x03\x03\x00\x20 530 " + secret + " ", "\x17\x03\x03\x00\x20 530 ************* "},
		}},
		{"clear text again after CCC is redacted", []in{
			{true, hello, hello},
			{true, "\x17\x03\x03\x00\x05PASS ", "\x17\x03\x03\x00\x05PASS "},
			{true, "PASS hunter2\r\n", "PASS *******\r\n"},
			{false, "530 Login incorrect for " + secret + "\r\n", "530 Login incorrect for *************\r\n"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRedactor(21, secret)
			seq := [2]uint32{1, 1}
			for i, sg := range tc.segs {
				src, dst, d := client, server, 0
				if !sg.fromClient {
					src, dst, d = server, client, 1
				}
				fr := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: src, dst: dst, flags: "PA", seq: seq[d], ack: 1, payload: sg.payload}))
				r.Frame(layers.LinkTypeEthernet, fr)
				seq[d] += uint32(len(sg.payload))
				if got := string(fr[len(fr)-len(sg.payload):]); got != sg.want {
					t.Errorf("segment %d: got %q want %q", i, got, sg.want)
				}
				if !checksumOK(t, fr) {
					t.Errorf("segment %d: bad TCP checksum", i)
				}
			}
		})
	}
}
