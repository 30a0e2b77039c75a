package capture

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// sampleRecs is a small trace: an unanswered data SYN sent three times.
func sampleRecs(tb testing.TB) []rec {
	s := tcpPacket(tb, seg{src: client, dst: netipPort(server, 3005), flags: "S", seq: 1000})
	return []rec{{0, s}, {1, s}, {3, s}}
}

func TestReadFileDamaged(t *testing.T) {
	ng := traceBytes(t, layers.LinkTypeEthernet, true, sampleRecs(t))
	pc := traceBytes(t, layers.LinkTypeEthernet, false, sampleRecs(t))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(ng)
	zw.Close()
	tests := []struct {
		name      string
		data      []byte
		wantSYNs  int    // SYNs read before the damage (-1: no Evidence)
		wantError string // "" = none
	}{
		{"pcapng", ng, 3, ""},
		{"pcap", pc, 3, ""},
		{"gzip pcapng", gz.Bytes(), 3, ""},
		{"pcapng cut in the last packet", ng[:len(ng)-10], 2, "packet 3 (after 2 good packets): file truncated"},
		{"pcap cut in the last packet", pc[:len(pc)-10], 2, "packet 3 (after 2 good packets): file truncated"},
		{"gzip cut short", gz.Bytes()[:gz.Len()-30], -2, "packet"},
		{"garbage magic", []byte("GET / HTTP/1.1\r\n\r\n"), -1, "not a pcap or pcapng file (it starts with 47455420)"},
		{"empty", nil, -1, "is empty"},
		{"pcap header only, truncated", pc[:10], -1, "pcap header: file truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			ev, err := ReadFile(path)
			if tt.wantError == "" && err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.wantError != "" && (err == nil || !strings.Contains(err.Error(), tt.wantError)) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantError)
			}
			switch {
			case tt.wantSYNs == -1:
				if ev != nil {
					t.Errorf("evidence from an unreadable file: %+v", ev)
				}
			case tt.wantSYNs == -2: // some prefix, whatever the compressor kept
				if ev == nil {
					t.Error("no partial evidence")
				}
			default:
				if ev == nil || len(ev.Conns) != 1 || len(ev.Conns[0].SYNs) != tt.wantSYNs {
					t.Fatalf("evidence %+v", ev)
				}
				if !ev.Available || ev.PcapFile != path || ev.Start != t0 {
					t.Errorf("evidence header %+v", ev)
				}
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	if _, err := ReadFile(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("error %v", err)
	}
}
