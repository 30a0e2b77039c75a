package tlsdecrypt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The TLS 1.2 PRF with SHA-256: the vector posted to the TLS working
// group list (secret, seed, label "test label", 100 bytes).
func TestPRF12(t *testing.T) {
	got := prf12(sha256.New, unhex(t, "9bbe436ba940f017b17652849a71db35"), "test label", unhex(t, "a0ba9f936cda311827a6f796ffd5198c"), 100)
	want := unhex(t, "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66")
	if !bytes.Equal(got, want) {
		t.Errorf("PRF = %x\nwant  %x", got, want)
	}
}

// RFC 8448 section 3 (simple 1-RTT handshake, TLS_AES_128_GCM_SHA256):
// the traffic secrets and the write keys and IVs derived from them.
func TestTrafficKeys13RFC8448(t *testing.T) {
	s := suites[0x1301]
	for _, tc := range []struct{ name, secret, key, iv string }{
		{"client handshake", "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21", "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f"},
		{"server handshake", "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"},
		{"client application", "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5", "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9"},
		{"server application", "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643", "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984"},
	} {
		key, iv, err := trafficKeys13(s, unhex(t, tc.secret))
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(key) != tc.key || hex.EncodeToString(iv) != tc.iv {
			t.Errorf("%s: key %x iv %x, want %s %s", tc.name, key, iv, tc.key, tc.iv)
		}
	}
}

// RFC 8448 section 3's application records: 50 bytes (00..31) each way,
// the server's at sequence number 1 (its NewSessionTicket took 0), and
// the client's close_notify at 1.
func TestOpen13RFC8448(t *testing.T) {
	payload := make([]byte, 50)
	for i := range payload {
		payload[i] = byte(i)
	}
	for _, tc := range []struct {
		name, secret, record string
		seq                  uint64
		typ                  byte
		want                 []byte
	}{
		{"client data", "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
			"1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4", 0, typeApplicationData, payload},
		{"server data", "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
			"17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d", 1, typeApplicationData, payload},
		{"client close_notify", "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
			"1703030013c9872760655666b74d7ff1153efd6db6d0b0e3", 1, typeAlert, []byte{1, 0}},
	} {
		c := &Conn{suite: suites[0x1301]}
		d := &direction{}
		if !c.key13(d, unhex(t, tc.secret)) {
			t.Fatalf("%s: %s", tc.name, c.st.Stopped)
		}
		d.open.seq = tc.seq
		recs, rest, err := records(unhex(t, tc.record))
		if err != nil || len(recs) != 1 || len(rest) != 0 {
			t.Fatalf("%s: records: %v %d %d", tc.name, err, len(recs), len(rest))
		}
		typ, pt, err := d.open.open(recs[0])
		if err != nil || typ != tc.typ || !bytes.Equal(pt, tc.want) {
			t.Errorf("%s: type %d, %x, %v; want type %d, %x", tc.name, typ, pt, err, tc.typ, tc.want)
		}
		// The same record under the next sequence number must not open.
		d.open.seq = tc.seq + 1
		if _, _, err := d.open.open(recs[0]); err == nil {
			t.Errorf("%s: opened under the wrong sequence number", tc.name)
		}
	}
}
