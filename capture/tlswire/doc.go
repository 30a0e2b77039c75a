// Package tlswire reads the TLS handshake messages that both the
// handshake facts of a capture (package capture) and the decryption of a
// capture with a key log (package capture/tlsdecrypt) need: the
// ClientHello and ServerHello bodies and the names of protocol versions
// (RFC 5246, RFC 8446). Every length read from the wire is checked against
// the bytes that hold it; nothing here allocates more than the message it
// was given, and what it returns aliases that message.
package tlswire
