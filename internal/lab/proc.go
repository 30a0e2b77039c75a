//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	nsPrefix   = "fdl"
	tempPrefix = "ftpdiag-lab-"
	netnsDir   = "/run/netns"
)

var (
	labSeq   atomic.Int64
	liveMu   sync.Mutex
	liveLabs = map[*Lab]struct{}{}
	sigOnce  sync.Once
	// shuttingDown is set once a signal started tearing labs down.
	shuttingDown atomic.Bool
)

// newID returns a lab id unique among concurrent processes: prefix, pid,
// per-process sequence number. Namespace names add a role suffix.
func newID() string {
	return fmt.Sprintf("%s%dx%d", nsPrefix, os.Getpid(), labSeq.Add(1))
}

func register(l *Lab) {
	liveMu.Lock()
	defer liveMu.Unlock()
	liveLabs[l] = struct{}{}
}

func unregister(l *Lab) {
	liveMu.Lock()
	defer liveMu.Unlock()
	delete(liveLabs, l)
}

// installSignalHandler tears down every live lab on SIGINT/SIGTERM, then
// exits with status 130.
func installSignalHandler() {
	sigOnce.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		go func() {
			sig := <-ch
			shuttingDown.Store(true)
			fmt.Fprintf(os.Stderr, "lab: %v: tearing down labs\n", sig)
			liveMu.Lock()
			labs := make([]*Lab, 0, len(liveLabs))
			for l := range liveLabs {
				labs = append(labs, l)
			}
			liveMu.Unlock()
			for _, l := range labs {
				_ = l.close()
			}
			os.Exit(130)
		}()
	})
}

// ownerPID extracts the pid encoded in a lab namespace name, or 0.
func ownerPID(name string) int {
	rest, ok := strings.CutPrefix(name, nsPrefix)
	if !ok {
		return 0
	}
	digits, _, ok := strings.Cut(rest, "x")
	if !ok {
		return 0
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// betweenStaleReads, when set (tests), runs between removeStale's listings
// and its snapshot of the live labs: where a lab starting in another
// goroutine may register and make its dir.
var betweenStaleReads func()

// removeStale deletes lab namespaces left behind by processes that are gone,
// and those of this process (a recycled pid) that no live lab owns.
//
// Both listings are read before the live labs are: a lab registers before
// it makes its namespaces and its temp dir, so whatever is listed belongs
// to a lab in the snapshot or to none. Snapshot first, a lab of this
// process registering and making its dir between the two lost that dir to
// another lab's sweep (a lab test failed with its srv dir gone).
func removeStale() {
	entries, _ := os.ReadDir(netnsDir)
	// Temp dirs are named ftpdiag-lab-<id>-<random>.
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+nsPrefix+"*"))
	if betweenStaleReads != nil {
		betweenStaleReads()
	}
	liveMu.Lock()
	owned := map[string]bool{}
	ownedIDs := map[string]bool{}
	for l := range liveLabs {
		ownedIDs[l.id] = true
		for _, ns := range l.Namespaces() {
			owned[ns] = true
		}
	}
	liveMu.Unlock()
	self := os.Getpid()
	for _, e := range entries {
		pid := ownerPID(e.Name())
		if pid == 0 || owned[e.Name()] {
			continue
		}
		if pid != self && processAlive(pid) {
			continue
		}
		_ = deleteNamespace(e.Name())
	}
	for _, d := range dirs {
		id, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), tempPrefix), "-")
		pid := ownerPID(id)
		if pid == 0 || ownedIDs[id] || (pid != self && processAlive(pid)) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// deleteNamespace kills every process still inside ns (by PID), then deletes
// it. A namespace that does not exist is not an error.
func deleteNamespace(ns string) error {
	if _, err := os.Stat(filepath.Join(netnsDir, ns)); err != nil {
		return nil
	}
	for range 20 {
		pids := netnsPIDs(ns)
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			killTree(pid)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if _, err := run("ip", "netns", "delete", ns); err != nil {
		if _, serr := os.Stat(filepath.Join(netnsDir, ns)); serr != nil {
			return nil // raced with another cleaner
		}
		return err
	}
	return nil
}

// netnsPIDs lists the processes whose network namespace is ns, by comparing
// /proc/PID/ns/net with the namespace's bind mount.
func netnsPIDs(ns string) []int {
	var want syscall.Stat_t
	if err := syscall.Stat(filepath.Join(netnsDir, ns), &want); err != nil {
		return nil
	}
	var pids []int
	for _, pid := range allPIDs() {
		var st syscall.Stat_t
		if err := syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st); err != nil {
			continue
		}
		if st.Dev == want.Dev && st.Ino == want.Ino {
			pids = append(pids, pid)
		}
	}
	return pids
}

func allPIDs() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parentPID reads the ppid field of /proc/PID/stat (after the last ')', as
// the command name may hold spaces and parentheses).
func parentPID(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// descendants returns the descendants of root, deepest first.
func descendants(root int) []int {
	children := map[int][]int{}
	for _, pid := range allPIDs() {
		if pp := parentPID(pid); pp > 0 {
			children[pp] = append(children[pp], pid)
		}
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			walk(c)
			out = append(out, c)
		}
	}
	walk(root)
	return out
}

// killTree stops root (so it forks no more), kills its descendants children
// first, found through their parent links, then kills root. PIDs only.
func killTree(root int) {
	if root <= 1 || root == os.Getpid() {
		return
	}
	_ = syscall.Kill(root, syscall.SIGSTOP)
	for range 10 {
		d := descendants(root)
		if len(d) == 0 {
			break
		}
		for _, pid := range d {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = syscall.Kill(root, syscall.SIGKILL)
	_ = syscall.Kill(root, syscall.SIGCONT)
}
