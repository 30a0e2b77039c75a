package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Variants of healthy client captures, derived at test time: what a capture
// taken differently or damaged on the way looks like. Each keeps the
// session healthy, so analyze must give no error: what the capture lacks is
// no evidence of a failure.

// pcapPacket is one record of a classic pcap file.
type pcapPacket struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// tcpOf returns the TCP layer of an Ethernet frame, nil when it has none.
func tcpOf(data []byte) *layers.TCP {
	p := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.NoCopy)
	if l, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
		return l
	}
	return nil
}

func readPcap(t *testing.T, raw []byte) []pcapPacket {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v, want Ethernet", r.LinkType())
	}
	var out []pcapPacket
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pcapPacket{ci, data})
	}
}

func writePcap(t *testing.T, snaplen uint32, link layers.LinkType, pkts []pcapPacket) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(snaplen, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// captureVariant derives one variant from the packets of a capture; ok is
// false when the capture offers nothing to derive it from. The variant is
// written with link type link and analyzed with args.
type captureVariant struct {
	name    string
	snaplen uint32
	derive  func([]pcapPacket) (out []pcapPacket, ok bool)
	link    layers.LinkType
	args    []string
}

var captureVariants = []captureVariant{
	// A capture filtered to the control port ("tcp port 21"): no data
	// connection is in it.
	{name: "port21", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		var out []pcapPacket
		for _, p := range in {
			if tcp := tcpOf(p.data); tcp != nil && (tcp.SrcPort == 21 || tcp.DstPort == 21) {
				out = append(out, p)
			}
		}
		return out, len(out) < len(in)
	}},
	// A capture stopped during the last transfer: it ends with the first
	// data segment of the last data connection.
	{name: "cut-mid-transfer", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		last := -1
		var conn [2]layers.TCPPort
		for i, p := range in {
			tcp := tcpOf(p.data)
			if tcp == nil || tcp.SrcPort == 21 || tcp.DstPort == 21 || len(tcp.Payload) == 0 {
				continue
			}
			if c := [2]layers.TCPPort{tcp.SrcPort, tcp.DstPort}; last < 0 || c != conn {
				last, conn = i, c
			}
		}
		if last < 0 || last == len(in)-1 {
			return nil, false
		}
		return in[:last+1], true
	}},
	// tcpdump -s 96: every frame sliced to 96 bytes, its length kept.
	{name: "snaplen96", snaplen: 96, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		out, sliced := make([]pcapPacket, 0, len(in)), false
		for _, p := range in {
			if len(p.data) > 96 {
				p.ci.CaptureLength, p.data, sliced = 96, p.data[:96], true
			}
			out = append(out, p)
		}
		return out, sliced
	}},
	// A capture filtered on one direction (tcpdump 'src host CLIENT', or
	// a tap on one side of an asymmetric path): the client's packets only,
	// then the server's only.
	{name: "client-direction-only", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		return oneDirection(in, true)
	}},
	{name: "server-direction-only", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		return oneDirection(in, false)
	}},
	// The tap lost one control segment: the server's first 1xx reply
	// (150; 125 from pyftpdlib and Twisted once the data connection is
	// open).
	{name: "control-segment-lost", snaplen: 262144, link: layers.LinkTypeEthernet, derive: func(in []pcapPacket) ([]pcapPacket, bool) {
		for i, p := range in {
			if tcp := tcpOf(p.data); tcp != nil && tcp.SrcPort == 21 && (bytes.HasPrefix(tcp.Payload, []byte("150 ")) || bytes.HasPrefix(tcp.Payload, []byte("125 "))) {
				return append(in[:i:i], in[i+1:]...), true
			}
		}
		return nil, false
	}},
}

// oneDirection keeps the packets sent by the client (the host that sent
// to port 21), or those sent to it.
func oneDirection(in []pcapPacket, fromClient bool) ([]pcapPacket, bool) {
	var client []byte
	for _, p := range in {
		if tcp := tcpOf(p.data); tcp != nil && tcp.DstPort == 21 {
			client = ipv4Src(p.data)
			break
		}
	}
	if client == nil {
		return nil, false
	}
	var out []pcapPacket
	for _, p := range in {
		if src := ipv4Src(p.data); src != nil && bytes.Equal(src, client) == fromClient {
			out = append(out, p)
		}
	}
	return out, len(out) > 0 && len(out) < len(in)
}

