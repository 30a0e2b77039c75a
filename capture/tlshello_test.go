package capture

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture/tlswire"
)

// helloOpts shapes a synthetic hello.
type helloOpts struct {
	legacy    uint16
	random    []byte // ServerHello: 32 bytes (HelloRetryRequest's value)
	sessionID []byte
	exts      [][]byte // whole extensions (type, length, body)
}

func u16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }

// ext builds one extension.
func ext(typ int, body []byte) []byte {
	return append(append(u16(typ), u16(len(body))...), body...)
}

// vec8b and vec16b prefix a length.
func vec8b(b []byte) []byte  { return append([]byte{byte(len(b))}, b...) }
func vec16b(b []byte) []byte { return append(u16(len(b)), b...) }

func extsBlock(exts [][]byte) []byte {
	var all []byte
	for _, e := range exts {
		all = append(all, e...)
	}
	if exts == nil {
		return nil
	}
	return vec16b(all)
}

// clientHelloBody is a ClientHello body (no handshake header).
func clientHelloBody(o helloOpts) []byte {
	b := u16(int(o.legacy))
	b = append(b, make([]byte, 32)...)
	b = append(b, vec8b(o.sessionID)...)
	b = append(b, vec16b([]byte{0x13, 0x01, 0xc0, 0x2f})...)
	b = append(b, vec8b([]byte{0})...)
	return append(b, extsBlock(o.exts)...)
}

// serverHelloBody is a ServerHello body.
func serverHelloBody(o helloOpts) []byte {
	b := u16(int(o.legacy))
	r := o.random
	if r == nil {
		r = make([]byte, 32)
	}
	b = append(b, r...)
	b = append(b, vec8b(o.sessionID)...)
	b = append(b, 0x13, 0x01, 0)
	return append(b, extsBlock(o.exts)...)
}

// handshake wraps a message body in its header and a record.
func handshake(typ byte, body []byte) []byte {
	msg := append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	return record(recHandshake, msg)
}

func record(typ byte, body []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

var (
	sid     = []byte("0123456789abcdef0123456789abcdef")
	extEMS  = ext(tlswire.ExtExtendedMasterSecret, nil)
	extV13  = ext(tlswire.ExtSupportedVersions, vec8b([]byte{0x7a, 0x7a, 0x03, 0x04, 0x03, 0x03}))
	extSNI  = ext(tlswire.ExtServerName, vec16b(append([]byte{0}, vec16b([]byte("ftp.example.com"))...)))
	extPSK2 = ext(tlswire.ExtPreSharedKey, append(vec16b(append(append(vec16b([]byte("ticket-1")), 0, 0, 0, 1), append(vec16b([]byte("ticket-2")), 0, 0, 0, 2)...)), vec16b(vec8b(make([]byte, 32)))...))
)

func TestParseClientHello(t *testing.T) {
	tests := []struct {
		name string
		o    helloOpts
		want string // fmt of the interesting fields
	}{
		{"TLS 1.2, nothing offered, no extensions", helloOpts{legacy: 0x0303}, "[TLS 1.2] sid=0 ticket=false/0 psk=0 ems=false sni="},
		{"TLS 1.2 session ID and ticket", helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{ext(tlswire.ExtSessionTicket, []byte("TICKET")), extEMS}},
			"[TLS 1.2] sid=32 ticket=true/6 psk=0 ems=true sni="},
		{"empty ticket extension asks for one", helloOpts{legacy: 0x0303, exts: [][]byte{ext(tlswire.ExtSessionTicket, nil)}}, "[TLS 1.2] sid=0 ticket=true/0 psk=0 ems=false sni="},
		{"TLS 1.3 with GREASE, SNI and two PSK identities", helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{extV13, extSNI, extPSK2}},
			"[TLS 1.3 TLS 1.2] sid=32 ticket=false/0 psk=2 ems=false sni=ftp.example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, ok := parseClientHello(clientHelloBody(tc.o))
			if !ok {
				t.Fatal("not parsed")
			}
			got := fmt.Sprintf("%v sid=%d ticket=%v/%d psk=%d ems=%v sni=%s", ch.Versions, ch.SessionIDLen, ch.Ticket, ch.TicketLen, ch.PSKIdentities, ch.ExtendedMasterSecret, ch.ServerName)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestParseHelloTruncated: every prefix of a hello is refused or parsed,
// never read past its end.
func TestParseHelloTruncated(t *testing.T) {
	ch := clientHelloBody(helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{extV13, extSNI, extPSK2, extEMS}})
	sh := serverHelloBody(helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{ext(tlswire.ExtSupportedVersions, u16(0x0304)), ext(tlswire.ExtPreSharedKey, u16(0))}})
	for n := 0; n < len(ch); n++ {
		if _, ok := parseClientHello(ch[:n]); ok && n < 41 {
			t.Errorf("ClientHello of %d bytes parsed", n)
		}
	}
	for n := 0; n < len(sh); n++ {
		if _, _, ok := parseServerHello(sh[:n], nil); ok && n < 38 {
			t.Errorf("ServerHello of %d bytes parsed", n)
		}
	}
	bad := clientHelloBody(helloOpts{legacy: 0x0303, exts: [][]byte{ext(tlswire.ExtSupportedVersions, []byte{200, 3})}})
	if ch, ok := parseClientHello(bad); !ok || len(ch.Versions) != 1 {
		t.Errorf("a supported_versions list longer than its extension: %+v %v", ch, ok)
	}
}

