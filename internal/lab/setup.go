//go:build linux

package lab

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// run executes a setup command; the error carries the command line and its
// stderr.
func run(name string, args ...string) (string, error) {
	path, err := lookTool(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	cmd := exec.Command(path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("setup step failed: `%s %s`: %v: %s",
			name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// runStdin executes a setup command with input on its standard input.
func runStdin(input, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(input)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("setup step failed: `%s %s`: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// step is one setup command: name and args.
type step []string

// runSteps runs steps in order and stops at the first failure.
func runSteps(steps []step) error {
	for _, s := range steps {
		if _, err := run(s[0], s[1:]...); err != nil {
			return err
		}
	}
	return nil
}

func in(ns string, name string, args ...string) step {
	return append(step{"ip", "netns", "exec", ns, name}, args...)
}

func ipn(ns string, args ...string) step {
	return append(step{"ip", "-n", ns}, args...)
}

func ipt(ns string, v6 bool, args ...string) step {
	tool := "iptables"
	if v6 {
		tool = "ip6tables"
	}
	return in(ns, tool, append([]string{"-w"}, args...)...)
}

// ifaces lists, per namespace, the veth names living there.
func (l *Lab) ifaces() map[string][]string {
	return map[string][]string{
		l.ClientNS:        {"eth0"},
		l.ClientGatewayNS: {"lan0", "wan0"},
		l.ServerGatewayNS: {"wan0", "lan0"},
		l.ServerNS:        {"eth0"},
	}
}

func (l *Lab) buildNetwork() error {
	c, cg, sg, s := l.ClientNS, l.ClientGatewayNS, l.ServerGatewayNS, l.ServerNS
	cfg := l.cfg
	var steps []step
	for _, ns := range l.Namespaces() {
		steps = append(steps, step{"ip", "netns", "add", ns})
	}
	for _, ns := range l.Namespaces() {
		// No duplicate address detection: tentative (link-local) addresses
		// would stall the first IPv6 connections for seconds.
		steps = append(steps, ipn(ns, "link", "set", "lo", "up"),
			in(ns, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad"))
	}
	// veth pairs are created inside the namespaces, so the fixed interface
	// names never collide between labs.
	steps = append(steps,
		ipn(c, "link", "add", "eth0", "type", "veth", "peer", "name", "lan0", "netns", cg),
		ipn(cg, "link", "add", "wan0", "type", "veth", "peer", "name", "wan0", "netns", sg),
		ipn(sg, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", s),
	)
	for _, gw := range []string{cg, sg} {
		steps = append(steps, in(gw, "sh", "-c",
			"echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv6/conf/all/forwarding"))
	}
	addr := func(ns, dev, a string) step {
		return ipn(ns, "addr", "add", a, "dev", dev, "nodad")
	}
	addr4 := func(ns, dev, a string) step { return ipn(ns, "addr", "add", a, "dev", dev) }
	steps = append(steps,
		addr4(c, "eth0", "192.168.10.2/24"), addr(c, "eth0", "2001:db8:10::2/64"),
		addr4(cg, "lan0", "192.168.10.1/24"), addr(cg, "lan0", "2001:db8:10::1/64"),
		addr4(cg, "wan0", "203.0.113.2/24"), addr(cg, "wan0", "2001:db8:113::2/64"),
		addr4(sg, "wan0", "203.0.113.10/24"), addr(sg, "wan0", "2001:db8:113::10/64"),
		addr4(sg, "lan0", "10.77.0.1/24"), addr(sg, "lan0", "2001:db8:77::1/64"),
		addr4(s, "eth0", "10.77.0.2/24"), addr(s, "eth0", "2001:db8:77::2/64"),
	)
	ifs := l.ifaces()
	for _, ns := range l.Namespaces() {
		for _, dev := range ifs[ns] {
			steps = append(steps, ipn(ns, "link", "set", dev, "up"))
		}
	}
	steps = append(steps,
		ipn(c, "route", "add", "default", "via", cgwLAN.String()),
		ipn(c, "-6", "route", "add", "default", "via", cgwLAN6.String()),
		ipn(s, "route", "add", "default", "via", sgwLAN.String()),
		ipn(s, "-6", "route", "add", "default", "via", sgwLAN6.String()),
	)
	if !cfg.ServerNAT { // a private server LAN is unreachable from outside
		steps = append(steps,
			ipn(cg, "route", "add", serverLAN, "via", sgwWAN.String()),
			ipn(cg, "-6", "route", "add", serverLAN6, "via", sgwWAN6.String()))
	}
	if !cfg.ClientNAT {
		steps = append(steps,
			ipn(sg, "route", "add", clientLAN, "via", cgwWAN.String()),
			ipn(sg, "-6", "route", "add", clientLAN6, "via", cgwWAN6.String()))
	}
	if err := runSteps(steps); err != nil {
		return err
	}
	l.disableOffloads()
	return l.buildFirewall()
}

// disableOffloads turns segmentation/receive offloads off on every veth so
// captures show real segment sizes. Errors (fixed features) are ignored.
func (l *Lab) disableOffloads() {
	for ns, devs := range l.ifaces() {
		for _, dev := range devs {
			s := in(ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off")
			_, _ = run(s[0], s[1:]...)
		}
	}
}

func (l *Lab) buildFirewall() error {
	cfg := l.cfg
	cg, sg := l.ClientGatewayNS, l.ServerGatewayNS
	var steps []step
	if cfg.ServerNAT {
		for _, v6 := range []bool{false, true} {
			pub, srv, lan := sgwWAN.String(), serverAddr.String(), serverLAN
			srv21 := srv + ":21"
			if v6 {
				pub, srv, lan = sgwWAN6.String(), serverAddr6.String(), serverLAN6
				srv21 = "[" + srv + "]:21"
			}
			steps = append(steps,
				ipt(sg, v6, "-t", "nat", "-A", "PREROUTING", "-i", "wan0", "-d", pub,
					"-p", "tcp", "--dport", "21", "-j", "DNAT", "--to-destination", srv21))
			if cfg.ForwardPassiveRange {
				lo, hi := l.pasvRange()
				steps = append(steps,
					ipt(sg, v6, "-t", "nat", "-A", "PREROUTING", "-i", "wan0", "-d", pub,
						"-p", "tcp", "--dport", strconv.Itoa(lo)+":"+strconv.Itoa(hi),
						"-j", "DNAT", "--to-destination", srv))
			}
			steps = append(steps,
				ipt(sg, v6, "-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-s", lan, "-j", "MASQUERADE"))
		}
	}
	if cfg.ClientNAT {
		steps = append(steps,
			ipt(cg, false, "-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-s", clientLAN, "-j", "MASQUERADE"),
			ipt(cg, true, "-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-s", clientLAN6, "-j", "MASQUERADE"))
	}
	if err := runSteps(steps); err != nil {
		return err
	}
	if cfg.FTPHelper {
		var gws []string
		if cfg.ClientNAT {
			gws = append(gws, cg)
		}
		if cfg.ServerNAT {
			gws = append(gws, sg)
		}
		if len(gws) == 0 {
			gws = []string{cg, sg}
		}
		for _, gw := range gws {
			if err := addFTPHelper(gw); err != nil {
				return err
			}
		}
	}
	extra := []struct {
		ns    string
		v6    bool
		rules [][]string
	}{
		{l.ClientNS, false, cfg.ClientRules}, {cg, false, cfg.ClientGatewayRules},
		{sg, false, cfg.ServerGatewayRules}, {l.ServerNS, false, cfg.ServerRules},
		{l.ClientNS, true, cfg.ClientRules6}, {cg, true, cfg.ClientGatewayRules6},
		{sg, true, cfg.ServerGatewayRules6}, {l.ServerNS, true, cfg.ServerRules6},
	}
	steps = nil
	for _, e := range extra {
		for _, r := range e.rules {
			if len(r) == 0 {
				return fmt.Errorf("empty iptables rule for namespace %s", e.ns)
			}
			steps = append(steps, ipt(e.ns, e.v6, r...))
		}
	}
	return runSteps(steps)
}

// addFTPHelper attaches the kernel FTP conntrack helper to control
// connections through gw (IPv4 and IPv6).
func addFTPHelper(gw string) error {
	for _, v6 := range []bool{false, true} {
		s := ipt(gw, v6, "-t", "raw", "-A", "PREROUTING", "-p", "tcp", "--dport", "21", "-j", "CT", "--helper", "ftp")
		if _, err := run(s[0], s[1:]...); err != nil {
			// The helper may be a module not loaded yet.
			if _, merr := run("modprobe", "nf_conntrack_ftp"); merr == nil {
				if _, err2 := run(s[0], s[1:]...); err2 == nil {
					continue
				}
			}
			return &unavailableError{fmt.Sprintf("kernel FTP conntrack helper (nf_conntrack_ftp) unavailable: %v", err)}
		}
	}
	return nil
}
