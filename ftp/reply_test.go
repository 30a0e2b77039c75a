package ftp

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []Reply
		msg   []string // Message() of each reply
		final error    // error after the replies; io.EOF when nil
	}{
		{
			name: "vsftpd banner",
			in:   "220 (vsFTPd 3.0.3)\r\n",
			want: []Reply{{220, []string{"220 (vsFTPd 3.0.3)"}}},
			msg:  []string{"(vsFTPd 3.0.3)"},
		},
		{
			name: "pure-ftpd multi-line banner",
			in: "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n" +
				"220-You are user number 1 of 50 allowed.\r\n" +
				"220-Local time is now 17:00. Server port: 21.\r\n" +
				"220-This is a private system - No anonymous login\r\n" +
				"220 You will be disconnected after 15 minutes of inactivity.\r\n",
			want: []Reply{{220, []string{
				"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------",
				"220-You are user number 1 of 50 allowed.",
				"220-Local time is now 17:00. Server port: 21.",
				"220-This is a private system - No anonymous login",
				"220 You will be disconnected after 15 minutes of inactivity.",
			}}},
			msg: []string{"--------- Welcome to Pure-FTPd [privsep] [TLS] ---------- You are user number 1 of 50 allowed. Local time is now 17:00. Server port: 21. This is a private system - No anonymous login You will be disconnected after 15 minutes of inactivity."},
		},
		{
			name: "vsftpd FEAT then PASV",
			in: "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n" +
				"227 Entering Passive Mode (192,168,1,2,19,137).\r\n",
			want: []Reply{
				{211, []string{"211-Features:", " EPRT", " EPSV", " MDTM", " PASV", " REST STREAM", " SIZE", " TVFS", " UTF8", "211 End"}},
				{227, []string{"227 Entering Passive Mode (192,168,1,2,19,137)."}},
			},
			msg: []string{"Features: EPRT EPSV MDTM PASV REST STREAM SIZE TVFS UTF8 End", "Entering Passive Mode (192,168,1,2,19,137)."},
		},
		{
			name: "digit lines inside multi-line",
			in:   "230-Welcome\r\n123 not the end\r\n230-still going\r\n2300 nope\r\n230\tnope\r\n230 Login successful.\r\n",
			want: []Reply{{230, []string{"230-Welcome", "123 not the end", "230-still going", "2300 nope", "230\tnope", "230 Login successful."}}},
		},
		{
			name: "LF only",
			in:   "220-FileZilla Server 1.8.0\n220 Please visit https://filezilla-project.org/\n331 Please, specify the password.\n",
			want: []Reply{
				{220, []string{"220-FileZilla Server 1.8.0", "220 Please visit https://filezilla-project.org/"}},
				{331, []string{"331 Please, specify the password."}},
			},
		},
		{
			name: "IIS",
			in:   "220 Microsoft FTP Service\r\n215 Windows_NT\r\n",
			want: []Reply{{220, []string{"220 Microsoft FTP Service"}}, {215, []string{"215 Windows_NT"}}},
		},
		{
			name: "bare code ends multi-line",
			in:   "211-Status\r\n data\r\n211\r\n",
			want: []Reply{{211, []string{"211-Status", " data", "211"}}},
		},
		{
			name: "empty text",
			in:   "200 \r\n",
			want: []Reply{{200, []string{"200 "}}},
			msg:  []string{""},
		},
		{name: "empty input", in: ""},
		{name: "bad code 600", in: "600 nope\r\n", final: ErrMalformedReply},
		{name: "bad code 099", in: "099 nope\r\n", final: ErrMalformedReply},
		{name: "two digits", in: "22 nope\r\n", final: ErrMalformedReply},
		{name: "four digits", in: "2200 nope\r\n", final: ErrMalformedReply},
		{name: "no separator", in: "220\r\n", final: ErrMalformedReply},
		{name: "letters", in: "SSH-2.0-OpenSSH_9.6\r\n", final: ErrMalformedReply},
		{name: "empty line", in: "\r\n", final: ErrMalformedReply},
		{name: "EOF mid-line", in: "220 (vsFTPd 3.0", final: io.ErrUnexpectedEOF},
		{name: "EOF mid multi-line", in: "220-hello\r\n220-more\r\n", final: io.ErrUnexpectedEOF},
		{
			name:  "EOF after a complete reply mid-line",
			in:    "220 ok\r\n331 Ple",
			want:  []Reply{{220, []string{"220 ok"}}},
			final: io.ErrUnexpectedEOF,
		},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			name := tt.name
			var src io.Reader = strings.NewReader(tt.in)
			if oneByte {
				name += "/one-byte"
				src = iotest.OneByteReader(src)
			}
			t.Run(name, func(t *testing.T) {
				r := NewReader(src)
				for i, want := range tt.want {
					got, err := r.ReadReply()
					if err != nil {
						t.Fatalf("reply %d: %v", i, err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("reply %d = %#v, want %#v", i, got, want)
					}
					if got.String() != strings.Join(want.Lines, "\n") {
						t.Errorf("String() = %q", got.String())
					}
					if i < len(tt.msg) && got.Message() != tt.msg[i] {
						t.Errorf("Message() = %q, want %q", got.Message(), tt.msg[i])
					}
				}
				final := tt.final
				if final == nil {
					final = io.EOF
				}
				_, err := r.ReadReply()
				if !errors.Is(err, final) {
					t.Fatalf("final error %v, want %v", err, final)
				}
				if final == io.EOF && err != io.EOF {
					t.Fatalf("EOF must be returned unwrapped, got %#v", err)
				}
			})
		}
	}
}

