package ftp

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// Small limits for fuzzing, so that mutated inputs of a few dozen bytes
// reach the ErrLineTooLong and ErrReplyTooLong paths.
const (
	fuzzMaxLine  = 16
	fuzzMaxReply = 48
)

// readAll reads replies until the first error.
func readAll(r io.Reader, maxLine, maxReply int) ([]Reply, error) {
	rd := newReaderLimits(r, maxLine, maxReply)
	var out []Reply
	for {
		rep, err := rd.ReadReply()
		if err != nil {
			return out, err
		}
		out = append(out, rep)
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"220 (vsFTPd 3.0.3)\r\n",
		"220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.2]\r\n",
		"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220 bye\r\n",
		"220-FileZilla Server 1.8.0\r\n220 Please visit https://filezilla-project.org/\r\n",
		"220 Microsoft FTP Service\r\n215 Windows_NT\r\n",
		"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n",
		"230-Welcome\n123 not the end\n230 Login successful.\n",
		"227 Entering Passive Mode (192,168,1,2,19,137).\r\n229 Entering Extended Passive Mode (|||6446|)\r\n",
		"500 Illegal PORT command.\r\n550 Permission denied.\r\n",
		"220 cut",
		"600 bad\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range [][2]int{{MaxLineBytes, MaxReplyBytes}, {fuzzMaxLine, fuzzMaxReply}} {
			replies, err := readAll(bytes.NewReader(data), lim[0], lim[1])
			if err == nil {
				t.Fatal("readAll ended without error")
			}
			if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrMalformedReply) &&
				!errors.Is(err, ErrLineTooLong) && !errors.Is(err, ErrReplyTooLong) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			for _, rep := range replies {
				checkReply(t, rep, lim[0], lim[1])
			}
			// Chunking must not change the outcome.
			replies1, err1 := readAll(iotest.OneByteReader(bytes.NewReader(data)), lim[0], lim[1])
			if !reflect.DeepEqual(replies, replies1) || errKind(err) != errKind(err1) {
				t.Fatalf("one-byte reads differ: %q %v vs %q %v", replies, err, replies1, err1)
			}
		}
	})
}

// errKind names the sentinel an error of readAll matches. The two limits
// count as one: when a line crosses both at once, which one trips first
// may depend on how the bytes arrived.
func errKind(err error) error {
	if errors.Is(err, ErrReplyTooLong) {
		return ErrLineTooLong
	}
	for _, k := range []error{ErrLineTooLong, ErrMalformedReply, io.ErrUnexpectedEOF, io.EOF} {
		if errors.Is(err, k) {
			return k
		}
	}
	return err
}

func checkReply(t *testing.T, rep Reply, maxLine, maxReply int) {
	t.Helper()
	if rep.Code < 100 || rep.Code > 599 || rep.Class() < 1 || rep.Class() > 5 {
		t.Fatalf("code %d out of range", rep.Code)
	}
	if len(rep.Lines) == 0 || !isCodePrefix(rep.Lines[0], rep.Code) {
		t.Fatalf("first line %q does not carry code %d", rep.Lines, rep.Code)
	}
	total := 0
	for _, l := range rep.Lines {
		if len(l) > maxLine {
			t.Fatalf("line of %d bytes exceeds limit %d", len(l), maxLine)
		}
		if strings.Contains(l, "\n") {
			t.Fatalf("line %q holds a newline", l)
		}
		total += len(l) + 1
	}
	if total > maxReply {
		t.Fatalf("reply of %d bytes exceeds limit %d", total, maxReply)
	}
	_ = rep.Message()
}

func FuzzParsePASV(f *testing.F) {
	for _, s := range []string{
		"227 Entering Passive Mode (192,168,1,2,19,137).",
		"227 Entering Passive Mode 192,168,1,2,19,137",
		"227 =192,168,1,2,19,137",
		"227 Entering Passive Mode (192, 168, 1, 2, 19, 137)",
		"227 Entering Passive Mode (1,192,168,1,2,19,137).",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ap, err := ParsePASV(text)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("error %v is not ErrBadAddress", err)
			}
			return
		}
		if !ap.Addr().Is4() {
			t.Fatalf("PASV address %v is not IPv4", ap)
		}
		s, err := FormatPASV(ap)
		if err != nil {
			t.Fatalf("FormatPASV(%v): %v", ap, err)
		}
		if ap2, err := ParsePASV(s); err != nil || ap2 != ap {
			t.Fatalf("round trip %v -> %q -> %v, %v", ap, s, ap2, err)
		}
	})
}

