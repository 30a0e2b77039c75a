//go:build darwin && !pcap

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// macOS capture settings.
const (
	// bpfBuffer is the device's buffer (BIOCSBLEN), the most XNU allows
	// by default: a 100 MiB transfer cut to headers must fit through it.
	bpfBuffer = 2 << 20
	// bpfReadTimeout bounds a read (BIOCSRTIMEOUT), so a quiet interface
	// never holds Stop.
	bpfReadTimeoutMs = 100
	// bpfDevices is how many /dev/bpfN are tried.
	bpfDevices = 256
)

// Start opens a BPF device (pure Go, no libpcap, no cgo) on the interface
// towards the server, with a kernel BPF filter, and starts tracking. It
// fails with an error matching ErrPermission when no /dev/bpf* may be
// read (Wireshark's ChmodBPF grants that; or run with sudo).
func Start(ctx context.Context, cfg Config) (*Live, error) {
	return start(ctx, cfg, openBPF)
}

// bpfSource reads a BPF device. One goroutine reads; close, drops and
// setFilter may be called from others.
type bpfSource struct {
	fd  int
	lt  layers.LinkType
	buf []byte
	rec bpfRecords

	mu      sync.Mutex
	reading bool
	closing bool
	closed  bool
}

// openBPF opens the first free /dev/bpfN and binds it to ifname.
func openBPF(ifname string) (source, error) {
	fd, err := openBPFDevice()
	if err != nil {
		return nil, fmt.Errorf("capture: open %s: %w", ifname, err)
	}
	fail := func(what string, err error) (source, error) {
		syscall.Close(fd)
		return nil, fmt.Errorf("capture: open %s: %s: %w", ifname, what, err)
	}
	n, err := syscall.SetBpfBuflen(fd, bpfBuffer)
	if err != nil {
		return fail("BPF buffer", err)
	}
	if err := syscall.SetBpfInterface(fd, ifname); err != nil {
		return fail("bind to the interface", err)
	}
	if err := syscall.SetBpfImmediate(fd, 1); err != nil {
		return fail("immediate mode", err)
	}
	if err := syscall.SetBpfTimeout(fd, &syscall.Timeval{Usec: bpfReadTimeoutMs * 1000}); err != nil {
		return fail("read timeout", err)
	}
	dlt, err := syscall.BpfDatalink(fd)
	if err != nil {
		return fail("data link type", err)
	}
	lt, ok := bpfLinkType(dlt)
	if !ok {
		return fail("data link type", fmt.Errorf("DLT %d is not Ethernet, null or raw IP", dlt))
	}
	// Nothing is kept until the filter is attached (setFilter).
	if err := syscall.SetBpf(fd, []syscall.BpfInsn{{Code: 0x06}}); err != nil { // ret #0
		return fail("filter", err)
	}
	if err := syscall.FlushBpf(fd); err != nil {
		return fail("flush", err)
	}
	return &bpfSource{fd: fd, lt: lt, buf: make([]byte, n)}, nil
}

// openBPFDevice opens the first /dev/bpfN this user may read. A device in
// use answers EBUSY; one this user may not read answers EACCES, which
// becomes ErrPermission when no device could be opened.
func openBPFDevice() (int, error) {
	denied := false
	for i := 0; i < bpfDevices; i++ {
		fd, err := syscall.Open(fmt.Sprintf("/dev/bpf%d", i), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			return fd, nil
		}
		switch {
		case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
			denied = true
		case errors.Is(err, syscall.EBUSY):
		default:
			if errors.Is(err, os.ErrNotExist) && i > 0 {
				i = bpfDevices // no more devices
			}
		}
	}
	if denied {
		return -1, fmt.Errorf("%w (no /dev/bpf* readable by this user)", ErrPermission)
	}
	return -1, errors.New("no free /dev/bpf* device")
}

func (b *bpfSource) linkType() layers.LinkType { return b.lt }

// dropOutgoing is false: BPF on macOS hands each packet over once.
func (b *bpfSource) dropOutgoing() bool { return false }

func (b *bpfSource) setFilter(prog []bpf.RawInstruction) error {
	ins := make([]syscall.BpfInsn, len(prog))
	for i, in := range prog {
		ins[i] = syscall.BpfInsn{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return net.ErrClosed
	}
	return syscall.SetBpf(b.fd, ins)
}

// drops reads BIOCGSTATS: packets the device could not buffer, since open.
func (b *bpfSource) drops() (uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, net.ErrClosed
	}
	st, err := syscall.BpfStats(b.fd)
	if err != nil {
		return 0, err
	}
	return uint64(st.Drop), nil
}

// close stops the capture: a running reader closes the device within
// bpfReadTimeoutMs, after reading what was already buffered.
func (b *bpfSource) close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing {
		return nil
	}
	b.closing = true
	if b.reading {
		return nil
	}
	b.closed = true
	return syscall.Close(b.fd)
}

// ZeroCopyReadPacketData returns the next frame; its data is valid until
// the next call.
func (b *bpfSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	for {
		if data, ci, ok := b.rec.next(); ok {
			return data, ci, nil
		}
		b.mu.Lock()
		if b.closing && !b.closed {
			b.closed = true
			err := syscall.Close(b.fd)
			b.mu.Unlock()
			if err != nil {
				return nil, gopacket.CaptureInfo{}, fmt.Errorf("capture: close: %w", err)
			}
			return nil, gopacket.CaptureInfo{}, net.ErrClosed
		}
		if b.closed {
			b.mu.Unlock()
			return nil, gopacket.CaptureInfo{}, net.ErrClosed
		}
		b.reading = true
		b.mu.Unlock()
		n, err := syscall.Read(b.fd, b.buf)
		if errors.Is(err, syscall.EINTR) || errors.Is(err, syscall.EAGAIN) {
			return nil, gopacket.CaptureInfo{}, temporary{err}
		}
		if err != nil {
			// The capture ends here: free the device now, close will not.
			b.mu.Lock()
			if !b.closed {
				b.closed = true
				syscall.Close(b.fd)
			}
			b.mu.Unlock()
			return nil, gopacket.CaptureInfo{}, err
		}
		b.rec = bpfRecords{buf: b.buf[:max(n, 0)]}
	}
}
