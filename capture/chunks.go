package capture

import "slices"

// A classic pcap's records are used where they were read: the file is read
// into chunks of chunkSize bytes, and a packet's data are its record's
// bytes in the chunk, held by the reorder window and handed on to the
// tracker without being copied. A chunk is read again into once no packet
// in it is held or handed on (its refs). The chunks are at most
// chunkLimit: past it, the oldest is freed by copying out the packets still
// held in it (one written far ahead of its time, waiting for the file's
// time to catch up, would keep it otherwise) and waiting for those handed
// on to come back.
var (
	// chunkSize holds a record of maxRecord bytes (with its header): a
	// larger one is never read. Tests shrink it.
	chunkSize = 256 << 10
	// chunkRead is the most read at a time: its records are framed while
	// they are in the cache.
	chunkRead = 128 << 10
	// chunkLimit bounds the chunks of one input: the reorder window's
	// bytes (reorderBytes) and the batches handed on (batchPool of
	// batchBytes) take far fewer.
	chunkLimit = 64
)

// chunk is a run of a file's bytes, read in one piece.
type chunk struct {
	buf []byte
	// refs counts its packets held by the window or handed on.
	refs int
}

// chunkPool gives out the chunks of one input.
type chunkPool struct {
	live []*chunk // in use, oldest first
	free []*chunk
	// evict frees a live chunk (refs 0 once it returns true); false:
	// the tracker stopped.
	evict func(*chunk) bool
}

// get returns a chunk of at least n bytes for reading into, other than
// cur (whose unread bytes the caller moves into it). It returns nil when
// the tracker stopped.
func (cp *chunkPool) get(n int, cur *chunk) *chunk {
	// Chunks no packet uses any more (batches given back free them).
	keep := cp.live[:0]
	for _, c := range cp.live {
		if c.refs == 0 && c != cur {
			cp.free = append(cp.free, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(cp.live[len(keep):])
	cp.live = keep
	var c *chunk
	switch k := len(cp.free); {
	case k > 0:
		c = cp.free[k-1]
		cp.free[k-1] = nil
		cp.free = cp.free[:k-1]
	case len(cp.live) < chunkLimit:
		c = &chunk{}
	default:
		i := 0
		if cp.live[0] == cur {
			i = 1
		}
		c = cp.live[i]
		if !cp.evict(c) {
			return nil
		}
		cp.live = slices.Delete(cp.live, i, i+1)
	}
	if len(c.buf) < n {
		c.buf = make([]byte, max(n, chunkSize))
	}
	cp.live = append(cp.live, c)
	return c
}
