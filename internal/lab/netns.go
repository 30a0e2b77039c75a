//go:build linux

package lab

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// inNetns runs f on an OS thread that has joined namespace ns. The thread is
// never returned to the scheduler (it exits with the goroutine), so no other
// goroutine ever runs in the foreign namespace. Sockets created by f stay in
// ns for their whole life.
func inNetns(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread is discarded when this goroutine ends.
		fd, err := os.Open(filepath.Join(netnsDir, ns))
		if err != nil {
			errc <- fmt.Errorf("namespace %s: %w", ns, err)
			return
		}
		defer fd.Close()
		if err := unix.Setns(int(fd.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// DialContext connects from inside namespace ns (no name resolution: use IP
// literals, a namespace has no DNS).
func (l *Lab) DialContext(ctx context.Context, ns, network, address string) (net.Conn, error) {
	var c net.Conn
	err := inNetns(ns, func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, address)
		return err
	})
	return c, err
}

// Listen opens a listener inside namespace ns.
func (l *Lab) Listen(ns, network, address string) (net.Listener, error) {
	var ln net.Listener
	err := inNetns(ns, func() error {
		var err error
		ln, err = net.Listen(network, address)
		return err
	})
	return ln, err
}

// warmNeighbors resolves IPv6 neighbors on every link (both directions) by
// dialing a closed port on each on-link peer. Without it the first IPv6
// connection through a fresh lab loses its first SYN to neighbor discovery
// and takes one retransmission timeout (1 s) longer. Best effort: errors are
// ignored. The returned channel closes when done.
func (l *Lab) warmNeighbors() <-chan struct{} {
	pairs := []struct {
		ns   string
		peer string
	}{
		{l.ClientNS, cgwLAN6.String()}, {l.ClientGatewayNS, clientAddr6.String()},
		{l.ClientGatewayNS, sgwWAN6.String()}, {l.ServerGatewayNS, cgwWAN6.String()},
		{l.ServerGatewayNS, serverAddr6.String()}, {l.ServerNS, sgwLAN6.String()},
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			defer cancel()
			if c, err := l.DialContext(ctx, p.ns, "tcp", "["+p.peer+"]:9"); err == nil {
				c.Close()
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return done
}
