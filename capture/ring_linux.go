//go:build linux && !pcap

package capture

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The TPACKET_V3 receive ring. The kernel copies each packet the filter
// keeps (cut to the filter's snap length) straight into memory shared with
// this process, packed back to back in blocks, and hands a block over when
// it is full or ringRetire has passed since it was opened. A data segment
// of a transfer, cut to headerSnap, takes 256 bytes of the ring and an ACK
// about 160, so the 16 MiB ring holds some 80,000 packets: all of a 100 MiB
// transfer at 1500-byte MTU even if the reader fell behind for its whole
// length. A socket receive queue, by contrast, charges each queued packet
// its full buffer (several KiB) against SO_RCVBUF and costs a system call
// per packet; that dropped half the packets of a 100 MiB RETR in the lab
// (scripts/bench-capture).
const (
	ringBlockSize = 1 << 20 // a power-of-two number of pages
	ringBlocks    = 16
	// ringFrameSize only satisfies the kernel's checks: V3 packs packets
	// of any size into the blocks.
	ringFrameSize = 1 << 11
	// ringRetire is the block timeout in milliseconds: the longest a
	// packet waits in a partly filled block before the reader sees it.
	ringRetire = 10
	// ringFlush bounds how long close waits for the block the kernel is
	// filling to be handed over, so packets that arrived before close are
	// still read.
	ringFlush = 4 * ringRetire * time.Millisecond
)

// Offsets in the ring (linux/if_packet.h): struct tpacket_block_desc is
// version, offset_to_priv, then struct tpacket_hdr_v1.
const (
	blockStatusOff = 8
	blockNumOff    = 12
	blockFirstOff  = 16
	blockLenOff    = 20
)

// ringSource is a source reading an AF_PACKET socket's TPACKET_V3 ring.
// One goroutine reads; close, drops and setFilter may be called from
// others.
type ringSource struct {
	file     *os.File
	rc       syscall.RawConn
	ring     []byte
	ifindex  int
	lt       layers.LinkType
	loopback bool

	// Reader's state, touched only by ZeroCopyReadPacketData.
	started bool
	ended   bool
	block   int  // the block being read, or the next one to read
	held    bool // block is ours (TP_STATUS_USER) and not yet given back
	left    uint32
	next    int // offset in ring of the next packet of block
	flushBy time.Time
	// partial is the status of the packet last returned: it left this
	// host with its checksum still to be filled in by the NIC.
	partial bool

	mu      sync.Mutex
	bound   bool
	reading bool // a reader started: it frees the ring when it ends
	closing bool
	freed   bool
	total   uint64
}

// openRing opens an AF_PACKET socket on ifname with a TPACKET_V3 ring. The
// socket is bound to the interface only once a filter is attached
// (setFilter), so no unfiltered packet enters the ring.
func openRing(ifname string) (*ringSource, error) {
	ifc, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	// Protocol 0: the socket receives nothing until bind names one.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("capture: open %s: %w (%v)", ifname, ErrPermission, err)
		}
		return nil, fmt.Errorf("capture: open %s: packet socket: %w", ifname, err)
	}
	fail := func(what string, err error) (*ringSource, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("capture: open %s: %s: %w", ifname, what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("TPACKET_V3", err)
	}
	req := unix.TpacketReq3{
		Block_size:     ringBlockSize,
		Block_nr:       ringBlocks,
		Frame_size:     ringFrameSize,
		Frame_nr:       ringBlockSize / ringFrameSize * ringBlocks,
		Retire_blk_tov: ringRetire,
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fail("receive ring", err)
	}
	ring, err := unix.Mmap(fd, 0, ringBlockSize*ringBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail("map the receive ring", err)
	}
	file := os.NewFile(uintptr(fd), "packet:"+ifname) // non-blocking: the runtime poller waits on it
	rc, err := file.SyscallConn()
	if err != nil {
		unix.Munmap(ring)
		file.Close()
		return nil, fmt.Errorf("capture: open %s: %w", ifname, err)
	}
	lt, loopback := linuxLinkType(ifname)
	return &ringSource{file: file, rc: rc, ring: ring, ifindex: ifc.Index, lt: lt, loopback: loopback}, nil
}

func (r *ringSource) linkType() layers.LinkType { return r.lt }
func (r *ringSource) dropOutgoing() bool        { return r.loopback }

// checksumPending reports TP_STATUS_CSUMNOTREADY of the packet last
// returned: sent from this host with checksum offload, so its transport
// checksum field holds only the pseudo-header sum the NIC completes.
func (r *ringSource) checksumPending() bool { return r.partial }

