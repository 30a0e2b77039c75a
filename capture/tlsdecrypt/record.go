package tlsdecrypt

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"

	"github.com/ftpdiag/ftpdiag/capture/tlswire"
)

// Record content types (RFC 8446 section 5.1).
const (
	typeChangeCipherSpec = tlswire.RecordChangeCipherSpec
	typeAlert            = tlswire.RecordAlert
	typeHandshake        = tlswire.RecordHandshake
	typeApplicationData  = tlswire.RecordApplicationData
)

const (
	recordHeader = 5
	// maxCiphertext bounds a record's body: 2^14 plus the expansion TLS
	// 1.2 allows (RFC 5246 section 6.2.3); TLS 1.3 allows less.
	maxCiphertext = 1<<14 + 2048
)

// errNotTLS is a record header no TLS stack writes.
var errNotTLS = errors.New("bytes that are not a TLS record")

// record is one TLS record as it came off the wire.
type record struct {
	typ     byte
	version uint16
	body    []byte
}

// records splits buffered bytes into whole records; it returns them and
// the bytes left over (a record not yet whole).
func records(b []byte) ([]record, []byte, error) {
	var out []record
	for len(b) >= recordHeader {
		typ, ver, n := b[0], binary.BigEndian.Uint16(b[1:3]), int(binary.BigEndian.Uint16(b[3:5]))
		if typ < typeChangeCipherSpec || typ > typeApplicationData || ver>>8 != 3 || n > maxCiphertext {
			return out, b, errNotTLS
		}
		if len(b) < recordHeader+n {
			break
		}
		out = append(out, record{typ: typ, version: ver, body: b[recordHeader : recordHeader+n]})
		b = b[recordHeader+n:]
	}
	return out, b, nil
}

// opener decrypts one direction's records under one key.
type opener struct {
	aead  cipher.AEAD
	iv    []byte // TLS 1.3 and ChaCha20: 12 bytes; TLS 1.2 GCM: 4-byte salt
	seq   uint64
	tls13 bool
}

// errAuth is a record whose AEAD tag did not verify.
var errAuth = errors.New("a record did not authenticate")

// open decrypts r; it returns the content type and the plaintext.
func (o *opener) open(r record) (byte, []byte, error) {
	var nonce, ct []byte
	var ad [13]byte
	overhead := o.aead.Overhead()
	switch {
	case o.tls13:
		nonce = o.seqNonce()
		ct = r.body
		ad[0], ad[1], ad[2] = r.typ, byte(r.version>>8), byte(r.version)
		binary.BigEndian.PutUint16(ad[3:5], uint16(len(r.body)))
	case len(o.iv) == 4: // TLS 1.2 GCM: salt, then the record's explicit nonce
		if len(r.body) < 8+overhead {
			return 0, nil, errAuth
		}
		nonce = append(append(make([]byte, 0, 12), o.iv...), r.body[:8]...)
		ct = r.body[8:]
	default: // TLS 1.2 ChaCha20-Poly1305 (RFC 7905)
		nonce = o.seqNonce()
		ct = r.body
	}
	if len(ct) < overhead {
		return 0, nil, errAuth
	}
	var aad []byte
	if o.tls13 {
		aad = ad[:5]
	} else {
		binary.BigEndian.PutUint64(ad[:8], o.seq)
		ad[8], ad[9], ad[10] = r.typ, byte(r.version>>8), byte(r.version)
		binary.BigEndian.PutUint16(ad[11:13], uint16(len(ct)-overhead))
		aad = ad[:]
	}
	pt, err := o.aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return 0, nil, errAuth
	}
	o.seq++
	if !o.tls13 {
		return r.typ, pt, nil
	}
	// TLSInnerPlaintext: content, the real type, zero padding.
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		return 0, nil, errAuth
	}
	return pt[i], pt[:i], nil
}

// seqNonce is the IV XOR the sequence number (TLS 1.3; TLS 1.2 ChaCha20).
func (o *opener) seqNonce() []byte {
	n := append(make([]byte, 0, 12), o.iv...)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], o.seq)
	for i := range s {
		n[len(n)-8+i] ^= s[i]
	}
	return n
}