func TestParseServerHello(t *testing.T) {
	client, _ := parseClientHello(clientHelloBody(helloOpts{legacy: 0x0303, sessionID: sid}))
	tests := []struct {
		name  string
		o     helloOpts
		retry bool
		want  string
	}{
		{"TLS 1.2 session ID echoed", helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{extEMS}}, false, "TLS 1.2 echoed=true psk=false ems=true"},
		{"TLS 1.2 new session ID", helloOpts{legacy: 0x0303, sessionID: []byte("another-session-id-of-32-bytes!!")}, false, "TLS 1.2 echoed=false psk=false ems=false"},
		{"TLS 1.3 PSK selected", helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{ext(tlswire.ExtSupportedVersions, u16(0x0304)), ext(tlswire.ExtPreSharedKey, u16(0))}}, false, "TLS 1.3 echoed=true psk=true ems=false"},
		{"HelloRetryRequest", helloOpts{legacy: 0x0303, random: tlswire.HelloRetryRandom[:], sessionID: sid, exts: [][]byte{ext(tlswire.ExtSupportedVersions, u16(0x0304))}}, true, "TLS 1.3 echoed=true psk=false ems=false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sh, retry, ok := parseServerHello(serverHelloBody(tc.o), client)
			if !ok {
				t.Fatal("not parsed")
			}
			got := fmt.Sprintf("%s echoed=%v psk=%v ems=%v", sh.Version, sh.SessionIDEchoed, sh.PSKSelected, sh.ExtendedMasterSecret)
			if got != tc.want || retry != tc.retry {
				t.Errorf("got %s retry %v, want %s retry %v", got, retry, tc.want, tc.retry)
			}
		})
	}
}

// follow feeds two sides' byte streams to a follower in segments of at
// most size bytes, alternating as the flights come.
func follow(flights []struct {
	d int
	b []byte
}, size int) *TLSFacts {
	return followOrder(flights, size, false)
}

// followOrder is follow, each pair of a flight's segments sent in swapped
// order when swap is set (reordered on the way).
func followOrder(flights []struct {
	d int
	b []byte
}, size int, swap bool) *TLSFacts {
	held := &tlsHeld{}
	tf := &tlsFollow{f: &TLSFacts{ClientSide: SideInitiator}, held: held}
	seq := [2]uint32{1000, 5000}
	for i, fl := range flights {
		r := &tf.dir[fl.d]
		if !r.started {
			r.started, r.next = true, seq[fl.d]
		}
		type piece struct {
			seq uint32
			b   []byte
		}
		var ps []piece
		for b := fl.b; len(b) > 0; {
			n := min(size, len(b))
			ps = append(ps, piece{seq[fl.d], b[:n]})
			seq[fl.d] += uint32(n)
			b = b[n:]
		}
		for j := 0; swap && j+1 < len(ps); j += 2 {
			ps[j], ps[j+1] = ps[j+1], ps[j]
		}
		for _, p := range ps {
			tf.segment(fl.d, p.seq, p.b, 0, PacketRef{T: float64(i), Packet: i + 1})
		}
	}
	tf.finish()
	if held.n != 0 {
		tf.f.Unreadable += fmt.Sprintf(" (held %d bytes at the end)", held.n)
	}
	return tf.f
}

