package report

import "github.com/ftpdiag/ftpdiag/probe"

// The "seen from outside" section (the "outside" member of the JSON
// report, docs/json-schema.md): when the probe ran against an ftpdiag
// responder, what the responder recorded of each control connection,
// beside what the probe sent and received. Built in outside_record.go
// from the observations of outside.go.

// OutsideRecord is the section.
type OutsideRecord struct {
	// Responder is the responder's version, from FEAT.
	Responder   string              `json:"responder"`
	Connections []OutsideConnRecord `json:"connections"`
}

// OutsideConnRecord is one control connection seen from both ends.
type OutsideConnRecord struct {
	Mode probe.Mode `json:"mode"`
	// Plain: the plain-text comparison run of --tls auto.
	Plain bool `json:"plain,omitempty"`
	// Challenge is how the responder's challenge went (probe.Challenge*).
	Challenge string `json:"challenge"`
	// Error says why the responder's record is missing.
	Error string `json:"error,omitempty"`
	// ControlLocal is the control connection's source as this host saw
	// it; ControlSeen as the responder saw it.
	ControlLocal string `json:"control_local,omitempty"`
	ControlSeen  string `json:"control_seen,omitempty"`
	// TLS is the control connection's TLS as the responder saw it.
	TLS string `json:"tls,omitempty"`
	// Commands are the PORT/EPRT commands as sent and as received.
	Commands []OutsidePairRecord `json:"commands,omitempty"`
	// Replies are the 227/229 announcements as the responder sent them
	// (its letter copy) and as this host received them.
	Replies []OutsidePairRecord `json:"replies,omitempty"`
	// DataSeen are the sources of this host's data connections as the
	// responder saw them.
	DataSeen []string `json:"data_seen,omitempty"`
	// Port20 says whether the responder's callbacks could come from port
	// 20 ("bound", "not permitted", "in use").
	Port20 string `json:"port20,omitempty"`
	// Callbacks are the callback tests on this connection, seen from both
	// ends.
	Callbacks []OutsideCallbackRecord `json:"callbacks,omitempty"`
}

// OutsideCallbackRecord is one callback the probe asked the responder
// for, seen from both ends.
type OutsideCallbackRecord struct {
	// Kind is "port20" or "ephemeral": the responder's source port.
	Kind string `json:"kind"`
	// Sent is the PORT/EPRT as sent, Received as the responder received
	// it; Reply is the responder's answer that ended the try: its refusal
	// of the PORT/EPRT, or its reply to SITE FTPDIAG CALLBACK.
	Sent     string `json:"sent,omitempty"`
	Received string `json:"received,omitempty"`
	Reply    string `json:"reply,omitempty"`
	// From is the responder's source address:port, To where it called.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Responder is the outcome as the responder saw it ("" when it made
	// no callback).
	Responder string `json:"responder,omitempty"`
	// Arrived: the callback, carrying this session's line, reached this
	// host; ArrivedFrom is its source as this host saw it.
	Arrived     bool   `json:"arrived"`
	ArrivedFrom string `json:"arrived_from,omitempty"`
	// State is the verdict from both ends: "passes", "blocked", "not
	// tested", "unclear".
	State string `json:"state"`
	// Error says why the probe's try stopped early.
	Error string `json:"error,omitempty"`
}

// OutsidePairRecord is one thing as sent and as received ("" when that
// side did not record it).
type OutsidePairRecord struct {
	Sent     string `json:"sent"`
	Received string `json:"received"`
}
