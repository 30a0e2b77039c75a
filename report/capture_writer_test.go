package report

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// writeWhileReading reads data with its sessions handed on as they settle
// into a CaptureWriter writing to w; it returns the diagnosis, Finish's
// error, and how many sessions were handed on before the end.
func writeWhileReading(t *testing.T, data []byte, w interface{ Write([]byte) (int, error) }) (*CaptureDiagnosis, error, int) {
	t.Helper()
	cw := NewCaptureWriter(w, "test", []string{"capture.pcap"})
	handed := 0
	ev, err := capture.ReadTraces([]capture.Trace{{Name: "capture.pcap", R: bytes.NewReader(data)}}, capture.ReadOptions{
		ControlPorts: []uint16{21},
		Settled: func(st capture.Settled) {
			handed += len(st.Sessions)
			cw.Settled(st)
		},
	})
	if ev == nil {
		cw.Abort()
		t.Fatalf("not read: %v", err)
	}
	readErr := ""
	if err != nil {
		readErr = err.Error()
	}
	cd, ferr := cw.Finish(ev, readErr)
	return cd, ferr, handed
}

// wholeJSON is the JSON report of data read whole, as RenderCapture writes
// it.
func wholeJSON(t *testing.T, data []byte) (*CaptureDiagnosis, []byte) {
	t.Helper()
	ev, err := capture.ReadTraces([]capture.Trace{{Name: "capture.pcap", R: bytes.NewReader(data)}}, capture.ReadOptions{ControlPorts: []uint16{21}})
	if ev == nil {
		t.Fatalf("not read: %v", err)
	}
	cd := DiagnoseCapture(ev)
	cd.Files = []string{"capture.pcap"}
	if err != nil {
		cd.ReadError = err.Error()
	}
	var b bytes.Buffer
	if err := RenderCapture(&b, cd, FormatJSON, RenderOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return cd, b.Bytes()
}

// TestCaptureWriterSameAsWhole: the JSON report written while the capture
// is read, each session as soon as it settled, is byte for byte the
// report of the whole capture diagnosed at the end, on one worker or
// several; on a capture lasting two minutes, a third of the sessions or
// more were written before its end. On the lab captures (seconds long)
// every session is written at the end, and the report is the same too.
func TestCaptureWriterSameAsWhole(t *testing.T) {
	for name, data := range streamInputs(t, capgen.Options{Seed: 3, Bytes: 4 << 20, Sessions: 2000}) {
		whole, want := wholeJSON(t, data)
		for _, procs := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d", name, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				var got bytes.Buffer
				cd, err, handed := writeWhileReading(t, data, &got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("written while reading differs from the whole report (%d bytes, want %d)", got.Len(), len(want))
				}
				if cd.Len() != whole.Len() || cd.ExitCode() != whole.ExitCode() {
					t.Errorf("%d sessions, exit %d; want %d, %d", cd.Len(), cd.ExitCode(), whole.Len(), whole.ExitCode())
				}
				if name == "capgen" && 3*handed < whole.Len() {
					t.Errorf("%d of %d sessions handed on before the end of a two-minute capture, want a third or more", handed, whole.Len())
				}
			})
		}
	}
}

// TestCaptureWriterStops: a report whose writer fails, while the capture
// is read or at its end, stops at the first error, returns it, and what
// it wrote is the start of the report.
func TestCaptureWriterStops(t *testing.T) {
	var gen bytes.Buffer
	if _, err := capgen.Write(&gen, capgen.Options{Seed: 3, Bytes: 4 << 20, Sessions: 2000}); err != nil {
		t.Fatal(err)
	}
	_, want := wholeJSON(t, gen.Bytes())
	stop := errors.New("disk full")
	for _, writes := range []int{0, 1, 300, 2003} {
		w := &failAfter{n: writes, err: stop}
		if _, err, _ := writeWhileReading(t, gen.Bytes(), w); !errors.Is(err, stop) {
			t.Errorf("fail after %d writes: Finish = %v, want %v", writes, err, stop)
		}
		if !bytes.HasPrefix(want, w.out.Bytes()) {
			t.Errorf("fail after %d writes: what was written is not the start of the report:\n%.300q", writes, w.out.Bytes())
		}
	}
}

// TestCaptureWriterCrafted: on captures crafted for the ways a session
// could settle wrongly (from a review), the report written while reading
// is the whole report, byte for byte, and that report says what the
// capture shows: a capture filtered to port 21 is recognised as such, not
// read as a filtered passive range; a FIN sent again long after its
// connection settled is counted, not taken for a connection of its own
// that a later session's data set-up would then be linked to; sessions
// after a SYN nothing answered, or beside connections of another
// protocol, are written before the end; a session found by its late
// greeting is grouped with its client's next one; a session the capture
// joined while it was idle is not let go of as if it were over; a dial
// retried after a long wait is one dial.
func TestCaptureWriterCrafted(t *testing.T) {
	tests := []struct {
		name       string
		want, not  []string
		handedMin  int
		controlsOf int // a session of the summary has this many control connections
	}{
		{name: "offcontrol", want: []string{`"capture-incomplete"`}, not: []string{`"passive-port-filtered"`}},
		{name: "latefin", want: []string{`after their last packet, once their session was over`}, not: []string{`did not behave like FTP`}},
		{name: "latedata", want: []string{`"passive-port-filtered"`}},
		{name: "synblock", handedMin: 15},
		{name: "banner", controlsOf: 2},
		{name: "web", handedMin: 15},
		// From a second review.
		{name: "mididle", want: []string{`"passive-port-filtered"`}, not: []string{`did not behave like FTP`, `once their session was over`}},
		{name: "synretry48", want: []string{`"verdict": "The one data mode used works`}, not: []string{`once their session was over`}},
		{name: "datasyn48", want: []string{`sent 6 times, no SYN-ACK`}, not: []string{`once their session was over`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := craft(t, tt.name)
			whole, want := wholeJSON(t, data)
			var got bytes.Buffer
			_, err, handed := writeWhileReading(t, data, &got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("written while reading differs from the whole report:\n got %.2000s\nwant %.2000s", got.Bytes(), want)
			}
			for _, w := range tt.want {
				if !bytes.Contains(want, []byte(w)) {
					t.Errorf("the report does not say %s:\n%.3000s", w, want)
				}
			}
			for _, n := range tt.not {
				if bytes.Contains(want, []byte(n)) {
					t.Errorf("the report says %s:\n%.3000s", n, want)
				}
			}
			if handed < tt.handedMin {
				t.Errorf("%d sessions written before the end, want %d or more", handed, tt.handedMin)
			}
			if tt.controlsOf > 0 && !slices.ContainsFunc(whole.Summary, func(s SessionSummary) bool { return s.Controls == tt.controlsOf }) {
				t.Errorf("no session of %d control connections in %+v", tt.controlsOf, whole.Summary)
			}
		})
	}
}
