// Package probe is the FTP client that tries every data mode and records
// what it did and what it was told.
//
// Run logs in on one control connection per data mode (EPSV, PASV, EPRT,
// PORT), runs a LIST and a small RETR over a fresh data connection each,
// and returns a Result: every step timed on one monotonic timeline, with a
// classified Outcome from a small closed vocabulary. A refused or filtered
// connection is an outcome in the Result, never a Go error; Run's error is
// for setup problems only. The probe never prints and never decides what a
// failure means: that is the report's job.
//
// Safety: the probe only connects to the server it was pointed at. When a
// 227 reply announces another address, it dials the control peer's address
// with the announced port (as curl and FileZilla do) unless the caller sets
// Options.TrustPasvAddress.
package probe
