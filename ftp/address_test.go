package ftp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParsePASV(t *testing.T) {
	tests := []struct {
		text string
		want string // "" for an error
	}{
		{"227 Entering Passive Mode (192,168,1,2,19,137).", "192.168.1.2:5001"},
		{"227 Entering Passive Mode (10,0,0,5,195,80)", "10.0.0.5:50000"},
		{"227 Entering Passive Mode 192,168,1,2,19,137", "192.168.1.2:5001"},
		{"227 =192,168,1,2,19,137", "192.168.1.2:5001"},
		{"227 Entering Passive Mode (192, 168, 1, 2, 19, 137)", "192.168.1.2:5001"},
		{"227 Entering passive mode (203,0,113,7,4,1) now.", "203.0.113.7:1025"},
		{"227 Entering Passive Mode (0,0,0,0,0,0).", "0.0.0.0:0"},
		{"227 Entering Passive Mode (127,000,000,001,004,001)", "127.0.0.1:1025"},
		{"Entering Passive Mode (192,168,1,2,19,137).", "192.168.1.2:5001"},
		{"227 Entering Passive Mode (256,168,1,2,19,137).", ""},
		{"227 Entering Passive Mode (192,168,1,2,19,1370).", ""},
		{"227 Entering Passive Mode (192,168,1,2,19).", ""},
		{"227 Entering Passive Mode (1,192,168,1,2,19,137).", "192.168.1.2:5001"}, // leftmost six after a stray number
		{"227 Entering Passive Mode.", ""},
		{"227 Entering Passive Mode (192,168,1,2,19,-1).", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := ParsePASV(tt.text)
		if tt.want == "" {
			if !errors.Is(err, ErrBadAddress) {
				t.Errorf("ParsePASV(%q) = %v, %v; want ErrBadAddress", tt.text, got, err)
			}
			continue
		}
		if err != nil || got != netip.MustParseAddrPort(tt.want) {
			t.Errorf("ParsePASV(%q) = %v, %v; want %s", tt.text, got, err, tt.want)
		}
	}
}

func TestParseEPSV(t *testing.T) {
	tests := []struct {
		text string
		want uint16 // 0 for an error
	}{
		{"229 Entering Extended Passive Mode (|||6446|)", 6446},
		{"229 Entering Extended Passive Mode (|||6446|).", 6446},
		{"229 Extended Passive Mode Entered (|||50000|)", 50000},
		{"229 Entering Extended Passive Mode (!!!6446!)", 6446},
		{"229 (###1#)", 1},
		{"229 Entering Extended Passive Mode (|||65535|)", 65535},
		{"229 Entering Extended Passive Mode (|||65536|)", 0},
		{"229 Entering Extended Passive Mode (|||0|)", 0},
		{"229 Entering Extended Passive Mode (|||99999999999999999999|)", 0},
		{"229 Entering Extended Passive Mode (||6446|)", 0},
		{"229 Entering Extended Passive Mode (|!|6446|)", 0},
		{"229 Entering Extended Passive Mode (|||6446!)", 0},
		{"229 Entering Extended Passive Mode (|||)", 0},
		{"229 Entering Extended Passive Mode (   6446 )", 0},
		{"", 0},
	}
	for _, tt := range tests {
		got, err := ParseEPSV(tt.text)
		if tt.want == 0 {
			if !errors.Is(err, ErrBadAddress) {
				t.Errorf("ParseEPSV(%q) = %v, %v; want ErrBadAddress", tt.text, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseEPSV(%q) = %v, %v; want %d", tt.text, got, err, tt.want)
		}
	}
}

func TestFormatPASVAndEPSV(t *testing.T) {
	s, err := FormatPASV(netip.MustParseAddrPort("192.168.1.2:5001"))
	if err != nil || s != "227 Entering Passive Mode (192,168,1,2,19,137)." {
		t.Errorf("FormatPASV = %q, %v", s, err)
	}
	s, err = FormatPASV(netip.MustParseAddrPort("[::ffff:10.0.0.1]:21"))
	if err != nil || s != "227 Entering Passive Mode (10,0,0,1,0,21)." {
		t.Errorf("FormatPASV 4in6 = %q, %v", s, err)
	}
	if _, err := FormatPASV(netip.MustParseAddrPort("[2001:db8::1]:21")); !errors.Is(err, ErrBadAddress) {
		t.Errorf("FormatPASV IPv6: %v", err)
	}
	if _, err := FormatPASV(netip.AddrPort{}); !errors.Is(err, ErrBadAddress) {
		t.Errorf("FormatPASV zero: %v", err)
	}
	if s := FormatEPSV(6446); s != "229 Entering Extended Passive Mode (|||6446|)" {
		t.Errorf("FormatEPSV = %q", s)
	}
	if p, err := ParseEPSV(FormatEPSV(65535)); err != nil || p != 65535 {
		t.Errorf("EPSV round trip: %v %v", p, err)
	}
}

func TestPORT(t *testing.T) {
	tests := []struct {
		arg  string
		want string // "" for an error
	}{
		{"10,0,0,2,19,137", "10.0.0.2:5001"},
		{"192,168,1,100,195,80", "192.168.1.100:50000"},
		{" 10, 0, 0, 2, 19, 137 ", "10.0.0.2:5001"},
		{"10,0,0,2,0,0", "10.0.0.2:0"},
		{"10,0,0,2,19", ""},
		{"10,0,0,2,19,137,1", ""},
		{"10,0,0,2,19,137)", ""},
		{"10,0,0,256,19,137", ""},
		{"10,0,0,2,19,1370", ""},
		{"10,0,0,,19,137", ""},
		{"|1|10.0.0.2|5001|", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := ParsePORT(tt.arg)
		if tt.want == "" {
			if !errors.Is(err, ErrBadAddress) {
				t.Errorf("ParsePORT(%q) = %v, %v; want ErrBadAddress", tt.arg, got, err)
			}
			continue
		}
		if err != nil || got != netip.MustParseAddrPort(tt.want) {
			t.Errorf("ParsePORT(%q) = %v, %v; want %s", tt.arg, got, err, tt.want)
		}
	}

	fmtTests := []struct {
		ap   netip.AddrPort
		want string
	}{
		{netip.MustParseAddrPort("10.0.0.2:5001"), "10,0,0,2,19,137"},
		{netip.MustParseAddrPort("[::ffff:203.0.113.9]:65535"), "203,0,113,9,255,255"},
		{netip.MustParseAddrPort("[2001:db8::1]:21"), ""},
		{netip.AddrPort{}, ""},
	}
	for _, tt := range fmtTests {
		got, err := FormatPORT(tt.ap)
		if tt.want == "" {
			if !errors.Is(err, ErrBadAddress) {
				t.Errorf("FormatPORT(%v) = %q, %v; want ErrBadAddress", tt.ap, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("FormatPORT(%v) = %q, %v; want %q", tt.ap, got, err, tt.want)
		}
	}
}

func TestEPRT(t *testing.T) {
	tests := []struct {
		arg  string
		want string // "" for an error
	}{
		{"|1|132.235.1.2|6275|", "132.235.1.2:6275"},
		{"|2|1080::8:800:200C:417A|5282|", "[1080::8:800:200c:417a]:5282"},
		{"!1!192.0.2.1!6446!", "192.0.2.1:6446"},
		{"#2#2001:db8::1#6446#", "[2001:db8::1]:6446"},
		{"|2|::ffff:192.0.2.1|6446|", "[::ffff:192.0.2.1]:6446"},
		{" |1|192.0.2.1|6446| ", "192.0.2.1:6446"},
		{"|1|192.0.2.1|0|", "192.0.2.1:0"},
		{"|1|2001:db8::1|6446|", ""},
		{"|2|192.0.2.1|6446|", ""},
		{"|3|192.0.2.1|6446|", ""},
		{"|2|fe80::1%eth0|6446|", ""},
		{"|1|192.0.2.1|65536|", ""},
		{"|1|192.0.2.1|+80|", ""},
		{"|1|192.0.2.1|6446", ""},
		{"|1|192.0.2.1|6446|x|", ""},
		{"|1|host.example|6446|", ""},
		{"\x7f1\x7f192.0.2.1\x7f6446\x7f", ""},
		{"|", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := ParseEPRT(tt.arg)
		if tt.want == "" {
			if !errors.Is(err, ErrBadAddress) {
				t.Errorf("ParseEPRT(%q) = %v, %v; want ErrBadAddress", tt.arg, got, err)
			}
			continue
		}
		if err != nil || got != netip.MustParseAddrPort(tt.want) {
			t.Errorf("ParseEPRT(%q) = %v, %v; want %s", tt.arg, got, err, tt.want)
		}
	}

	fmtTests := []struct {
		ap   netip.AddrPort
		want string
	}{
		{netip.MustParseAddrPort("192.0.2.1:6446"), "|1|192.0.2.1|6446|"},
		{netip.MustParseAddrPort("[2001:db8::1]:6446"), "|2|2001:db8::1|6446|"},
		{netip.MustParseAddrPort("[::ffff:192.0.2.1]:6446"), "|1|192.0.2.1|6446|"},
		{netip.MustParseAddrPort("[fe80::1%eth0]:6446"), "|2|fe80::1|6446|"},
		{netip.AddrPort{}, ""},
	}
	for _, tt := range fmtTests {
		if got := FormatEPRT(tt.ap); got != tt.want {
			t.Errorf("FormatEPRT(%v) = %q, want %q", tt.ap, got, tt.want)
		}
	}
}

func TestParseAddressesLinearTime(t *testing.T) {
	// Hostile replies near MaxReplyBytes must not make the parsers quadratic.
	n := MaxReplyBytes / 2
	inputs := []string{
		strings.Repeat("|", n) + strings.Repeat("1", n),
		strings.Repeat("|||1", n/4),
		strings.Repeat("1,", n/2),
		strings.Repeat("1 ", n/2),
		"1" + strings.Repeat(" ", n) + ",",
	}
	start := time.Now()
	for _, in := range inputs {
		_, _ = ParseEPSV(in)
		_, _ = ParsePASV(in)
		_, _ = ParsePORT(in)
		_, _ = ParseEPRT(in)
		_, _ = ParseListLine(in)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("parsing hostile inputs took %v", d)
	}
}

func TestUnroutable(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"192.168.1.20", true},
		{"127.0.0.1", true},
		{"169.254.1.1", true},
		{"100.64.0.1", true},
		{"0.0.0.0", true},
		{"0.1.2.3", true},         // this network (issue 11)
		{"240.0.0.1", true},       // reserved class E (issue 11)
		{"250.1.2.3", true},       // reserved class E
		{"255.255.255.255", true}, // limited broadcast (issue 11)
		{"224.0.0.1", true},
		{"::", true},
		{"::1", true},
		{"fe80::1", true},
		{"fd00::1", true},
		{"ff02::1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:255.255.255.255", true},
		{"203.0.113.10", false}, // the lab's public segment
		{"198.51.100.7", false},
		{"8.8.8.8", false},
		{"100.128.0.1", false}, // just past CGNAT
		{"239.255.255.255", true},
		{"223.255.255.255", false}, // last unicast block before multicast
		{"2001:db8::1", false},
		{"2a00:1450::1", false},
	}
	for _, tt := range tests {
		if got := Unroutable(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Unroutable(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	if Unroutable(netip.Addr{}) {
		t.Errorf("Unroutable(invalid) = true, want false")
	}
}
