package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// tcpSeg is one crafted TCP segment between 192.0.2.10 (port cport) and
// 203.0.113.10:21.
type tcpSeg struct {
	toServer bool
	flags    string
	seq      uint32
	payload  string
}

// craftCapture writes the segments as a raw-IP pcap, 10 ms apart.
func craftCapture(t *testing.T, segs []tcpSeg) string {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	cli, srv := net.IPv4(192, 0, 2, 10), net.IPv4(203, 0, 113, 10)
	for i, s := range segs {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli, DstIP: srv}
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, Seq: s.seq, Window: 65535,
			SYN: strings.Contains(s.flags, "S"), ACK: strings.Contains(s.flags, "A"), PSH: strings.Contains(s.flags, "P"), FIN: strings.Contains(s.flags, "F")}
		if !s.toServer {
			ip.SrcIP, ip.DstIP = srv, cli
			tcp.SrcPort, tcp.DstPort = 21, 40000
		}
		tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(s.payload)); err != nil {
			t.Fatal(err)
		}
		ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * 10 * time.Millisecond)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "crafted.pcap")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAnalyzeNotFTP: SMTP on port 21 and a lone garbage packet to port 21
// are no FTP session (no "logged in", no finding): exit 0, and a note says
// what the connection spoke.
func TestAnalyzeNotFTP(t *testing.T) {
	hs := []tcpSeg{{true, "S", 100, ""}, {false, "SA", 5000, ""}}
	tests := []struct {
		name string
		segs []tcpSeg
		note string
	}{
		{"smtp", append(hs, tcpSeg{false, "PA", 5001, "220 mx.example.com ESMTP Postfix\r\n"}, tcpSeg{true, "PA", 101, "EHLO client.example.com\r\n"},
			tcpSeg{false, "PA", 5036, "250 mx.example.com\r\n"}), "SMTP 1"},
		{"lone garbage packet", []tcpSeg{{true, "PA", 777, "\x00\x01\x02 no command here\r\n"}}, "neither FTP commands nor FTP replies 1"},
		{"ssh", append(hs, tcpSeg{false, "PA", 5001, "SSH-2.0-OpenSSH_9.2p1\r\n"}), "SSH 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := analyzeCLI(t, nil, "analyze", "--no-color", craftCapture(t, tt.segs))
			if code != 0 || errs != "" || !strings.Contains(out, "0 FTP sessions") || strings.Contains(out, "logged in") {
				t.Errorf("exit %d, stderr %q\n%s", code, errs, out)
			}
			if !strings.Contains(out, "did not behave like FTP") || !strings.Contains(out, tt.note) {
				t.Errorf("no note %q:\n%s", tt.note, out)
			}
		})
	}
}
