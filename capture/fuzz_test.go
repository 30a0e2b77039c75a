package capture

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// fuzzSeeds are small traces of each format: control dialogue with PASS
// and PORT, an ICMP error, IPv6.
func fuzzSeeds(tb testing.TB) map[string][]byte {
	s := tcpPacket(tb, seg{src: client, dst: netipPort(server, 3005), flags: "S", seq: 7, mss: 1460})
	recs := []rec{
		{0, tcpPacket(tb, seg{src: client, dst: server, flags: "S", seq: 1})},
		{0.1, tcpPacket(tb, seg{src: server, dst: client, flags: "SA", seq: 9, ack: 2})},
		{0.2, tcpPacket(tb, seg{src: client, dst: server, flags: "PA", seq: 2, ack: 10, payload: "PASS x\r\nPORT 192,0,2,10,195,81\r\n"})},
		{0.3, s},
		{0.4, icmpPacket(tb, server.Addr(), client.Addr(), 3, 3, 0, s)},
		{0.5, tcpPacket(tb, seg{src: client6, dst: server6, flags: "S", seq: 1})},
	}
	return map[string][]byte{
		"pcapng-ethernet": traceBytes(tb, layers.LinkTypeEthernet, true, recs),
		"pcap-sll":        traceBytes(tb, layers.LinkTypeLinuxSLL, false, recs),
		"pcap-raw":        traceBytes(tb, layers.LinkTypeRaw, false, recs[:3]),
	}
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzReadFile when
// FTPDIAG_WRITE_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("FTPDIAG_WRITE_SEEDS") != "1" {
		t.Skip("set FTPDIAG_WRITE_SEEDS=1 to regenerate the fuzz seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReadFile")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzReadFile feeds arbitrary bytes to the trace reader: it must return
// an error or Evidence, never panic, and never lose the partial Evidence.
func FuzzReadFile(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	recoverPanics = false
	f.Fuzz(func(t *testing.T, data []byte) {
		begin := time.Now()
		ev, err := readTrace(bytes.NewReader(data), "fuzz")
		if d := time.Since(begin); d > 2*time.Second {
			t.Fatalf("reading %d bytes took %v", len(data), d)
		}
		if err == nil && ev == nil {
			t.Fatal("no evidence and no error")
		}
		if ev != nil {
			if ev.Packets < 0 || len(ev.Conns) > ev.Packets {
				t.Fatalf("inconsistent evidence: %d packets, %d conns", ev.Packets, len(ev.Conns))
			}
			for _, c := range ev.Conns {
				if !c.Initiator.IsValid() || !c.Responder.IsValid() {
					t.Fatalf("conn without endpoints: %+v", c)
				}
			}
		}
		// The redactor sees the same frames in a live capture.
		r := NewRedactor(21)
		for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw} {
			r.Frame(lt, bytes.Clone(data))
		}
	})
}
