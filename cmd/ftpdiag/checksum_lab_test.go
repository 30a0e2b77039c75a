//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/internal/pcaptest"
)

// TestLabPcapChecksums: the lab's veths hand the capture packets sent with
// checksum offload; the saved pcapng must verify, whole segment by whole
// segment, with gopacket and with tshark (tcp.check_checksum on).
func TestLabPcapChecksums(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	pcap := filepath.Join(t.TempDir(), "lab.pcapng")
	probeInLab(t, l, nil, "--modes", "EPSV,PASV", "--pcap", pcap, "ftp://"+l.Target.String()+"/")
	sums := pcaptest.Read(t, pcap).TCPChecksums(t)
	t.Logf("gopacket: %+v", sums)
	if sums.Bad != 0 || sums.Valid == 0 {
		t.Errorf("gopacket: %d TCP checksums bad (packets %v), %d valid", sums.Bad, sums.BadPackets, sums.Valid)
	}
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatalf("the checksum check needs tshark (.ci/run installs it): %v", err)
	}
	bad := tsharkFrames(t, tshark, pcap, "tcp.checksum.status == 0")
	good := tsharkFrames(t, tshark, pcap, "tcp.checksum.status == 1")
	t.Logf("tshark -o tcp.check_checksum:TRUE: %d good, %d bad", len(good), len(bad))
	if len(bad) != 0 || len(good) != sums.Valid {
		t.Errorf("tshark: bad checksums in frames %v; %d good, gopacket found %d valid", bad, len(good), sums.Valid)
	}
}

// tsharkFrames lists the frame numbers of pcap that match filter, with
// TCP checksum validation on.
func tsharkFrames(t *testing.T, tshark, pcap, filter string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tshark, "-n", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-Y", filter, "-T", "fields", "-e", "frame.number")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark: %v\n%s", err, errb.String())
	}
	return strings.Fields(out.String())
}
