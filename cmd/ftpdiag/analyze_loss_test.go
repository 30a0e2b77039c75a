package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/pcaptest"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// labPackets reads a lab capture's packets.
func labPackets(t *testing.T, src string) (layers.LinkType, []gopacket.CaptureInfo, [][]byte) {
	t.Helper()
	c := pcaptest.Read(t, src)
	var cis []gopacket.CaptureInfo
	var data [][]byte
	for _, p := range c.Packets {
		cis, data = append(cis, p.Info), append(data, p.Data)
	}
	return c.LinkType, cis, data
}

// writeLabPcap writes packets as a pcap file in the test's directory.
func writeLabPcap(t *testing.T, name string, lt layers.LinkType, cis []gopacket.CaptureInfo, data [][]byte) string {
	t.Helper()
	c := pcaptest.Capture{LinkType: lt}
	for i := range cis {
		c.Packets = append(c.Packets, pcaptest.Packet{Info: cis[i], Data: data[i]})
	}
	return c.WriteFile(t, name)
}

// controlSegment returns the TCP layer of a packet with payload to or
// from port 21, nil for any other.
func controlSegment(lt layers.LinkType, data []byte) *layers.TCP {
	p := gopacket.NewPacket(data, lt, gopacket.Lazy)
	tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if tcp == nil || len(tcp.Payload) == 0 || (tcp.SrcPort != 21 && tcp.DstPort != 21) {
		return nil
	}
	return tcp
}

// analyzeErrors runs analyze on a capture and returns its exit status and
// the error finding ids of every session.
func analyzeErrors(t *testing.T, path string) (int, []string) {
	t.Helper()
	code, out, errs := analyzeCLI(t, nil, "analyze", "--format", "json", path)
	var doc struct {
		Summary []struct {
			Errors []string `json:"errors"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%s: json: %v (stderr %q)", path, err, errs)
	}
	var ids []string
	for _, s := range doc.Summary {
		for _, id := range s.Errors {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return code, ids
}

var labCaptureNames = []string{"healthy", "client-nat", "passive-dropped", "passive-rejected", "port-disabled", "server-nat"}

// TestAnalyzeLostControlSegment: each lab capture with one control segment
// removed (a packet the capture host dropped) gives no error the complete
// capture does not: the exchanges in the hole are not judged, and the
// pairing of commands and replies resumes after it.
func TestAnalyzeLostControlSegment(t *testing.T) {
	for _, name := range labCaptureNames {
		t.Run(name, func(t *testing.T) {
			src := labCapture(t, name)
			_, clean := analyzeErrors(t, src)
			lt, cis, data := labPackets(t, src)
			for i := range data {
				if controlSegment(lt, data[i]) == nil {
					continue
				}
				cut := writeLabPcap(t, name+".pcap", lt, slices.Delete(slices.Clone(cis), i, i+1), slices.Delete(slices.Clone(data), i, i+1))
				code, ids := analyzeErrors(t, cut)
				for _, id := range ids {
					if !slices.Contains(clean, id) {
						t.Errorf("packet %d removed: exit %d, error %s not in the complete capture's %v", i+1, code, id, clean)
					}
				}
				if len(clean) == 0 && code != 0 {
					t.Errorf("packet %d removed: exit %d, want 0", i+1, code)
				}
			}
		})
	}
}

// TestAnalyzePipelinedBeforeGreeting: each lab capture with every
// session's first two commands written before the server's greeting (a
// client that sends its first commands without waiting) gives the same
// errors as the capture itself: the greeting pairs first.
func TestAnalyzePipelinedBeforeGreeting(t *testing.T) {
	for _, name := range labCaptureNames {
		t.Run(name, func(t *testing.T) {
			src := labCapture(t, name)
			cleanCode, clean := analyzeErrors(t, src)
			lt, cis, data := labPackets(t, src)
			greeting := map[string]int{} // server->client flow: greeting packet index
			sent := map[string]int{}     // commands moved before it
			moved := 0
			for i := range data {
				tcp := controlSegment(lt, data[i])
				if tcp == nil {
					continue
				}
				nf := gopacket.NewPacket(data[i], lt, gopacket.Lazy).NetworkLayer().NetworkFlow()
				flow, back := nf.String()+tcp.TransportFlow().String(), nf.Reverse().String()+tcp.TransportFlow().Reverse().String()
				if tcp.SrcPort == 21 {
					if _, ok := greeting[flow]; !ok {
						greeting[flow] = i
					}
					continue
				}
				g, ok := greeting[back]
				if !ok || sent[back] == 2 {
					continue
				}
				// The client's first two commands: move them before the
				// greeting, in their order.
				sent[back]++
				ci, d := cis[i], data[i]
				ci.Timestamp = cis[g].Timestamp.Add(-1000)
				cis = slices.Insert(slices.Delete(cis, i, i+1), g, ci)
				data = slices.Insert(slices.Delete(data, i, i+1), g, d)
				greeting[back] = g + 1
				moved++
			}
			if moved == 0 {
				t.Fatal("no command moved")
			}
			code, ids := analyzeErrors(t, writeLabPcap(t, name+".pcap", lt, cis, data))
			if code != cleanCode || strings.Join(ids, ",") != strings.Join(clean, ",") {
				t.Errorf("%d commands before the greeting: exit %d, errors %v; the capture itself: exit %d, errors %v", moved, code, ids, cleanCode, clean)
			}
		})
	}
}

// TestClientCaptureLostControlSegment: the healthy third-party client
// captures the variants derive from (variantSources), each with any one
// control segment removed, give no error.
func TestClientCaptureLostControlSegment(t *testing.T) {
	for _, src := range variantSources {
		t.Run(src, func(t *testing.T) {
			path := filepath.Join(clientsDir, src+".pcap")
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			pkts := readPcap(t, raw)
			removed := 0
			for i := range pkts {
				if controlSegment(layers.LinkTypeEthernet, pkts[i].data) == nil {
					continue
				}
				removed++
				var cis []gopacket.CaptureInfo
				var data [][]byte
				for j, p := range pkts {
					if j != i {
						cis, data = append(cis, p.ci), append(data, p.data)
					}
				}
				if code, ids := analyzeErrors(t, writeLabPcap(t, src+".pcap", layers.LinkTypeEthernet, cis, data)); code != 0 || len(ids) > 0 {
					t.Errorf("packet %d removed: exit %d, errors %v", i+1, code, ids)
				}
			}
			if removed == 0 {
				t.Fatal("no control segment")
			}
			t.Logf("%d variants, one control segment removed each", removed)
		})
	}
}