func TestReadReplyMalformedQuotesLine(t *testing.T) {
	line := "HTTP/1.1 400 Bad Request " + strings.Repeat("x", 500)
	_, err := NewReader(strings.NewReader(line + "\r\n")).ReadReply()
	if !errors.Is(err, ErrMalformedReply) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), `"HTTP/1.1 400 Bad Request`) || len(err.Error()) > 150 {
		t.Errorf("error should quote a truncated line: %q", err)
	}
}

func TestReadReplyContinuesAfterMalformed(t *testing.T) {
	r := NewReader(strings.NewReader("garbage\r\n220 ok\r\n"))
	if _, err := r.ReadReply(); !errors.Is(err, ErrMalformedReply) {
		t.Fatalf("first: %v", err)
	}
	got, err := r.ReadReply()
	if err != nil || got.Code != 220 {
		t.Fatalf("second: %v %v", got, err)
	}
}

// countingReader counts the bytes handed out by the reader it wraps.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader yields prefix once, then unit forever.
type repeatReader struct {
	prefix []byte
	unit   []byte
	off    int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.prefix) > 0 {
			c := copy(p[n:], r.prefix)
			r.prefix = r.prefix[c:]
			n += c
			continue
		}
		c := copy(p[n:], r.unit[r.off:])
		r.off = (r.off + c) % len(r.unit)
		n += c
	}
	return n, nil
}

// slack is how far past a limit the Reader may read: its buffer size.
const slack = readBufferSize + 64

func TestReadReplyLineTooLong(t *testing.T) {
	body := "220 " + strings.Repeat("A", 10<<20) + "\r\n"
	for _, oneByte := range []bool{false, true} {
		c := &countingReader{r: strings.NewReader(body)}
		var src io.Reader = c
		if oneByte {
			src = iotest.OneByteReader(c)
		}
		r := NewReader(src)
		_, err := r.ReadReply()
		if !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("err = %v, want ErrLineTooLong", err)
		}
		if c.n > MaxLineBytes+slack {
			t.Errorf("read %d bytes for a too-long line, budget %d", c.n, MaxLineBytes+slack)
		}
		// Sticky: the stream position is lost.
		if _, err := r.ReadReply(); !errors.Is(err, ErrLineTooLong) {
			t.Errorf("second call: %v", err)
		}
	}
}

func TestReadReplyLineLimitBoundary(t *testing.T) {
	for _, ending := range []string{"\r\n", "\n"} {
		max := "220 " + strings.Repeat("a", MaxLineBytes-4)
		got, err := NewReader(strings.NewReader(max + ending)).ReadReply()
		if err != nil || len(got.Lines[0]) != MaxLineBytes {
			t.Fatalf("line of exactly MaxLineBytes with %q: %v", ending, err)
		}
		_, err = NewReader(strings.NewReader(max + "a" + ending)).ReadReply()
		if !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("line of MaxLineBytes+1 with %q: %v", ending, err)
		}
	}
}

func TestReadReplyNeverEnds(t *testing.T) {
	c := &countingReader{r: &repeatReader{prefix: []byte("211-Features:\r\n"), unit: []byte(" 211 not the end\r\n")}}
	_, err := NewReader(c).ReadReply()
	if !errors.Is(err, ErrReplyTooLong) {
		t.Fatalf("err = %v, want ErrReplyTooLong", err)
	}
	if c.n > MaxReplyBytes+slack {
		t.Errorf("read %d bytes, budget %d", c.n, MaxReplyBytes+slack)
	}
}

func TestReadReplyLongLinesNeverEnd(t *testing.T) {
	// Many lines each just under the line limit: the reply limit must trip.
	unit := []byte(strings.Repeat("x", MaxLineBytes-1) + "\r\n")
	c := &countingReader{r: &repeatReader{prefix: []byte("220-\r\n"), unit: unit}}
	_, err := NewReader(c).ReadReply()
	if !errors.Is(err, ErrReplyTooLong) {
		t.Fatalf("err = %v, want ErrReplyTooLong", err)
	}
	if c.n > MaxReplyBytes+slack {
		t.Errorf("read %d bytes, budget %d", c.n, MaxReplyBytes+slack)
	}
}

