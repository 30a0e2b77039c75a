package capture

// lookupSlack widens a lookup window: the probe's timestamps and the
// kernel's capture timestamps come from different clocks' views of the same
// moment, and a SYN leaves a little after connect() is called.
const lookupSlack = 0.5

// FirstT is the time of the connection's first SYN, or of its first packet
// when no SYN was seen.
func (c *Conn) FirstT() float64 {
	if len(c.SYNs) > 0 {
		return c.SYNs[0].T
	}
	return c.First.T
}