// setFilter attaches prog (replacing any earlier filter atomically) and,
// the first time, binds the socket to the interface.
func (r *ringSource) setFilter(prog []bpf.RawInstruction) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.freed {
		return net.ErrClosed
	}
	var err error
	cerr := r.rc.Control(func(fd uintptr) {
		if len(prog) == 0 {
			err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DETACH_FILTER, 0)
			return
		}
		f := make([]unix.SockFilter, len(prog))
		for i, in := range prog {
			f[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
		}
		err = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
		if err != nil || r.bound {
			return
		}
		err = unix.Bind(int(fd), &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: r.ifindex})
		if err != nil {
			err = fmt.Errorf("bind: %w", err)
			return
		}
		r.bound = true
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// drops reads PACKET_STATISTICS, which resets on each read, and keeps the
// running total: packets the kernel could not put in a full ring.
func (r *ringSource) drops() (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.freed {
		return r.total, nil
	}
	var st *unix.TpacketStatsV3
	var err error
	if cerr := r.rc.Control(func(fd uintptr) {
		st, err = unix.GetsockoptTpacketStatsV3(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	}); cerr != nil {
		return r.total, cerr
	}
	if err != nil {
		return r.total, err
	}
	r.total += uint64(st.Drops)
	return r.total, nil
}

// close stops the capture. A running reader first reads what the kernel
// put in the ring before close (waiting at most ringFlush for the block
// being filled), then frees the ring and returns net.ErrClosed.
func (r *ringSource) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return nil
	}
	r.closing = true
	if !r.reading {
		return r.free()
	}
	// Wake the reader if it waits: it sees closing and flushes.
	return r.file.SetReadDeadline(time.Unix(1, 0))
}

// free unmaps the ring and closes the socket; r.mu is held. The ring is
// unmapped first: the kernel frees it with the socket only when unmapped.
func (r *ringSource) free() error {
	if r.freed {
		return nil
	}
	r.freed = true
	err := unix.Munmap(r.ring)
	r.ring = nil
	if cerr := r.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// ZeroCopyReadPacketData returns the next packet. The data lives in the
// ring and is valid until the next call. It does not allocate.
func (r *ringSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if !r.started {
		r.mu.Lock()
		if r.freed {
			r.mu.Unlock()
			return nil, gopacket.CaptureInfo{}, net.ErrClosed
		}
		r.reading, r.started = true, true
		r.mu.Unlock()
	}
	for {
		if r.ended {
			return nil, gopacket.CaptureInfo{}, net.ErrClosed
		}
		if r.left > 0 {
			if data, ci, ok := r.packet(); ok {
				return data, ci, nil
			}
			r.left = 0 // a malformed block: skip the rest of it
		}
		if r.held {
			// Give the block back to the kernel, after we are done with it.
			atomic.StoreUint32(r.word(r.block*ringBlockSize+blockStatusOff), unix.TP_STATUS_KERNEL)
			r.held = false
			r.block = (r.block + 1) % ringBlocks
		}
		if r.ready() {
			base := r.block * ringBlockSize
			r.held = true
			r.left = *r.word(base + blockNumOff)
			r.next = base + int(*r.word(base + blockFirstOff))
			continue
		}
		if err := r.wait(); err != nil {
			return nil, gopacket.CaptureInfo{}, err
		}
	}
}

// packet decodes the tpacket3_hdr at r.next and moves on to the next one.
func (r *ringSource) packet() ([]byte, gopacket.CaptureInfo, bool) {
	base := r.block * ringBlockSize
	end := base + int(*r.word(base + blockLenOff))
	if end > base+ringBlockSize {
		end = base + ringBlockSize
	}
	p := r.next
	if p < base || p+unix.SizeofTpacket3Hdr > end {
		return nil, gopacket.CaptureInfo{}, false
	}
	h := (*unix.Tpacket3Hdr)(unsafe.Pointer(&r.ring[p]))
	start := p + int(h.Mac)
	stop := start + int(h.Snaplen)
	if start < p || stop > end {
		return nil, gopacket.CaptureInfo{}, false
	}
	r.left--
	r.next = p + int(h.Next_offset)
	r.partial = h.Status&unix.TP_STATUS_CSUMNOTREADY != 0
	ci := gopacket.CaptureInfo{
		Timestamp:      time.Unix(int64(h.Sec), int64(h.Nsec)),
		CaptureLength:  int(h.Snaplen),
		Length:         int(h.Len),
		InterfaceIndex: r.ifindex,
	}
	return r.ring[start:stop:stop], ci, true
}

// word points at a 32-bit field of the ring.
func (r *ringSource) word(off int) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.ring[off]))
}

// ready reports whether the kernel handed over the next block.
func (r *ringSource) ready() bool {
	return atomic.LoadUint32(r.word(r.block*ringBlockSize+blockStatusOff))&unix.TP_STATUS_USER != 0
}

// wait blocks until the next block is handed over. Once close was called,
// it waits at most ringFlush, and not at all when the kernel has nothing
// pending; then it frees the ring and returns net.ErrClosed.
func (r *ringSource) wait() error {
	r.mu.Lock()
	closing := r.closing
	r.mu.Unlock()
	if closing {
		pending := atomic.LoadUint32(r.word(r.block*ringBlockSize+blockNumOff)) != 0
		if r.flushBy.IsZero() {
			r.flushBy = time.Now().Add(ringFlush)
		}
		if !pending || !time.Now().Before(r.flushBy) {
			r.ended = true
			r.mu.Lock()
			err := r.free()
			r.mu.Unlock()
			if err != nil {
				return fmt.Errorf("capture: close: %w", err)
			}
			return net.ErrClosed
		}
		if err := r.file.SetReadDeadline(r.flushBy); err != nil {
			return err
		}
	}
	err := r.rc.Read(func(uintptr) bool { return r.ready() })
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return nil // handed over, woken by close, or the flush deadline: look again
}

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 {
	b := [2]byte{byte(v >> 8), byte(v)}
	return *(*uint16)(unsafe.Pointer(&b[0]))
}