func TestReadReplyResumesAfterTimeout(t *testing.T) {
	// TimeoutReader fails its second Read: the Reader must keep what it has.
	in := "220-hello\r\n220-there\r\n220 end\r\n"
	r := NewReader(iotest.TimeoutReader(iotest.HalfReader(strings.NewReader(in))))
	var got Reply
	var err error
	for range 3 {
		got, err = r.ReadReply()
		if !errors.Is(err, iotest.ErrTimeout) {
			break
		}
	}
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	want := Reply{220, []string{"220-hello", "220-there", "220 end"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

// TestReaderReset: a Reset Reader reads its new stream as a new Reader
// would, whatever it was doing: in the middle of a multi-line reply, with
// bytes buffered past a reply, after a sticky error.
func TestReaderReset(t *testing.T) {
	long := "220 " + strings.Repeat("x", MaxLineBytes+10) + "\r\n"
	for _, tt := range []struct{ name, before string }{
		{"mid reply", "220-hello\r\n220-there"},
		{"bytes past a reply", "200 ok\r\n331 pa"},
		{"sticky error", long},
		{"malformed line", "hello\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.before))
			r.ReadReply()
			r.ReadReply()
			r.Reset(strings.NewReader("230-welcome\r\n230 in\r\n221 bye\r\n"))
			var got []Reply
			for {
				rep, err := r.ReadReply()
				if err != nil {
					if err != io.EOF {
						t.Fatalf("err = %v", err)
					}
					break
				}
				got = append(got, rep)
			}
			want := []Reply{{230, []string{"230-welcome", "230 in"}}, {221, []string{"221 bye"}}}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestReplyClasses(t *testing.T) {
	tests := []struct {
		code                    int
		pre, com, inter, tn, pn bool
	}{
		{150, true, false, false, false, false},
		{226, false, true, false, false, false},
		{331, false, false, true, false, false},
		{421, false, false, false, true, false},
		{550, false, false, false, false, true},
	}
	for _, tt := range tests {
		r := Reply{Code: tt.code}
		if r.Class() != tt.code/100 || r.Preliminary() != tt.pre || r.Completion() != tt.com ||
			r.Intermediate() != tt.inter || r.TransientNegative() != tt.tn || r.PermanentNegative() != tt.pn {
			t.Errorf("classes of %d wrong", tt.code)
		}
	}
}

func TestReplyMessage(t *testing.T) {
	tests := []struct {
		r    Reply
		want string
	}{
		{Reply{500, []string{"500 Illegal PORT command."}}, "Illegal PORT command."},
		{Reply{550, []string{"550 Permission denied."}}, "Permission denied."},
		{Reply{230, []string{"230-Welcome", "  to the server  ", "", "230 Login successful."}}, "Welcome to the server Login successful."},
		{Reply{220, []string{"220-ProFTPD", "220 ready"}}, "ProFTPD ready"},
		{Reply{}, ""},
	}
	for _, tt := range tests {
		if got := tt.r.Message(); got != tt.want {
			t.Errorf("Message(%q) = %q, want %q", tt.r.Lines, got, tt.want)
		}
	}
}

// TestReaderRest: after a too-long line or reply, Rest hands back what the
// Reader had buffered past it and whether it stopped inside a line, so a
// reader of a capture resumes at the next reply instead of losing it.
func TestReaderRest(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		maxLine  int
		maxReply int
		want     string // the next reply read after resuming
	}{
		{"line ends in the buffer", "200 " + strings.Repeat("a", 40) + "\r\n226 done\r\n", 16, 1024, "226 done"},
		{"line goes on past the buffer", "200 " + strings.Repeat("a", 9000) + "\r\n226 done\r\n", 16, 1 << 20, "226 done"},
		// The rest of a too-long reply is lines without a code, then its
		// last line: that is what resumes, the reply's code intact.
		{"reply too long", "211-x\r\n" + strings.Repeat("yyyy\r\n", 20) + "211 end\r\n226 done\r\n", 64, 64, "211 end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, mid := NewReader(strings.NewReader("")).Rest(); b != nil || mid {
				t.Fatalf("Rest before an error: %q %v", b, mid)
			}
			r := newReaderLimits(strings.NewReader(tt.in), tt.maxLine, tt.maxReply)
			if _, err := r.ReadReply(); !errors.Is(err, ErrLineTooLong) && !errors.Is(err, ErrReplyTooLong) {
				t.Fatalf("err = %v", err)
			}
			rest, mid := r.Rest()
			// What the Reader never read follows what it buffered.
			_, _ = r.br.Discard(len(rest))
			tail, _ := io.ReadAll(r.br)
			stream := string(rest) + string(tail)
			if mid {
				_, stream, _ = strings.Cut(stream, "\n")
			}
			nr := NewReader(strings.NewReader(stream))
			got, err := nr.ReadReply()
			for errors.Is(err, ErrMalformedReply) {
				got, err = nr.ReadReply()
			}
			if err != nil || got.Text() != tt.want {
				t.Errorf("resumed: %q, %v (stream %.40q), want %q", got.Text(), err, stream, tt.want)
			}
		})
	}
}