type flight = struct {
	d int
	b []byte
}

// TestFollowTLS12: a full and an abbreviated TLS 1.2 handshake, read
// whole, one byte a segment, and with segments reordered, give the same
// facts.
func TestFollowTLS12(t *testing.T) {
	ch := handshake(hsClientHello, clientHelloBody(helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{extEMS}}))
	full := []flight{
		{0, ch},
		{1, append(handshake(hsServerHello, serverHelloBody(helloOpts{legacy: 0x0303, sessionID: []byte("a-new-session-id-of-32-bytes!!!!")})), handshake(hsCertificate, make([]byte, 900))...)},
		{0, append(append(handshake(16, make([]byte, 70)), record(recChangeCipherSpec, []byte{1})...), record(recHandshake, make([]byte, 40))...)},
		{1, append(record(recChangeCipherSpec, []byte{1}), record(recHandshake, make([]byte, 40))...)},
		{1, append(record(recAlert, []byte{1, 0}), record(recAlert, make([]byte, 26))...)},
	}
	resumed := []flight{
		{0, ch},
		{1, append(append(handshake(hsServerHello, serverHelloBody(helloOpts{legacy: 0x0303, sessionID: sid})), record(recChangeCipherSpec, []byte{1})...), record(recHandshake, make([]byte, 40))...)},
		{0, append(record(recChangeCipherSpec, []byte{1}), record(recHandshake, make([]byte, 40))...)},
		{1, record(recApplicationData, make([]byte, 300))},
	}
	tests := []struct {
		name    string
		flights []flight
		want    string
	}{
		{"full handshake, no data, server's alert first", full, "TLS 1.2 none done=true app=0/0 alerts=[encrypted alert encrypted alert] unreadable="},
		{"refused at once with a clear alert", []flight{{0, ch}, {1, record(recAlert, []byte{2, 40})}}, "  done=false app=0/0 alerts=[fatal handshake_failure] unreadable="},
		{"session ID resumed, data from the server", resumed, "TLS 1.2 session-id done=true app=0/1 alerts=[] unreadable="},
	}
	for _, tc := range tests {
		for _, size := range []int{1, 3, 1 << 16} {
			for _, swap := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d/swapped=%v", tc.name, size, swap), func(t *testing.T) {
					f := followOrder(tc.flights, size, swap)
					var alerts []string
					for _, a := range f.Alerts {
						alerts = append(alerts, a.Text)
					}
					got := fmt.Sprintf("%s %s done=%v app=%d/%d alerts=[%s] unreadable=%s", f.Version(), f.Resumption, f.Completed, f.AppRecordsFromClient, f.AppRecordsFromServer, strings.Join(alerts, " "), f.Unreadable)
					if got != tc.want {
						t.Errorf("got  %s\nwant %s", got, tc.want)
					}
				})
			}
		}
	}
}

// TestFollowHostile: what is no TLS, or breaks the bounds, stops the
// following with a reason and holds nothing.
func TestFollowHostile(t *testing.T) {
	ch := handshake(hsClientHello, clientHelloBody(helloOpts{legacy: 0x0303}))
	huge := []byte{recHandshake, 3, 3, 0x40, 0x00, hsClientHello, 0xff, 0xff, 0xff}
	tests := []struct {
		name    string
		flights []flight
		want    string
	}{
		{"a record type that does not exist", []flight{{0, ch}, {1, []byte{99, 3, 3, 0, 1, 0}}}, "bytes that are no TLS record"},
		{"a record longer than any version allows", []flight{{0, ch}, {1, []byte{recHandshake, 3, 3, 0xff, 0xff}}}, "bytes that are no TLS record"},
		{"a 16 MiB hello", []flight{{0, huge}}, "a handshake message beyond the bounds of this reader"},
		{"a ServerHello cut inside its fields", []flight{{0, ch}, {1, handshake(hsServerHello, []byte{3, 3, 1})}}, "a malformed ServerHello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := follow(tc.flights, 7)
			if f.Unreadable != tc.want {
				t.Errorf("unreadable %q, want %q", f.Unreadable, tc.want)
			}
		})
	}
}

