package tlswire

// reader reads big-endian fields with bounds checks: a short read sets
// bad and returns zeros, so a parse checks ok() once at the end.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) u8() int {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() int {
	if len(r.b) < 2 {
		r.bad = true
		r.b = nil
		return 0
	}
	v := int(r.b[0])<<8 | int(r.b[1])
	r.b = r.b[2:]
	return v
}

// bytes takes n bytes (a sub-slice, not a copy).
func (r *reader) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// vec8 and vec16 take a vector with a 1- or 2-byte length.
func (r *reader) vec8() []byte  { return r.bytes(r.u8()) }
func (r *reader) vec16() []byte { return r.bytes(r.u16()) }

func (r *reader) ok() bool { return !r.bad }

// extensions calls fn for each extension of a hello's extension block
// (absent: none). It reports false when the block is malformed.
func extensions(r *reader, fn func(typ int, body []byte)) bool {
	if len(r.b) == 0 {
		return r.ok()
	}
	all := reader{b: r.vec16()}
	if !r.ok() {
		return false
	}
	for len(all.b) > 0 && all.ok() {
		typ := all.u16()
		body := all.vec16()
		if all.ok() {
			fn(typ, body)
		}
	}
	return all.ok()
}
