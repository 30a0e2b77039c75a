package capture

import (
	"github.com/ftpdiag/ftpdiag/capture/tlsdecrypt"
)

// Decryption is what a key log (analyze --tls-keylog) allowed of a
// control connection's TLS: the records read with its secrets, and why
// reading stopped, if it did.
type Decryption struct {
	// Version and CipherSuite are the ServerHello's choice ("" when none
	// was read).
	Version     string `json:"version,omitempty"`
	CipherSuite string `json:"cipher_suite,omitempty"`
	// Records counts the records decrypted, both ways.
	Records int `json:"records"`
	// Stopped says why decryption stopped or never started ("" when every
	// record was read): no secrets for the session in the key log, a
	// cipher suite not decrypted, a hole in the capture, a record that
	// did not authenticate. StoppedAt is the segment where it did.
	Stopped   string     `json:"stopped,omitempty"`
	StoppedAt *PacketRef `json:"stopped_at,omitempty"`
}

// tlsBytes takes in-order bytes of a control connection under TLS: they
// are counted, and with a key log decrypted, the commands and replies
// read from them going through the same parse and pairing as clear text.
func (fs *ftpStream) tlsBytes(p []byte, isClient bool, ref PacketRef) {
	fs.tlsRecord(p, isClient)
	if fs.dec == nil {
		if fs.keys != nil {
			fs.dec = tlsdecrypt.NewConn(fs.keys)
			fs.s.TLS.Decryption = &Decryption{}
		} else {
			fs.s.TLS.Encrypted = true
			return
		}
	}
	if fs.dec.Stopped() {
		fs.s.TLS.Encrypted = true
		return
	}
	end := fs.pos + uint32(len(p))
	text := fs.dec.Feed(isClient, p)
	fs.noteDecryption(ref)
	if len(text) > 0 {
		fs.decrypting = true
		if isClient {
			fs.pos = end // a command is received once its record is whole
			fs.clientText(text, ref)
		} else {
			fs.serverText(text, ref)
		}
		fs.decrypting = false
	}
	if fs.dec.Stopped() {
		fs.decryptionStopped(ref)
	}
}

// tlsLost tells the decryption that bytes of the TLS stream are missing.
func (fs *ftpStream) tlsLost(isClient bool, ref PacketRef) {
	if fs.dec == nil || fs.dec.Stopped() {
		return
	}
	fs.dec.Lost(isClient)
	fs.noteDecryption(ref)
	fs.decryptionStopped(ref)
}

// noteDecryption copies the decryption's status into the session.
func (fs *ftpStream) noteDecryption(ref PacketRef) {
	st := fs.dec.Status()
	d := fs.s.TLS.Decryption
	d.Version, d.CipherSuite, d.Records = st.Version, st.Suite, st.Records
	if st.Stopped != "" && d.Stopped == "" {
		r := ref
		d.Stopped, d.StoppedAt = st.Stopped, &r
	}
}

// decryptionStopped: the rest of the dialogue is unreadable, so the
// commands still waiting for a reply may have had it there, and a data
// set-up its transfer command (as after a hole of the capture).
func (fs *ftpStream) decryptionStopped(ref PacketRef) {
	fs.s.TLS.Encrypted = true
	for _, a := range fs.awaiting {
		if a.x.Final() == nil {
			a.x.mark(UnknownReplyLost)
		}
	}
	fs.awaiting = nil
	if fs.setup != nil && fs.setup.Transfer == nil {
		fs.setup.Transfer = &FTPExchange{PacketRef: ref, Unknown: UnknownCommandLost}
		fs.setup = nil
	}
	fs.dropReply(false)
}