// TestTLSFactsOfClientCaptures reads the lab's FTPS captures of real
// clients (testdata/tls, scripts/make-tls-captures): each connection's
// version, resumption and completion, as Wireshark shows them.
func TestTLSFactsOfClientCaptures(t *testing.T) {
	tests := []struct {
		file  string
		conns []string // per connection in order: "[hrr ]version resumption"
	}{
		{"curl-tls12-vsftpd-reuse.pcap", []string{"TLS 1.2 none", "TLS 1.2 session-id", "TLS 1.2 session-id"}},
		{"curl-vsftpd-reuse.pcap", []string{"hrr TLS 1.3 none", "hrr TLS 1.3 psk", "hrr TLS 1.3 psk"}},
		{"ftplib-reuse-tls12-vsftpd-reuse.pcap", []string{"TLS 1.2 none", "TLS 1.2 ticket", "TLS 1.2 ticket"}},
		{"ftplib-reuse-vsftpd-reuse.pcap", []string{"hrr TLS 1.3 none", "hrr TLS 1.3 psk", "hrr TLS 1.3 psk"}},
		{"ftplib-tls12-vsftpd-reuse.pcap", []string{"TLS 1.2 none", "TLS 1.2 none"}},
		{"ftplib-vsftpd-reuse.pcap", []string{"hrr TLS 1.3 none", "hrr TLS 1.3 none"}},
		{"lftp-vsftpd-reuse.pcap", []string{"TLS 1.3 none", "TLS 1.3 psk", "TLS 1.3 psk"}},
		// Pure-FTPd sends no ticket and keeps no session: every handshake
		// is full, and works (it never demands reuse).
		{"ftplib-pure-ftpd.pcap", []string{"hrr TLS 1.3 none", "hrr TLS 1.3 none", "hrr TLS 1.3 none"}},
		{"ftplib-tls12-pure-ftpd.pcap", []string{"TLS 1.2 none", "TLS 1.2 none", "TLS 1.2 none"}},
		{"curl-pure-ftpd.pcap", []string{"hrr TLS 1.3 none", "hrr TLS 1.3 none", "hrr TLS 1.3 none"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := ReadFiles([]string{filepath.Join("..", "testdata", "tls", tc.file)}, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range ev.Conns {
				f := c.TLS
				if f == nil {
					got = append(got, "no TLS")
					continue
				}
				s := fmt.Sprintf("%s %s", f.Version(), f.Resumption)
				if f.HelloRetry {
					s = "hrr " + s
				}
				if !f.Completed || f.Unreadable != "" {
					s += fmt.Sprintf(" completed=%v unreadable=%q", f.Completed, f.Unreadable)
				}
				got = append(got, s)
			}
			if strings.Join(got, "; ") != strings.Join(tc.conns, "; ") {
				t.Errorf("got  %s\nwant %s", strings.Join(got, "; "), strings.Join(tc.conns, "; "))
			}
		})
	}
}

// FuzzTLSFollow feeds arbitrary bytes as the two sides of a connection,
// in segments whose sizes the input picks: never a panic, nothing held at
// the end.
func FuzzTLSFollow(f *testing.F) {
	ch := handshake(hsClientHello, clientHelloBody(helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{extV13, extSNI, extPSK2, extEMS}}))
	sh := handshake(hsServerHello, serverHelloBody(helloOpts{legacy: 0x0303, sessionID: sid, exts: [][]byte{ext(tlswire.ExtSupportedVersions, u16(0x0304)), ext(tlswire.ExtPreSharedKey, u16(0))}}))
	f.Add(append(append([]byte{byte(len(ch))}, ch...), sh...), uint8(5))
	f.Add(ch, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		if len(data) == 0 {
			return
		}
		split := min(int(data[0]), len(data)-1)
		flights := []flight{{0, data[1 : 1+split]}, {1, data[1+split:]}}
		got := follow(flights, int(size)+1)
		if strings.Contains(got.Unreadable, "held") {
			t.Fatalf("bytes still held: %s", got.Unreadable)
		}
	})
}
