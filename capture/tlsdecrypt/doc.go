// Package tlsdecrypt reads the TLS records of a captured connection with
// the secrets its client wrote to an NSS key log (SSLKEYLOGFILE, Go's
// tls.Config.KeyLogWriter), so that an FTPS control channel can be read
// as if it were plain FTP.
//
// It holds the key log reader (KeyLog), the key schedules (the TLS 1.2
// PRF key block; TLS 1.3 HKDF-Expand-Label traffic keys), the record
// layer (AES-128/256-GCM and ChaCha20-Poly1305 under TLS 1.2 and 1.3)
// and the little of the handshake it needs: the ClientHello's random, the
// ServerHello's random, version and cipher suite, and where the keys
// change. It verifies nothing about the peers (certificates, Finished
// hashes): it only opens records whose AEAD tags prove the keys right.
// When it cannot decrypt (no secrets for the connection, an unsupported
// cipher suite, a hole in the capture, a record that does not
// authenticate) it stops and says why; it never guesses a byte.
package tlsdecrypt