func FuzzParseEPSV(f *testing.F) {
	for _, s := range []string{
		"229 Entering Extended Passive Mode (|||6446|)",
		"229 Entering Extended Passive Mode (!!!6446!)",
		"229 Extended Passive Mode Entered (|||50000|).",
		"229 Entering Extended Passive Mode (|||65536|)",
		"229 (|||0|)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParseEPSV(text)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("error %v is not ErrBadAddress", err)
			}
			return
		}
		if p == 0 {
			t.Fatal("port 0 accepted")
		}
		if p2, err := ParseEPSV(FormatEPSV(p)); err != nil || p2 != p {
			t.Fatalf("round trip %d -> %d, %v", p, p2, err)
		}
	})
}

func FuzzParsePORT(f *testing.F) {
	for _, s := range []string{
		"10,0,0,2,19,137",
		"192,168,1,100,195,80",
		" 10, 0, 0, 2, 19, 137 ",
		"10,0,0,2,19,1370",
		"|1|10.0.0.2|5001|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ap, err := ParsePORT(arg)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("error %v is not ErrBadAddress", err)
			}
			return
		}
		s, err := FormatPORT(ap)
		if err != nil {
			t.Fatalf("FormatPORT(%v): %v", ap, err)
		}
		if ap2, err := ParsePORT(s); err != nil || ap2 != ap {
			t.Fatalf("round trip %v -> %q -> %v, %v", ap, s, ap2, err)
		}
		// What PORT carries, EPRT carries too.
		if ap3, err := ParseEPRT(FormatEPRT(ap)); err != nil || ap3 != ap {
			t.Fatalf("EPRT of PORT address %v -> %v, %v", ap, ap3, err)
		}
	})
}

func FuzzParseEPRT(f *testing.F) {
	for _, s := range []string{
		"|1|132.235.1.2|6275|",
		"|2|1080::8:800:200C:417A|5282|",
		"!1!192.0.2.1!6446!",
		"|2|::ffff:192.0.2.1|6446|",
		"|2|fe80::1%eth0|6446|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ap, err := ParseEPRT(arg)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("error %v is not ErrBadAddress", err)
			}
			return
		}
		s := FormatEPRT(ap)
		ap2, err := ParseEPRT(s)
		if err != nil || ap2.Addr() != ap.Addr().Unmap() || ap2.Port() != ap.Port() {
			t.Fatalf("round trip %v -> %q -> %v, %v", ap, s, ap2, err)
		}
		if ap.Addr().Unmap().Is4() {
			if p, err := FormatPORT(ap); err != nil {
				t.Fatalf("FormatPORT(%v): %v", ap, err)
			} else if ap3, err := ParsePORT(p); err != nil || ap3 != ap2 {
				t.Fatalf("PORT of EPRT address %v -> %v, %v", ap, ap3, err)
			}
		}
	})
}

func FuzzParseListLine(f *testing.F) {
	for _, s := range []string{
		"-rw-r--r--    1 0        0         1048576 Nov 25 17:00 big.bin",
		"lrwxrwxrwx    1 0        0               7 Jan 02  2024 current -> v1.2.3",
		"drwxr-xr-x    2 ftp      ftp          4096 Nov 25 17:00 pub",
		"11-25-26  05:00PM              1234 file.txt",
		"11-25-26  05:00PM       <DIR>          sub dir",
		"total 8",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, ok := ParseListLine(line)
		if !ok {
			if e != (ListEntry{}) {
				t.Fatalf("not ok but entry %+v", e)
			}
			return
		}
		if strings.TrimSpace(e.Name) == "" || !strings.Contains(line, e.Name) {
			t.Fatalf("bad name %q from %q", e.Name, line)
		}
		if e.Size < 0 {
			t.Fatalf("negative size %d", e.Size)
		}
		switch e.Type {
		case EntryFile, EntryDir, EntryLink, EntryOther:
		default:
			t.Fatalf("bad type %q", e.Type)
		}
	})
}
