package report

import (
	"fmt"
	"strings"
)

// outsideRecord builds the "seen from outside" section; nil when no mode
// ran against a responder.
func outsideRecord(in *input) *OutsideRecord {
	obs := in.outside()
	if len(obs) == 0 {
		return nil
	}
	out := &OutsideRecord{Responder: obs[0].view.Version, Connections: []OutsideConnRecord{}}
	for i := range obs {
		out.Connections = append(out.Connections, outsideConn(&obs[i]))
	}
	return out
}

func outsideConn(o *outsideObs) OutsideConnRecord {
	c := OutsideConnRecord{Mode: o.mr.Mode, Plain: o.plain, Challenge: o.view.Challenge, Error: o.view.Error, ControlLocal: o.mr.ControlLocal}
	for _, p := range o.pasv {
		c.Replies = append(c.Replies, OutsidePairRecord{Sent: p.copy, Received: p.announced})
	}
	if o.rec == nil {
		if c.Error == "" {
			c.Error = "no record: " + o.view.Challenge
		}
		return c
	}
	c.ControlSeen = o.rec.Control.Remote
	if t := o.rec.Control.TLS; t != nil {
		c.TLS = fmt.Sprintf("%s %s", t.Mode, t.Version)
		if t.Error != "" {
			c.TLS = t.Mode + " failed: " + t.Error
		}
	}
	for _, p := range o.ports {
		c.Commands = append(c.Commands, OutsidePairRecord{Sent: p.sent, Received: p.received})
	}
	for _, ap := range o.dataSeen {
		c.DataSeen = append(c.DataSeen, ap.String())
	}
	c.Port20 = o.rec.Port20
	for i := range o.callbacks {
		c.Callbacks = append(c.Callbacks, o.callbacks[i].record())
	}
	return c
}

// record is a callback try's part of the section.
func (o *callbackObs) record() OutsideCallbackRecord {
	r := OutsideCallbackRecord{Kind: o.try.Kind, Sent: o.try.Command, Received: o.received, Reply: o.try.CommandReply,
		State: string(o.state), Error: o.try.Error}
	if strings.HasPrefix(r.Reply, "2") {
		r.Reply = o.try.Reply // the command was accepted: the callback's answer
	}
	if o.cb != nil {
		r.From, r.To, r.Responder = o.cb.From, o.cb.To, o.cb.Outcome
	}
	if o.arrived != nil {
		r.Arrived, r.ArrivedFrom = true, o.arrived.From
	}
	return r
}

// outsideLine is one line of the section as the renderers show it.
type outsideLine struct{ label, text string }

// lines lists what a connection's record shows, in reading order.
func (c OutsideConnRecord) lines() []outsideLine {
	var out []outsideLine
	add := func(label, format string, a ...any) { out = append(out, outsideLine{label, fmt.Sprintf(format, a...)}) }
	if c.ControlLocal != "" || c.ControlSeen != "" {
		add("control", "left here from %s, seen by the responder from %s", orDash(c.ControlLocal), orDash(c.ControlSeen))
	}
	for _, p := range c.Commands {
		add("command", "sent %q, received %q", p.Sent, p.Received)
	}
	for _, p := range c.Replies {
		if p.Sent == "" {
			add("reply", "received %s (no letter copy in the reply)", p.Received)
			continue
		}
		add("reply", "announced %s, received %s", p.Sent, p.Received)
	}
	if len(c.DataSeen) > 0 {
		add("data", "seen by the responder from %s", strings.Join(c.DataSeen, ", "))
	}
	if c.TLS != "" {
		add("tls", "%s", c.TLS)
	}
	if c.Port20 != "" {
		add("port 20", "%s", c.Port20)
	}
	for _, cb := range c.Callbacks {
		add("callback", "%s", cb.text())
	}
	if c.Error != "" {
		add("missing", "%s", c.Error)
	}
	return out
}

// text is a callback's line in the section.
func (cb OutsideCallbackRecord) text() string {
	what := "from port 20"
	if cb.Kind != "port20" {
		what = "from an ephemeral port"
	}
	switch {
	case cb.Responder == "" && cb.Error != "":
		return fmt.Sprintf("%s: not tested (%s)", what, cb.Error)
	case cb.Responder == "":
		return fmt.Sprintf("%s: not tested (after %s the responder answered %q)", what, orDash(cb.Sent), cb.Reply)
	case strings.HasPrefix(cb.Responder, "not tested: port 20 "):
		return fmt.Sprintf("%s: not tested: the responder may not bind port 20 (%s; it needs root or CAP_NET_BIND_SERVICE)", what, strings.TrimPrefix(cb.Responder, "not tested: port 20 "))
	case cb.State == string(callbackNotTested):
		return fmt.Sprintf("%s: %s", what, cb.Responder)
	}
	here := "nothing reached this host"
	if cb.Arrived {
		here = "reached this host from " + cb.ArrivedFrom
	}
	return fmt.Sprintf("%s: %s: the responder (%s) to %s: %s; %s", what, cb.State, orDash(cb.From), cb.To, cb.Responder, here)
}

// name is the connection's heading.
func (c OutsideConnRecord) name() string {
	if c.Plain {
		return string(c.Mode) + " (plain)"
	}
	return string(c.Mode)
}
