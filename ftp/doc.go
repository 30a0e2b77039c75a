// Package ftp holds the FTP protocol as data: it reads and classifies server
// replies and decides, once for the whole program, what a reply means as
// the answer to its command (Interpret: its step in the RFC 959 sequence
// and a meaning from a closed set, from a table of server wordings),
// formats client commands, parses and formats the addresses carried
// by 227/229 replies and PORT/EPRT commands, parses LIST lines and FEAT
// replies, and recognises server software from its banner, SYST and FEAT.
//
// It is shared by the probe (which talks to live servers) and the capture
// code (which rebuilds dialogues from packets), so it contains no policy,
// no timeouts, no dialling and no printing: every function is a pure
// transformation of bytes or strings, and every reader is bounded so that
// a hostile or broken peer cannot make it allocate without limit.
//
// Errors that callers are expected to test for are sentinels
// (ErrLineTooLong, ErrReplyTooLong, ErrMalformedReply, ErrBadArgument,
// ErrBadAddress), always wrapped with context and matched with errors.Is.
package ftp
