package capture

import (
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// TestRedactSecrets: a known secret is masked wherever it appears on the
// control connection, both ways and across segments; ACCT arguments are
// masked like PASS ones.
func TestRedactSecrets(t *testing.T) {
	const pw = "s3cretpw"
	type in struct {
		payload string
		toSrv   bool
		seq     uint32 // 0: follows the previous segment of that direction
	}
	tests := []struct {
		name   string
		secret string
		segs   []in
		want   []string
	}{
		{"echoed in a 530", pw, []in{{"530 Login incorrect for s3cretpw\r\n", false, 0}}, []string{"530 Login incorrect for ********\r\n"}},
		{"echoed twice", pw, []in{{"500 s3cretpw? s3cretpw!\r\n", false, 0}}, []string{"500 ********? ********!\r\n"}},
		{"echo split across segments", pw, []in{{"530 bad s3cr", false, 0}, {"etpw\r\n", false, 0}}, []string{"530 bad ****", "****\r\n"}},
		{"split echo, continuation resent", pw, []in{{"530 s3c", false, 0}, {"retpw\r\n", false, 0}, {"retpw\r\n", false, 8}}, []string{"530 ***", "*****\r\n", "*****\r\n"}},
		{"in another command", pw, []in{{"SITE EXEC s3cretpw\r\n", true, 0}}, []string{"SITE EXEC ********\r\n"}},
		{"a prefix alone at a segment end", pw, []in{{"211 s3c", false, 0}, {"ond\r\n", false, 0}}, []string{"211 ***", "ond\r\n"}},
		{"short secret: PASS lines only", "ab", []in{{"PASS ab\r\n", true, 0}, {"530 ab\r\n", false, 0}}, []string{"PASS **\r\n", "530 ab\r\n"}},
		{"ACCT argument", "", []in{{"ACCT billing-42\r\n", true, 0}}, []string{"ACCT **********\r\n"}},
		{"acct, lower case, split", "", []in{{"acct bil", true, 0}, {"ling\r\nNOOP\r\n", true, 0}}, []string{"acct ***", "****\r\nNOOP\r\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedactor(21, tt.secret)
			seq := map[bool]uint32{true: 1, false: 1}
			for i, sg := range tt.segs {
				if sg.seq != 0 {
					seq[sg.toSrv] = sg.seq
				}
				src, dst := client, server
				if !sg.toSrv {
					src, dst = server, client
				}
				fr := frame(layers.LinkTypeEthernet, tcpPacket(t, seg{src: src, dst: dst, flags: "PA", seq: seq[sg.toSrv], ack: 1, payload: sg.payload}))
				changed := r.Frame(layers.LinkTypeEthernet, fr)
				seq[sg.toSrv] += uint32(len(sg.payload))
				got := string(fr[len(fr)-len(sg.payload):])
				if got != tt.want[i] {
					t.Errorf("segment %d: got %q want %q", i, got, tt.want[i])
				}
				if changed != (got != sg.payload) {
					t.Errorf("segment %d: changed=%v", i, changed)
				}
				if !checksumOK(t, fr) {
					t.Errorf("segment %d: bad TCP checksum after masking", i)
				}
			}
		})
	}
}

// TestSessionCredentials: analyze shows neither ACCT arguments nor the
// tail of a PASS line a capture started inside of.
func TestSessionCredentials(t *testing.T) {
	d := newDialogue(t, client, server)
	d.s("220 hi\r\n").c("USER bob\r\n").s("331 pw\r\n").c("PASS x\r\n").s("332 account\r\n").c("ACCT billing-42\r\n").s("230 ok\r\n")
	ev := readRecs(t, d.recs)
	var cmds []string
	for _, x := range ev.Sessions[0].Exchanges {
		cmds = append(cmds, x.Command)
	}
	if got := strings.Join(cmds, "|"); got != "|USER bob|PASS *|ACCT **********" {
		t.Errorf("commands %q", got)
	}

	// A capture that starts inside a PASS line: no SYN, the first client
	// segment is the password's tail, the server's the end of a reply.
	late := &dialogue{tb: t, cli: client, srv: server, cseq: 500, sseq: 9000}
	late.c("tail\r\n").s("ssword.\r\n230 Login successful.\r\n").c("PWD\r\n").s("257 \"/\"\r\n")
	ev = readRecs(t, late.recs)
	if len(ev.Sessions) != 1 {
		t.Fatalf("%d sessions", len(ev.Sessions))
	}
	cmds = nil
	for _, x := range ev.Sessions[0].Exchanges {
		cmds = append(cmds, x.Command)
		for _, r := range x.Replies {
			cmds = append(cmds, r.Lines...)
		}
	}
	got := strings.Join(cmds, "|")
	if strings.Contains(strings.ToUpper(got), "TAIL") || strings.Contains(got, "ssword") {
		t.Errorf("a partial first line shown: %q", got)
	}
	if !strings.Contains(got, "PWD|257") {
		t.Errorf("the dialogue after the first lines is lost: %q", got)
	}
}