// ipv4Src is the source address of an IPv4 Ethernet frame, nil for another.
func ipv4Src(data []byte) []byte {
	p := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.NoCopy)
	if ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		return ip.SrcIP
	}
	return nil
}

// variantSources are healthy captures to derive the variants from: passive
// at the client, active at the server, two downloads the client
// interrupted: curl's byte range (ABOR, ProFTPD's 426 and 226) and tnftp
// piped into head (its reset of the data connection only, Pure-FTPd's
// second 150 line and no final reply); pyftpdlib's active mode (it
// connects at PORT time), and curl falling back from Twisted's refused
// EPSV to PASV (a warning, no error, in every variant).
var variantSources = []string{
	"lftp-vsftpd-healthy-client",
	"ftplib-active-proftpd-healthy-server",
	"curl-pure-ftpd-healthy-gateway",
	"curl-range-proftpd-aborted-client",
	"tnftp-head-pure-ftpd-aborted-client",
	"wget-active-pyftpdlib-healthy-client",
	"curl-twisted-healthy-gateway",
}

// TestClientCaptureVariants analyzes each variant of each source capture
// and wants no error finding (and never the lab password).
func TestClientCaptureVariants(t *testing.T) {
	manifest, variants, falseErrors := map[string]clientCapture{}, 0, 0
	captureVariants := append(slices.Clone(captureVariants), linkVariants...)
	for _, c := range readClientManifest(t) {
		manifest[c.Name()] = c
	}
	for _, src := range variantSources {
		c, ok := manifest[src]
		if !ok || !c.Healthy() {
			t.Fatalf("variant source %s is no healthy capture of the manifest", src)
		}
		raw, err := os.ReadFile(filepath.Join(clientsDir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		pkts := readPcap(t, raw)
		for _, v := range captureVariants {
			key := src + "/" + v.name
			var g clientGolden
			t.Run(key, func(t *testing.T) {
				out, ok := v.derive(slicesClone(pkts))
				if !ok {
					t.Fatalf("%s offers nothing to derive %s from", src, v.name)
				}
				b := writePcap(t, v.snaplen, v.link, out)
				if dir := os.Getenv("FTPDIAG_VARIANTS_DIR"); dir != "" {
					// Keep the variant to read it in Wireshark.
					if err := os.WriteFile(filepath.Join(dir, src+"-"+v.name+".pcap"), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				g = analyzeGolden(t, b, v.args...)
				if len(g.Sessions) == 0 {
					t.Errorf("no session found in %s: its control connection is in it", v.name)
				}
				checkGate(t, key, g, nil, nil)
			})
			variants++
			if len(g.ids("error")) > 0 {
				falseErrors++
			}
		}
	}
	t.Logf("%d of %d variants of healthy client captures get a false error", falseErrors, variants)
}

func slicesClone(in []pcapPacket) []pcapPacket { return append([]pcapPacket(nil), in...) }

// brokenVariantSources are broken captures to derive the variants from:
// passive refused at a gateway, passive dropped at the client, the
// callback dropped seen at the server, PORT rejected behind a NAT, and a
// client that falls back to active mode after its passive port was
// dropped (its transfers give the cut and lost-segment variants); the
// callback dropped at the client as pyftpdlib tells it ("421 Active data
// channel timed out." to PORT), Twisted dialling a NATed client's private
// address (ICMP from its own gateway, "425 Can't open data connection."),
// and curl falling back from Twisted's refused EPSV to a dropped PASV.
var brokenVariantSources = []string{
	"tnftp-vsftpd-passive-dropped-client",
	"ncftp-passive-proftpd-passive-rejected-gateway",
	"lftp-vsftpd-passive-dropped-client",
	"curl-active-pure-ftpd-client-firewall-server",
	"wget-active-vsftpd-client-nat-gateway",
	"inetutils-ftp-pyftpdlib-client-firewall-client",
	"ftplib-active-twisted-client-nat-server",
	"curl-twisted-passive-dropped-client",
}

// lossyVariants lose part of what the capture shows (the data
// connections, the text past the snap length, a control segment, the
// end): their errors may only be fewer than the source's.
var lossyVariants = []string{"port21", "snaplen96", "control-segment-lost", "cut-mid-transfer", "client-direction-only", "server-direction-only"}

// inferredCallback reports a lossy variant's active-callback-blocked in the
// form that says where the callback failed is not in the capture, for a
// source that saw where (dropped at the client, refused): the control
// channel still says the callback failed (pyftpdlib's "421 Active data
// channel timed out." to PORT), the lost data connections no longer say
// where.
func inferredCallback(g clientGolden, id string, want []string) bool {
	if id != "active-callback-blocked" || !slices.ContainsFunc(want, func(w string) bool {
		return w == "active-callback-dropped-locally" || w == "active-callback-refused"
	}) {
		return false
	}
	for _, s := range g.Sessions {
		for _, f := range s.Findings {
			if f.ID == id && !strings.HasSuffix(f.Title, "where is not in the capture") {
				return false
			}
		}
	}
	return true
}

// TestBrokenCaptureVariants analyzes each variant of each broken source
// capture: a variant that changes only how the same packets were taken
// (link type, VLAN, control port, jittered timestamps, segments split,
// reordered or duplicated, a command pipelined) gives exactly the source's
// errors; one that loses part of the capture gives no error the source
// does not (what it lacks is capture-incomplete, no failure), bar the
// callback failure the control channel still tells, where no longer seen
// (inferredCallback).
func TestBrokenCaptureVariants(t *testing.T) {
	manifest := map[string]clientCapture{}
	for _, c := range readClientManifest(t) {
		manifest[c.Name()] = c
	}
	for _, src := range brokenVariantSources {
		c, ok := manifest[src]
		if !ok || c.Healthy() || len(c.Errors) == 0 {
			t.Fatalf("variant source %s is no broken capture of the manifest", src)
		}
		raw, err := os.ReadFile(filepath.Join(clientsDir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		pkts := readPcap(t, raw)
		for _, v := range append(slices.Clone(captureVariants), linkVariants...) {
			t.Run(src+"/"+v.name, func(t *testing.T) {
				out, ok := v.derive(slicesClone(pkts))
				if !ok {
					t.Skipf("%s offers nothing to derive %s from", src, v.name)
				}
				g := analyzeGolden(t, writePcap(t, v.snaplen, v.link, out), v.args...)
				got, want := g.ids("error"), slices.Sorted(slices.Values(c.Errors))
				lossy := slices.Contains(lossyVariants, v.name)
				extra := slices.DeleteFunc(slices.Clone(got), func(id string) bool {
					return slices.Contains(want, id) || lossy && inferredCallback(g, id, want)
				})
				if (lossy && len(extra) > 0) || (!lossy && !slices.Equal(got, want)) {
					t.Errorf("errors %v, want %s %v; analyze says:%s", got, map[bool]string{true: "a subset of", false: "exactly"}[lossy], want, g.describe())
				}
			})
		}
	}
}

// TestOneDirectionVariants derives, from every client capture (healthy or
// broken, every server, at every vantage), the capture of each direction
// alone: every session says the capture holds one side only
// (capture-incomplete) and gives no error, whatever the source showed.
func TestOneDirectionVariants(t *testing.T) {
	n := 0
	for _, c := range readClientManifest(t) {
		raw, err := os.ReadFile(filepath.Join(clientsDir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		pkts := readPcap(t, raw)
		for _, side := range []string{"client", "server"} {
			t.Run(c.Name()+"/"+side+"-direction-only", func(t *testing.T) {
				out, ok := oneDirection(slicesClone(pkts), side == "client")
				if !ok {
					t.Fatalf("%s has no packet of each direction", c.File)
				}
				g := analyzeGolden(t, writePcap(t, 262144, layers.LinkTypeEthernet, out))
				if len(g.Sessions) == 0 {
					t.Fatal("no session")
				}
				for _, s := range g.Sessions {
					if !strings.Contains(s.Verdict, "holds only the "+side+"'s packets of the control connection") {
						t.Errorf("verdict %q does not say the capture holds the %s's packets only", s.Verdict, side)
					}
				}
				if errs := g.ids("error"); len(errs) > 0 || !slices.Contains(g.ids("info"), "capture-incomplete") {
					t.Errorf("errors %v, info %v: want none, and capture-incomplete; analyze says:%s", errs, g.ids("info"), g.describe())
				}
			})
			n++
		}
	}
	t.Logf("%d one-direction variants", n)
}
